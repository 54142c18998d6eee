#include "health/embedding_map_view.h"

#include <QEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMouseEvent>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

#include "data/thumbnail_cache.h"
#include "health/fitted_thumbnail.h"
#include "project/project_session.h"
#include "qcustomplot_wrapper.h"
#include "widgets/plot_legend.h"

namespace fovea::ui {

namespace {

constexpr double kPointSize = 6;
constexpr int kHitRadius = 6;  // pixels around a point that still hover or click it
const QColor kUnlabeledColour(150, 150, 150);
const QColor kOutlierColour(192, 48, 32);

QCPGraph* addPointGraph(QCustomPlot* plot, const QString& name, const QCPScatterStyle& style) {
    QCPGraph* graph = plot->addGraph();
    graph->setName(name);
    graph->setLineStyle(QCPGraph::lsNone);
    graph->setScatterStyle(style);
    graph->setAdaptiveSampling(false);  // every point drawn, however many
    return graph;
}

}  // namespace

EmbeddingMapView::EmbeddingMapView(ThumbnailCache* thumbnails, QWidget* parent)
    : QWidget(parent), m_thumbnails(thumbnails), m_recolourTimer(new QTimer(this)) {
    setObjectName("embeddingMapView");
    m_note = new QLabel(this);
    m_note->setObjectName("mapNote");
    m_note->setWordWrap(true);
    m_note->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("embeddingMap");
    m_plot->setMouseTracking(true);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->xAxis->setTickLabels(false);  // the projection's units mean nothing to the user
    m_plot->yAxis->setTickLabels(false);
    placeLegendBelowPlot(m_plot, 6);
    m_plot->installEventFilter(this);

    // A card over the plot rather than a QToolTip: it shows a picture, and follows the pointer.
    m_card = new QFrame(m_plot);
    m_card->setObjectName("mapHoverCard");
    static_cast<QFrame*>(m_card)->setFrameShape(QFrame::Box);
    m_card->setAutoFillBackground(true);
    m_card->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_cardImage = new QLabel(m_card);
    m_cardImage->setFixedSize(m_thumbnails->side(), m_thumbnails->side());
    m_cardImage->setAlignment(Qt::AlignCenter);
    m_cardText = new QLabel(m_card);
    m_cardText->setObjectName("mapHoverText");
    auto* cardLayout = new QVBoxLayout(m_card);
    cardLayout->setContentsMargins(6, 6, 6, 6);
    cardLayout->addWidget(m_cardImage, 0, Qt::AlignHCenter);
    cardLayout->addWidget(m_cardText);
    m_card->hide();

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_note);
    layout->addWidget(m_plot, 1);

    m_recolourTimer->setSingleShot(true);
    m_recolourTimer->setInterval(200);
    connect(m_recolourTimer, &QTimer::timeout, this, [this] {
        recolour();
        m_plot->replot();
    });
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, &EmbeddingMapView::onThumbnail);
    showMap({}, {});
}

void EmbeddingMapView::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (m_session) {
        auto later = [this] { m_recolourTimer->start(); };
        connect(m_session, &ProjectSession::labelsChanged, this, later);
        connect(m_session, &ProjectSession::classesChanged, this, later);
    }
    showMap({}, {});
}

void EmbeddingMapView::showMap(const std::vector<core::ImageId>& images,
                               const core::EmbeddingMap& map, const QString& error,
                               const QString& axis) {
    // No map, no empty axes: the note alone says when one comes.
    m_plot->setVisible(!images.empty());
    m_plot->xAxis->setLabel(axis.isEmpty() ? QString() : "1st " + axis);
    m_plot->yAxis->setLabel(axis.isEmpty() ? QString() : "2nd " + axis);
    m_images = images;
    m_map = map;
    m_indexOf.clear();
    for (std::size_t i = 0; i < images.size(); ++i) m_indexOf[images[i]] = static_cast<int>(i);
    m_selected.reset();
    m_hovered.reset();
    m_card->hide();
    if (!error.isEmpty()) {
        m_note->setText("No map: " + error);
    } else if (images.empty()) {
        m_note->setText("The map shows after a check.");
    } else {
        m_note->setText(QString("%1 images as the network sees them: near points look alike; "
                                "hollow ones are unlabeled, in the class a model suggests. "
                                "%2 ringed as outliers. Hover a point for its image, click to "
                                "select it, double-click to show it on the Data page; drag and "
                                "wheel to move and zoom.")
                            .arg(images.size())
                            .arg(outlierCount()));
    }
    recolour();
    m_plot->rescaleAxes();
    // A margin, so the outermost points and their rings are not cut by the axes.
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        const QCPRange range = axis->range();
        const double margin = std::max(range.size() * 0.05, 1e-3);
        axis->setRange(range.lower - margin, range.upper + margin);
    }
    m_plot->replot();
}

int EmbeddingMapView::outlierCount() const {
    return static_cast<int>(std::count(m_map.outliers.begin(), m_map.outliers.end(), true));
}

void EmbeddingMapView::recolour() {
    m_plot->clearGraphs();
    m_selectionMark = nullptr;
    m_paths.clear();
    m_labels.clear();
    std::vector<core::ClassInfo> classes;
    std::map<core::ImageId, core::ImageRecord> records;
    if (m_session && !m_images.empty()) {
        if (auto read = m_session->store().classes()) classes = read.value();
        if (auto read = m_session->store().images()) {
            for (auto& record : read.value()) records[record.id] = std::move(record);
        }
    }
    // Per class: the labeled points (filled, in the legend) and the suggested ones (hollow).
    std::map<core::ClassId, std::pair<QVector<double>, QVector<double>>> labeled, suggested;
    QVector<double> greyX, greyY, ringX, ringY;
    std::map<core::ClassId, QString> names;
    for (const auto& info : classes) names[info.id] = QString::fromStdString(info.name);
    for (std::size_t i = 0; i < m_images.size(); ++i) {
        const double x = m_map.points[i][0];
        const double y = m_map.points[i][1];
        const auto found = records.find(m_images[i]);
        if (i < m_map.outliers.size() && m_map.outliers[i]) {
            ringX << x;
            ringY << y;
        }
        if (found == records.end()) {
            greyX << x;
            greyY << y;
            continue;
        }
        const core::ImageRecord& record = found->second;
        m_paths[record.id] = QString::fromStdString(record.path.string());
        if (record.classId && names.count(*record.classId)) {
            labeled[*record.classId].first << x;
            labeled[*record.classId].second << y;
            m_labels[record.id] = names[*record.classId];
        } else if (record.suggestion && names.count(record.suggestion->classId)) {
            suggested[record.suggestion->classId].first << x;
            suggested[record.suggestion->classId].second << y;
            m_labels[record.id] = QString("unlabeled, %1? %2%")
                                      .arg(names[record.suggestion->classId])
                                      .arg(qRound(100 * record.suggestion->confidence));
        } else {
            greyX << x;
            greyY << y;
            m_labels[record.id] = "unlabeled";
        }
    }
    for (const auto& info : classes) {
        const QColor colour(QString::fromStdString(info.colour));
        if (auto it = labeled.find(info.id); it != labeled.end()) {
            addPointGraph(m_plot, names[info.id],
                          QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, kPointSize))
                ->setData(it->second.first, it->second.second);
        }
        if (auto it = suggested.find(info.id); it != suggested.end()) {
            QCPGraph* graph =
                addPointGraph(m_plot, names[info.id] + "?",
                              QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(colour, 1.5),
                                              Qt::NoBrush, kPointSize));
            graph->setData(it->second.first, it->second.second);
            // One legend entry per class, its filled points; what hollow means is an entry
            // of its own below.
            graph->removeFromLegend();
        }
    }
    if (!suggested.empty()) {
        // No points of its own: a legend entry saying what a hollow point is.
        addPointGraph(
            m_plot, "hollow: suggested class",
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(palette().color(QPalette::Text), 1.5),
                            Qt::NoBrush, kPointSize));
    }
    if (!greyX.isEmpty()) {
        addPointGraph(m_plot, "unlabeled",
                      QCPScatterStyle(QCPScatterStyle::ssDisc, kUnlabeledColour, kUnlabeledColour,
                                      kPointSize))
            ->setData(greyX, greyY);
    }
    if (!ringX.isEmpty()) {
        addPointGraph(m_plot, "ringed: outlier",
                      QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(kOutlierColour, 2),
                                      Qt::NoBrush, 3 * kPointSize))
            ->setData(ringX, ringY);
    }
    m_selectionMark = addPointGraph(
        m_plot, "selected",
        QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(palette().color(QPalette::Text), 2),
                        Qt::NoBrush, 3 * kPointSize));
    m_selectionMark->removeFromLegend();
    m_plot->legend->setVisible(!m_images.empty());
    updateSelectionMark();
}

std::optional<qint64> EmbeddingMapView::imageAt(const QPoint& pixel) const {
    std::optional<qint64> best;
    double bestDistance = kHitRadius * kHitRadius;
    for (std::size_t i = 0; i < m_images.size(); ++i) {
        const double dx = m_plot->xAxis->coordToPixel(m_map.points[i][0]) - pixel.x();
        const double dy = m_plot->yAxis->coordToPixel(m_map.points[i][1]) - pixel.y();
        const double distance = dx * dx + dy * dy;
        if (distance <= bestDistance) {
            bestDistance = distance;
            best = m_images[i];
        }
    }
    return best;
}

std::optional<QPoint> EmbeddingMapView::pixelOf(qint64 id) const {
    const auto it = m_indexOf.find(id);
    if (it == m_indexOf.end()) return std::nullopt;
    const auto& point = m_map.points[static_cast<std::size_t>(*it)];
    return QPoint(qRound(m_plot->xAxis->coordToPixel(point[0])),
                  qRound(m_plot->yAxis->coordToPixel(point[1])));
}

void EmbeddingMapView::selectImage(qint64 id) {
    if (!m_indexOf.contains(id)) return;
    m_selected = id;
    updateSelectionMark();
    m_plot->replot();
    Q_EMIT imageSelected(id);
}

void EmbeddingMapView::updateSelectionMark() {
    if (!m_selectionMark) return;
    QVector<double> x, y;
    if (m_selected && m_indexOf.contains(*m_selected)) {
        const auto& point = m_map.points[static_cast<std::size_t>(m_indexOf[*m_selected])];
        x << point[0];
        y << point[1];
    }
    m_selectionMark->setData(x, y);
}

void EmbeddingMapView::hover(const QPoint& pixel) {
    const auto id = imageAt(pixel);
    if (!id) {
        m_hovered.reset();
        m_card->hide();
        return;
    }
    showCard(*id, pixel);
}

void EmbeddingMapView::showCard(qint64 id, const QPoint& pixel) {
    m_hovered = id;
    const QString path = m_paths.value(id);
    const QImage thumb = path.isEmpty() ? QImage() : m_thumbnails->request(id, path);
    if (thumb.isNull()) {
        m_cardImage->clear();
        m_cardImage->setText("…");
    } else {
        m_cardImage->setPixmap(fittedThumbnail(thumb, m_thumbnails->side()));
    }
    const int index = m_indexOf.value(id, -1);
    const bool outlier = index >= 0 && static_cast<std::size_t>(index) < m_map.outliers.size() &&
                         m_map.outliers[static_cast<std::size_t>(index)];
    m_cardText->setText(QFileInfo(path).fileName() + "\n" + m_labels.value(id, "unlabeled") +
                        (outlier ? "\noutlier: unlike the others" : ""));
    m_card->adjustSize();
    // Beside the pointer, inside the plot.
    QPoint at = pixel + QPoint(14, 14);
    if (at.x() + m_card->width() > m_plot->width()) at.setX(pixel.x() - 14 - m_card->width());
    if (at.y() + m_card->height() > m_plot->height()) at.setY(pixel.y() - 14 - m_card->height());
    m_card->move(std::max(0, at.x()), std::max(0, at.y()));
    m_card->show();
    m_card->raise();
}

void EmbeddingMapView::onThumbnail(qint64 id) {
    if (m_hovered == id && m_card->isVisible()) {
        m_cardImage->setPixmap(
            fittedThumbnail(m_thumbnails->request(id, {}), m_thumbnails->side()));
    }
}

bool EmbeddingMapView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot) {
        switch (event->type()) {
            case QEvent::MouseMove:
                if (!(static_cast<QMouseEvent*>(event)->buttons() & Qt::LeftButton)) {
                    hover(static_cast<QMouseEvent*>(event)->position().toPoint());
                }
                break;
            case QEvent::Leave:
                m_hovered.reset();
                m_card->hide();
                break;
            case QEvent::MouseButtonPress: {
                auto* mouse = static_cast<QMouseEvent*>(event);
                if (mouse->button() != Qt::LeftButton) break;
                if (const auto id = imageAt(mouse->position().toPoint())) selectImage(*id);
                break;
            }
            case QEvent::MouseButtonDblClick: {
                auto* mouse = static_cast<QMouseEvent*>(event);
                if (const auto id = imageAt(mouse->position().toPoint())) {
                    Q_EMIT imageActivated(*id);
                    return true;
                }
                break;
            }
            default:
                break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace fovea::ui
