#include "model/detection_project_settings.h"

namespace fovea::ui {

core::DetectionTrainingSettings loadDetectionSettings(const core::ProjectStore& store) {
    const auto text = store.setting(kDetectionSettingsSetting);
    if (!text || !text.value()) return {};
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
