#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::ui {

// What the Model page chose for a project: the network, its starting weights, which blocks stay
// frozen, per-block learning rates and the new head. Plain values (no LibTorch), kept in the
// project database so the choice survives restarts; toNetworkChoice() (network_choice.h) turns it
// into what the training engine takes.
struct ModelSelection {
    QString architecture = "mobilenet_v2_keras";    // zoo name
    QString weights = "default";                    // "default" | "none" | local file path | URL
    QStringList frozenBlocks;                       // block names, in the network's order
    QMap<QString, double> learningRateMultipliers;  // only entries != 1
    double dropout = 0.0;                           // probability in [0, 1)
    int hiddenUnits = 0;                            // 0: the head is a single Linear
    int imageSize = 0;                              // pixels; 0: the weights' own size

    bool operator==(const ModelSelection& other) const;
    bool operator!=(const ModelSelection& other) const { return !(*this == other); }
};

// A new project's choice: the offline default (Keras MobileNetV2 converted from nsfwjs) with its
// ImageNet blocks frozen, stem through block10, as the CLI's demo recipe does (DESIGN.md).
ModelSelection defaultModelSelection();

// The project setting the selection is kept under (one JSON object, so a save is one
// transaction and never half-applied).
inline constexpr const char* kModelSelectionSetting = "model.selection";

// The project's selection; when none was saved, its newest run's network (a project trained by
// fovea-cli), else defaultModelSelection(); also when the saved one is unreadable.
// Out-of-range numbers are brought back into range.
ModelSelection loadModelSelection(const core::ProjectStore& store);
core::Result<void> saveModelSelection(core::ProjectStore& store, const ModelSelection& selection);

}  // namespace fovea::ui
