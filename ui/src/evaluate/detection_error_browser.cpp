#include "evaluate/detection_error_browser.h"

#include <QButtonGroup>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

#include "data/thumbnail_cache.h"
#include "evaluate/detection_overlay.h"
#include "evaluate/image_tile_delegate.h"
#include "widgets/image_preview.h"

namespace fovea::ui {

namespace {

constexpr int kCaptionWidth = 150;
constexpr int kEntryRole = Qt::UserRole + 1;  // index into the errors' entries
// The large image is decoded at about this side: sharp on a large window, quick to decode.
constexpr int kLargeSide = 1600;

QString swatch(const QColor& colour, bool dashed) {
    return QString("<span style='color:%1; font-weight:bold'>%2</span>")
        .arg(colour.name(), dashed ? "┄┄" : "━━");
}

QString legendText() {
    return QString(
               "%1 truth box &nbsp; %2 the detection in error &nbsp; %3 a detection that found "
               "its object &nbsp; %4 ignored (crowd or difficult). Large image: detections "
               "scoring %5% or more, and the chosen one (▶).")
        .arg(swatch(kTruthColour, false), swatch(kErrorColour, true),
             swatch(kDetectionColour, true), swatch(kIgnoredColour, true))
        .arg(int(100 * DetectionErrorBrowser::kShownScore));
}

}  // namespace

DetectionErrorBrowser::DetectionErrorBrowser(QWidget* parent)
    : QWidget(parent), m_filterGroup(new QButtonGroup(this)) {
    setObjectName("detectionErrorBrowser");
    auto* filters = new QHBoxLayout;
    for (int k = 0; k < kDetectionErrorKinds; ++k) {
        const auto kind = static_cast<DetectionErrorKind>(k);
        auto* button = new QToolButton(this);
        button->setObjectName(QString("errorFilter%1").arg(k));
        button->setCheckable(true);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        button->setText(errorKindTitle(kind));
        button->setToolTip(errorKindToolTip(kind));
        m_filterGroup->addButton(button, k);
        m_filters[static_cast<std::size_t>(k)] = button;
        filters->addWidget(button);
    }
    filters->addStretch(1);
    m_filters[0]->setChecked(true);
    connect(m_filterGroup, &QButtonGroup::idClicked, this,
            [this](int id) { showKind(static_cast<DetectionErrorKind>(id)); });

    m_tiles = new QListWidget(this);
    m_tiles->setObjectName("errorTiles");
    m_tiles->setViewMode(QListView::IconMode);
    m_tiles->setIconSize(QSize(kTileSide, kTileSide));
    m_tiles->setItemDelegate(new ImageTileDelegate(kTileSide, kCaptionWidth, m_tiles));
    m_tiles->setResizeMode(QListView::Adjust);
    m_tiles->setMovement(QListView::Static);
    m_tiles->setUniformItemSizes(true);
    m_tiles->setSpacing(6);
    connect(m_tiles, &QListWidget::currentRowChanged, this, &DetectionErrorBrowser::showChosenTile);
    m_shownNote = new QLabel(this);
    m_shownNote->setObjectName("errorTilesNote");
    m_image = new ImagePreview(this);
    m_image->setObjectName("errorImage");
    m_image->setMinimumSize(240, 200);
    auto* legend = new QLabel(legendText(), this);
    legend->setObjectName("errorLegend");
    legend->setWordWrap(true);

    auto* tilesBox = new QWidget(this);
    auto* tilesLayout = new QVBoxLayout(tilesBox);
    tilesLayout->setContentsMargins(0, 0, 0, 0);
    tilesLayout->addWidget(m_tiles, 1);
    tilesLayout->addWidget(m_shownNote);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(tilesBox);
    split->addWidget(m_image);
    split->setSizes({480, 520});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filters);
    layout->addWidget(legend);
    layout->addWidget(split, 1);
    setEvaluation(nullptr);
}

void DetectionErrorBrowser::setEvaluation(std::shared_ptr<const EvaluatedDetections> evaluated) {
    m_evaluated = std::move(evaluated);
    for (int k = 0; k < kDetectionErrorKinds; ++k) {
        const auto kind = static_cast<DetectionErrorKind>(k);
        const QString count =
            m_evaluated ? QString(" (%1)").arg(m_evaluated->errors.count(kind)) : QString();
        m_filters[static_cast<std::size_t>(k)]->setText(errorKindTitle(kind) + count);
    }
    fillTiles();
}

void DetectionErrorBrowser::showKind(DetectionErrorKind kind) {
    m_kind = kind;
    m_filters[static_cast<std::size_t>(kind)]->setChecked(true);
    fillTiles();
}

void DetectionErrorBrowser::fillTiles() {
    m_tiles->clear();
    m_image->clearPreview();
    m_shownNote->clear();
    if (!m_evaluated) return;
    const auto& e = m_evaluated->evaluation;
    const auto& entries = m_evaluated->errors.entries();
    int withoutTile = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const DetectionErrorEntry& entry = entries[i];
        if (entry.kind != m_kind) continue;
        if (entry.tile.isNull()) {
            ++withoutTile;
            continue;
        }
        const auto& image = e.images[entry.image];
        auto name = [&](int index) {
            return QString::fromStdString(e.classNames[static_cast<std::size_t>(index)]);
        };
        QString first;
        QString second;
        if (entry.detection) {
            const auto& box = image.detections.boxes[*entry.detection];
            first = QString("%1 %2").arg(name(box.classIndex)).arg(box.score, 0, 'f', 2);
        }
        if (entry.truth) {
            const QString truth = name(image.truth[*entry.truth].classIndex);
            if (entry.kind == DetectionErrorKind::Missed) {
                first = "missed " + truth;
                second = entry.iou > 0 ? QString("nearest IoU %1").arg(entry.iou, 0, 'f', 2)
                                       : QString("nothing near");
            } else {
                second = QString("truth %1 · IoU %2").arg(truth).arg(entry.iou, 0, 'f', 2);
            }
        } else {
            second = QString("background · IoU %1").arg(entry.iou, 0, 'f', 2);
        }
        auto* item = new QListWidgetItem(first + "\n" + second, m_tiles);
        item->setIcon(QPixmap::fromImage(entry.tile));
        item->setData(kEntryRole, static_cast<qulonglong>(i));
        const QString path = QString::fromStdString(image.detections.file.string());
        item->setToolTip(QString("%1\n%2\n%3").arg(first, second, path));
    }
    if (withoutTile > 0) {
        m_shownNote->setText(QString("The %1 most confident are shown; %2 more are counted.")
                                 .arg(m_tiles->count())
                                 .arg(withoutTile));
    }
    if (m_tiles->count() == 0) {
        m_image->showMessage(QString("No %1 mistakes.").arg(errorKindTitle(m_kind).toLower()));
    } else {
        m_tiles->setCurrentRow(0);
    }
}

void DetectionErrorBrowser::showChosenTile() {
    QListWidgetItem* item = m_tiles->currentItem();
    if (!item || !m_evaluated) return;
    const auto& entry = m_evaluated->errors.entries()[item->data(kEntryRole).toULongLong()];
    const auto& e = m_evaluated->evaluation;
    const QString path = QString::fromStdString(e.images[entry.image].detections.file.string());
    QString error;
    const QImage picture = decodeThumbnail(path, kLargeSide, &error);
    if (picture.isNull()) {
        m_image->showMessage(error);
        return;
    }
    m_image->showImage(drawEvaluatedImage(picture, e, m_evaluated->errors, entry.image,
                                          entry.detection, kShownScore, kLargeSide));
    m_image->setToolTip(path);
}

}  // namespace fovea::ui
