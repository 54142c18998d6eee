#pragma once

// A small real detection project for the workbench's detection tests that train their own runs
// (following, resuming, exporting): PNG scenes with a red block at a known place, written with
// a COCO file and imported by the store's detection import, and the smallest settings that
// train a real Faster R-CNN on them in seconds per epoch on two cores.

#include <QColor>
#include <QDir>
#include <QImage>
#include <QPainter>
#include <QString>
#include <fstream>

#include <nlohmann/json.hpp>

#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/detection_training.h"

namespace fovea::test {

// Writes `count` scenes into `folder`/images and imports them into the new detection project
// `folder`/project. The error, empty on success.
inline QString makeDetectionScenes(const QString& folder, int count = 6) {
    namespace core = fovea::core;
    const QString images = folder + "/images";
    if (!QDir().mkpath(images)) return "cannot create " + images;
    nlohmann::json coco = {{"images", nlohmann::json::array()},
                           {"annotations", nlohmann::json::array()},
                           {"categories", {{{"id", 1}, {"name", "block"}}}}};
    for (int i = 0; i < count; ++i) {
        QImage image(160, 120, QImage::Format_RGB32);
        image.fill(QColor(60 + 10 * i, 60, 70));
        const QRect block(10 + 12 * i, 15 + 6 * i, 50, 40);
        QPainter(&image).fillRect(block, QColor(220, 30, 30));
        const QString name = QString("scene%1.png").arg(i);
        if (!image.save(images + "/" + name)) return "cannot write " + name;
        coco["images"].push_back(
            {{"id", i + 1}, {"file_name", name.toStdString()}, {"width", 160}, {"height", 120}});
        coco["annotations"].push_back(
            {{"id", i + 1},
             {"image_id", i + 1},
             {"category_id", 1},
             {"bbox", {block.x(), block.y(), block.width(), block.height()}},
             {"area", block.width() * block.height()},
             {"iscrowd", 0}});
    }
    std::ofstream((images + "/instances.json").toStdString()) << coco.dump();
    auto store = core::ProjectStore::create((folder + "/project").toStdString(),
                                            core::ProjectTask::Detection);
    if (!store) return QString::fromStdString(store.error().message);
    auto imported = core::importDetectionFolder(store.value(), images.toStdString());
    if (!imported) return QString::fromStdString(imported.error().message);
    return {};
}

// The smallest real run: the 320 MobileNetV3 detector from random weights (no download, no
// prepared weights) at 96 px, two images per batch, a third of the scenes for validation.
inline core::DetectionTrainingSettings tinyDetectionSettings(const QString& project, int epochs) {
    core::DetectionTrainingSettings s;
    s.project = project.toStdString();
    s.architecture = "fasterrcnn_mobilenet_v3_large_320_fpn";
    s.weights = "none";
    s.minSize = 96;
    s.maxSize = 128;
    s.epochs = epochs;
    s.batchSize = 2;
    s.boxBatchSizePerImage = 64;
    s.rpnTestProposals = 100;
    s.augmentation.minScale = 1.0;
    s.validationFraction = 0.34;
    s.device = core::DevicePreference::Cpu;
    s.seed = 1;
    return s;
}

}  // namespace fovea::test
