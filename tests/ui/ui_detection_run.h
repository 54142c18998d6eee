#pragma once

// A real detection project and a tiny real detection run, for the pages that show a trained
// detector (Evaluate, Predict, the box editor's suggestions): the detection demo's images
// (garments pasted onto photographs at known boxes), imported as a detection project, and
// fasterrcnn_mobilenet_v2_fpn trained on them for one epoch at a small input size, as
// fovea-cli train does. Seconds on two cores.

#include <QString>

#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/detection_demo.h"
#include "fovea/core/session/detection_training.h"

namespace fovea::test {

struct DetectionFixture {
    QString images;   // the demo folder's images/
    QString project;  // the detection project
    QString run;      // its trained run, in the project's runs/
};

// Writes `images` demo images into `folder`/data, imports them into `folder`/project and
// trains `folder`/project/runs/tiny. The error, empty when the run finished with a model.
inline QString makeDetectionRun(const QString& folder, DetectionFixture* made, int images = 48) {
    namespace core = fovea::core;
    const std::filesystem::path root = folder.toStdString();
    core::DetectionDemoOptions demo;
    demo.images = images;
    demo.width = 160;
    demo.height = 120;
    demo.minObjectSide = 28;
    demo.maxObjectSide = 64;
    demo.maxObjects = 3;
    // Two classes: a wrong class can still happen, and the box head's softmax over fewer
    // classes gains confidence in fewer steps.
    demo.classes = {1, 8};
    auto written = core::writeDetectionDemoFolder(root / "data", demo);
    if (!written) return QString::fromStdString(written.error().message);
    {
        auto store = core::ProjectStore::create(root / "project", core::ProjectTask::Detection);
        if (!store) return QString::fromStdString(store.error().message);
        auto imported = core::importDetectionFolder(store.value(), root / "data");
        if (!imported) return QString::fromStdString(imported.error().message);
    }
    core::DetectionTrainingSettings s;
    s.project = root / "project";
    s.minSize = 128;
    s.maxSize = 160;
    // One epoch at a rate too small to move the box head off its initial, near-uniform class
    // scores (about one third each for two classes and the background), so that the detector
    // reports boxes on every image, whatever the threads do to the order of the sums. Trained
    // at the usual rate, its scores fell under the box head's 0.05 on some runs (training is
    // not bit-reproducible on threads) and it detected nothing to show. The pages under test
    // show whatever it detects; how well it detects is not theirs to judge.
    s.epochs = 1;
    s.learningRate = 1e-5;
    s.batchSize = 4;
    s.boxBatchSizePerImage = 64;
    s.rpnTestProposals = 100;
    s.gradientClipNorm = 10;
    s.seed = 1;
    core::TrainingControl control;
    const std::filesystem::path run = root / "project" / "runs" / "tiny";
    auto ran = core::runDetectionTraining(s, run, false, control);
    if (!ran) return QString::fromStdString(ran.error().message);
    if (!ran.value().model) return "the detection run finished without a model";
    made->images = QString::fromStdString((root / "data" / "images").string());
    made->project = QString::fromStdString((root / "project").string());
    made->run = QString::fromStdString(run.string());
    return {};
}

}  // namespace fovea::test
