#pragma once

#include <QHash>
#include <QPointer>
#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

#include "fovea/core/project/project_types.h"
#include "fovea/core/session/embedding_map.h"

class QCPGraph;
class QCustomPlot;
class QLabel;
class QTimer;

namespace fovea::ui {

class ProjectSession;
class ThumbnailCache;

// The Health page's embedding map: every embedded image a point at its first two principal
// components or its t-SNE place (near points look alike to the network), filled in its class's
// colour, hollow in a model's suggested class when unlabeled, grey when neither; outliers ringed.
// Hovering a point shows its thumbnail and file, clicking selects it (imageSelected),
// double-clicking asks for it on the Data page. Colours follow the labels as they change.
class EmbeddingMapView : public QWidget {
    Q_OBJECT
  public:
    EmbeddingMapView(ThumbnailCache* thumbnails, QWidget* parent = nullptr);

    void setSession(ProjectSession* session);
    // `images[i]` is at `map.points[i]`; with an empty map, `error` says why there is none.
    // `axis` names the projection's axes ("1st principal component", "2nd …").
    void showMap(const std::vector<core::ImageId>& images, const core::EmbeddingMap& map,
                 const QString& error = {}, const QString& axis = "principal component");

    QCustomPlot* plot() const { return m_plot; }
    int pointCount() const { return static_cast<int>(m_images.size()); }
    int outlierCount() const;
    // The image whose point is nearest `pixel` (plot coordinates) within a few pixels.
    std::optional<qint64> imageAt(const QPoint& pixel) const;
    // Where the image's point is drawn, in plot coordinates.
    std::optional<QPoint> pixelOf(qint64 id) const;
    std::optional<qint64> selectedImage() const { return m_selected; }
    void selectImage(qint64 id);
    // The card hovering shows (objectName "mapHoverCard"), for the tests.
    QWidget* hoverCard() const { return m_card; }

  Q_SIGNALS:
    void imageSelected(qint64 id);
    void imageActivated(qint64 id);

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    // Reads labels, suggestions, colours and paths now and redraws the points.
    void recolour();
    void hover(const QPoint& pixel);
    void showCard(qint64 id, const QPoint& pixel);
    void updateSelectionMark();
    void onThumbnail(qint64 id);

    QPointer<ProjectSession> m_session;
    ThumbnailCache* m_thumbnails;
    std::vector<core::ImageId> m_images;
    core::EmbeddingMap m_map;
    QHash<qint64, int> m_indexOf;     // image id -> index in m_images
    QHash<qint64, QString> m_paths;   // image id -> file
    QHash<qint64, QString> m_labels;  // image id -> class name, for the card
    std::optional<qint64> m_selected;
    std::optional<qint64> m_hovered;
    QCustomPlot* m_plot;
    QCPGraph* m_selectionMark = nullptr;  // rebuilt with the points
    QLabel* m_note;
    QWidget* m_card;
    QLabel* m_cardImage;
    QLabel* m_cardText;
    QTimer* m_recolourTimer;  // batches label changes into one redraw
};

}  // namespace fovea::ui
