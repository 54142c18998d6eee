#include "model/detection_project_settings.h"

#include "fovea/core/session/run_catalogue.h"
#include "runs/detection_run_info.h"

namespace fovea::ui {

core::DetectionTrainingSettings loadDetectionSettings(const core::ProjectStore& store) {
    const auto text = store.setting(kDetectionSettingsSetting);
    if (!text || !text.value()) {
        // Nothing chosen here yet: a project trained by fovea-cli (the detection demo's) goes
        // on with its newest run's settings, as a classification project does (TrainPage), so
        // that Start repeats what worked rather than core's 800 px defaults.
        const auto runs = store.databasePath().parent_path() / "runs";
        for (const auto& run : core::listRuns(runs)) {
            if (auto detection = readDetectionRunInfo(run.folder)) return detection->settings;
        }
        return {};
    }
    const auto json = nlohmann::json::parse(*text.value(), nullptr, false);
    auto settings = core::detectionSettingsFromJson(json);
    return settings ? settings.value() : core::DetectionTrainingSettings{};
}

core::Result<void> saveDetectionSettings(core::ProjectStore& store,
                                         const core::DetectionTrainingSettings& settings) {
    nlohmann::json json = core::toJson(settings);
    json.erase("project");  // the project is where it is kept, wherever that is moved
    return store.setSetting(kDetectionSettingsSetting, json.dump());
}

}  // namespace fovea::ui
