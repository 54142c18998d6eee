#pragma once

#include <QList>
#include <QStringList>
#include <QTableWidget>
#include <QVector>

#include "train/training_events.h"

namespace fovea::ui {

class ProjectSession;
class ThumbnailCache;

// The watch set on the Train page: one row per pinned image (thumbnail, file and label in the
// row header), one column per prediction (the newest first: after each epoch, and before
// training), each cell the network's top class and probability, green when it matches the
// label and red when not. Images are
// pinned on the Data page (W, or its context menu).
class WatchSetView : public QTableWidget {
    Q_OBJECT
  public:
    explicit WatchSetView(QWidget* parent = nullptr);

    void setSession(ProjectSession* session);
    // The watched files, in row order (what the training worker predicts).
    QStringList files() const { return m_files; }
    // Keeps the rows (a run started); drops the previous run's prediction columns.
    void clearPredictions();
    void addPredictions(qint64 epoch, const QVector<WatchPrediction>& predictions);
    int predictionColumns() const { return columnCount(); }
    // Shown in the empty table: how to fill it.
    static QString emptyText();

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    void reload();

    ProjectSession* m_session = nullptr;
    ThumbnailCache* m_thumbnails;
    QList<qint64> m_ids;
    QStringList m_files;
    QStringList m_labels;    // each image's class name; empty when unlabeled
    QStringList m_runFiles;  // the files the current run predicts
};

}  // namespace fovea::ui
