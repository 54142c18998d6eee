#pragma once

#include <QImage>
#include <QSet>
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
        QString identity;    // identityOf(path): the same file however it was named
        QVector<Score> top;  // most probable first; empty with an error
        QString error;       // "<path>: <problem>" when the file could not be predicted
    };
    // What one predict() call adds.
    struct Batch {
        QVector<Prediction> predictions;  // the files not listed before, in input order
        int alreadyListed = 0;            // inputs left out because they were listed already
    };

    static core::Result<std::shared_ptr<ModelPredictor>> load(const QString& source);

    QString source() const;
    QString architecture() const;
    QStringList classNames() const;

    // How a file is told apart from others: its canonical path (links and "." or ".." resolved),
    // or its absolute clean path when it does not exist.
    static QString identityOf(const QString& path);

    // Files are taken as they are, folders searched for images recursively. Inputs that are
    // neither come back as predictions with an error. A file whose identity is in `listed` (or
    // came earlier in `inputs`) is neither predicted nor returned, only counted: adding a file
    // again, also through its folder, gives no second row.
    core::Result<Batch> predict(const QStringList& inputs, const QSet<QString>& listed, int topK,
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
