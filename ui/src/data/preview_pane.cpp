#include "data/preview_pane.h"

#include <QFileInfo>
#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "data/thumbnail_cache.h"
#include "widgets/tool_button.h"

namespace fovea::ui {

namespace {

// Large enough to judge focus and detail on a big screen; the decode stays well under a second
// even for 20-megapixel photos (JPEG decodes at reduced scale).
constexpr int kPreviewSide = 2048;
constexpr double kZoomStep = 1.25;
constexpr double kMinZoom = 0.02;
constexpr double kMaxZoom = 32.0;

}  // namespace

PreviewPane::PreviewPane(QWidget* parent)
    : QWidget(parent), m_decoder(new ThumbnailCache(kPreviewSide, this)) {
    setObjectName("previewPane");
    m_scene = new QGraphicsScene(this);
    m_pixmapItem = m_scene->addPixmap({});
    m_pixmapItem->setTransformationMode(Qt::SmoothTransformation);
    m_view = new QGraphicsView(m_scene, this);
    m_view->setObjectName("previewView");
    m_view->setDragMode(QGraphicsView::ScrollHandDrag);
    m_view->setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    m_view->setBackgroundBrush(QColor(40, 40, 40));
    m_view->viewport()->installEventFilter(this);

    const auto button = [this](const QString& text, const QString& name, const QString& tip) {
        return makeToolButton(this, text, name, tip);
    };
    QToolButton* fit = button("Fit", "zoomFitButton", "Fit the image in the pane");
    QToolButton* actual = button("1:1", "zoomActualButton", "One image pixel per screen pixel");
    QToolButton* zoomOut = button("−", "zoomOutButton", "Zoom out (mouse wheel)");
    QToolButton* zoomIn = button("+", "zoomInButton", "Zoom in (mouse wheel)");
    connect(fit, &QToolButton::clicked, this, &PreviewPane::zoomToFit);
    connect(actual, &QToolButton::clicked, this, [this] { setZoom(1.0); });
    connect(zoomOut, &QToolButton::clicked, this, [this] { setZoom(m_zoom / kZoomStep); });
    connect(zoomIn, &QToolButton::clicked, this, [this] { setZoom(m_zoom * kZoomStep); });
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setObjectName("zoomLabel");

    auto* tools = new QHBoxLayout;
    tools->addWidget(fit);
    tools->addWidget(actual);
    tools->addWidget(zoomOut);
    tools->addWidget(zoomIn);
    tools->addStretch(1);
    tools->addWidget(m_zoomLabel);

    m_details = new QLabel(this);
    m_details->setObjectName("previewDetails");
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    // The details scroll in a box of fixed height (a name, a path over two lines, size,
    // class, split and a problem fit without scrolling), so the image above keeps its size
    // from one selection to the next however long an error message is.
    auto* detailsBox = new QScrollArea(this);
    detailsBox->setObjectName("previewDetailsBox");
    detailsBox->setWidget(m_details);
    detailsBox->setWidgetResizable(true);
    detailsBox->setFrameShape(QFrame::NoFrame);
    detailsBox->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    detailsBox->setFixedHeight(8 * m_details->fontMetrics().lineSpacing());

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_view, 1);
    layout->addWidget(detailsBox);

    connect(m_decoder, &ThumbnailCache::thumbnailReady, this, &PreviewPane::onDecoded);
    connect(m_decoder, &ThumbnailCache::thumbnailFailed, this, &PreviewPane::onFailed);
    showImage(std::nullopt, {});
}

void PreviewPane::showImage(const std::optional<core::ImageRecord>& image, const QString& className,
                            const QString& suggestedClassName) {
    // The same file again (its label or split changed): new details, the pixels and zoom stay.
    const bool samePicture = m_image && image && m_image->id == image->id &&
                             m_image->path == image->path && m_image->error == image->error &&
                             m_image->missing == image->missing && hasPixels();
    m_image = image;
    if (!samePicture) {
        m_pixmapItem->setPixmap({});
        m_fit = true;
    }
    if (!image) {
        m_details->setText("<i>Select an image to see it here.</i>");
        m_zoomLabel->clear();
        return;
    }
    const QString path = QString::fromStdString(image->path.string());
    QStringList lines;
    lines << "<b>" + QFileInfo(path).fileName().toHtmlEscaped() + "</b>";
    lines << path.toHtmlEscaped();
    if (image->width > 0) {
        lines << QString("%1 × %2 px, %3")
                     .arg(image->width)
                     .arg(image->height)
                     .arg(QLocale().formattedDataSize(static_cast<qint64>(image->fileSize)));
    }
    lines << "Class: " + (className.isEmpty() ? "<i>unlabeled</i>" : className.toHtmlEscaped());
    if (image->suggestion && !image->classId) {
        lines << QString("Suggested: <b>%1</b> (%2 %) — Enter to accept")
                     .arg(suggestedClassName.toHtmlEscaped())
                     .arg(qRound(image->suggestion->confidence * 100));
    }
    // An unlabeled image is not trained or validated on: its split waits for a label.
    const QString split =
        image->split ? QString(core::splitName(*image->split)) : QString("<i>none</i>");
    lines << "Split: " + (image->classId || !image->split ? split : split + " once labeled");
    if (image->excluded) lines << "Excluded from training and export.";
    if (image->missing) lines << "<font color='#d04030'>Missing: the file is gone.</font>";
    if (image->error) {
        lines << "<font color='#d04030'>Unreadable: " +
                     QString::fromStdString(*image->error).toHtmlEscaped() + "</font>";
    }
    m_details->setText(lines.join("<br>"));
    if (samePicture || image->missing || image->error) return;
    m_decoder->clear();  // one image at a time: nothing to keep
    const QImage pixels = m_decoder->request(image->id, path);
    if (!pixels.isNull()) onDecoded(image->id);
}

void PreviewPane::onDecoded(qint64 id) {
    if (!m_image || m_image->id != id) return;
    const QImage pixels = m_decoder->request(id, QString::fromStdString(m_image->path.string()));
    if (pixels.isNull()) return;
    m_pixmapItem->setPixmap(QPixmap::fromImage(pixels));
    // Decoded at most kPreviewSide: scale the item so 1.0 zoom still means the file's pixels.
    const int fileSide = std::max(m_image->width, m_image->height);
    const int decodedSide = std::max(pixels.width(), pixels.height());
    const double itemScale =
        (fileSide > 0 && decodedSide > 0) ? double(fileSide) / decodedSide : 1.0;
    m_pixmapItem->setScale(itemScale);
    m_scene->setSceneRect(m_pixmapItem->sceneBoundingRect());
    if (m_fit) {
        zoomToFit();
    } else {
        setZoom(m_zoom);
    }
}

void PreviewPane::onFailed(qint64 id, const QString& message) {
    if (!m_image || m_image->id != id) return;
    m_details->setText(m_details->text() + "<br><font color='#d04030'>Cannot decode: " +
                       message.toHtmlEscaped() + "</font>");
}

bool PreviewPane::hasPixels() const { return !m_pixmapItem->pixmap().isNull(); }

void PreviewPane::setZoom(double zoom) {
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    m_fit = false;
    m_view->setTransform(QTransform::fromScale(m_zoom, m_zoom));
    m_zoomLabel->setText(QString("%1%").arg(std::lround(m_zoom * 100)));
}

void PreviewPane::zoomToFit() {
    m_fit = true;
    if (!hasPixels()) return;
    m_view->fitInView(m_pixmapItem, Qt::KeepAspectRatio);
    m_zoom = m_view->transform().m11();
    m_zoomLabel->setText(QString("%1%").arg(std::lround(m_zoom * 100)));
}

bool PreviewPane::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_view->viewport() && event->type() == QEvent::Wheel) {
        const auto* wheel = static_cast<QWheelEvent*>(event);
        const double steps = wheel->angleDelta().y() / 120.0;
        if (steps != 0 && hasPixels()) {
            const double factor = std::pow(kZoomStep, steps);
            m_zoom = std::clamp(m_zoom * factor, kMinZoom, kMaxZoom);
            m_fit = false;
            m_view->setTransform(QTransform::fromScale(m_zoom, m_zoom));
            m_zoomLabel->setText(QString("%1%").arg(std::lround(m_zoom * 100)));
        }
        return true;
    }
    // The view's own size is what the image fits: the pane's resize comes first when a page
    // that was never shown appears, and fitted to the view's old, tiny size (a 28 px image
    // at 86 % in a 300 px pane after a project opened on another page).
    if (watched == m_view->viewport() && event->type() == QEvent::Resize && m_fit) zoomToFit();
    return QWidget::eventFilter(watched, event);
}

void PreviewPane::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (m_fit) zoomToFit();
}

}  // namespace fovea::ui
