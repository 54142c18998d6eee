#pragma once

#include <QString>
#include <QStringList>

#include "fovea/core/session/run_settings.h"
#include "model/model_selection.h"

namespace fovea::ui {

// What the Train page asks for: core's typed run settings (data: the open project; network
// and block learning rates: the Model page's choice) plus what only the page has.
struct TrainingRequest {
    core::RunSettings settings = defaultSettings();
    ModelSelection model;  // the Model page's choice the settings' network was made from
    QString runFolder;     // new, or the run to resume
    bool resume = false;
    // The watch set's image files: predicted before the first epoch and after every epoch.
    QStringList watchFiles;

    // The page's defaults: core's, with a cosine schedule.
    static core::RunSettings defaultSettings();
};

// The settings with `model` applied: its network choice and block learning-rate multipliers.
void applyModelSelection(core::RunSettings& settings, const ModelSelection& model);

}  // namespace fovea::ui
