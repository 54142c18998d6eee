#pragma once

#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>
#include <atomic>
#include <functional>
#include <memory>

#include "fovea/core/result.h"

namespace fovea::ui {

// A trained model loaded for the Predict page (a run folder, a model bundle or a
// model.safetensors), with what the page asks of it in Qt terms: top-k predictions of files
// and folders with the model's recorded preprocessing, a Grad-CAM overlay, the CSV. The calls
// run on a worker thread, one at a time; no LibTorch in this header.
class ModelPredictor {
  public:
    struct Score {
        int index = 0;
        QString label;
        double probability = 0;
    };
    struct Prediction {
        QString path;
        QVector<Score> top;  // most probable first; empty with an error
        QString error;
    };

    static core::Result<std::shared_ptr<ModelPredictor>> load(const QString& source);

    QString source() const;
    QString architecture() const;
    QStringList classNames() const;

    // Files are taken as they are, folders searched for images recursively. Inputs that are
    // neither come back as predictions with an error.
    core::Result<QVector<Prediction>> predict(const QStringList& inputs, int topK,
                                              const std::atomic<bool>* cancel,
                                              const std::function<void(qint64, qint64)>& progress);
    // The Grad-CAM heatmap of `classIndex` over the pixels the network saw, as RGB.
    core::Result<QImage> gradCamOverlay(const QString& file, int classIndex);
    // `predictions` as CSV (path, label_i, probability_i..., error), written atomically.
    static core::Result<void> writeCsv(const QString& file, const QVector<Prediction>& predictions,
                                       int topK);

  private:
    struct Impl;
    explicit ModelPredictor(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

}  // namespace fovea::ui
