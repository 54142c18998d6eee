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

// A training run's model evaluated on the run's own validation images (as fovea-cli eval does),
// held for the Evaluate page in Qt terms: the figures, the confusion matrix and every image's
// outcome. Relabeling an image moves its outcome to its new row and updates every figure; the
// model's prediction stays what it was. The model is kept for Grad-CAM. Core does the
// measuring; no LibTorch in this header.
class RunEvaluation {
  public:
    struct Outcome {
        qint64 imageId = 0;
        QString path;
        int trueClass = 0;  // index into classNames()
        int predictedClass = 0;
        double predictedProbability = 0;
        double trueProbability = 0;  // of the class it had when evaluated
        double loss = 0;             // cross entropy at evaluation, nats
        bool relabeled = false;      // has another class now than when evaluated
    };
    struct ClassFigures {
        double precision = 0;
        double recall = 0;
        double f1 = 0;
        qint64 support = 0;
    };

    // Loads the run's model and evaluates it on its validation images (on the calling thread:
    // run it in a BackgroundJob). `progress(done, total)` counts images.
    static core::Result<std::shared_ptr<RunEvaluation>> evaluate(
        const QString& runFolder, const std::atomic<bool>* cancel,
        const std::function<void(qint64, qint64)>& progress);

    QString runFolder() const;
    QStringList classNames() const;
    int classCount() const;
    qint64 count(int truth, int predicted) const;
    qint64 total() const;
    double accuracy() const;
    int topK() const;
    double topKAccuracy() const;  // as evaluated
    double meanLoss() const;      // as evaluated
    double macroF1() const;
    ClassFigures classFigures(int classIndex) const;
    qint64 failures() const;  // images that could not be read
    QString device() const;   // where it ran, and its precision unless fp32: "cpu in bf16"

    // The images of one cell (true class `truth`, predicted `predicted`), in order.
    QVector<Outcome> cell(int truth, int predicted) const;
    // The images with the highest loss, highest first (as fastai's top losses): the confident
    // mistakes lead, and a model that gets nearly everything right still shows where it was
    // least sure. Relabeled ones leave the list.
    QVector<Outcome> topLosses() const;
    // The evaluated images, in evaluation order.
    QVector<qint64> imageIds() const;
    // The image now has the class `newTrue` (a relabel, or its undo): true when that changed
    // the figures, false when it had that class already or the image or class is unknown.
    bool relabel(qint64 imageId, int newTrue);
    // Where the model looked for `classIndex` in `file`: a Grad-CAM overlay on the pixels it saw
    // (on the calling thread: run it in a BackgroundJob).
    core::Result<QImage> gradCamOverlay(const QString& file, int classIndex) const;

  private:
    bool wasRelabeled(std::size_t outcome) const;

    struct Impl;
    explicit RunEvaluation(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

}  // namespace fovea::ui
