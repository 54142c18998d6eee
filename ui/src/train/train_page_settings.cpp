#include "train/train_page_settings.h"

#include "train/training_request.h"

namespace fovea::ui {

namespace {

// Before the page stored core's settings it wrote one flat object; its keys map onto core's.
nlohmann::json fromFlatLayout(const nlohmann::json& flat) {
    nlohmann::json training = nlohmann::json::object();
    const std::pair<const char*, const char*> trainingKeys[] = {
        {"epochs", "epochs"},
        {"learning_rate", "learning_rate"},
        {"optimizer", "optimizer"},
        {"schedule", "schedule"},
        {"early_stop", "early_stop_patience"},
        {"class_weights", "class_weighted_loss"},
        {"device", "device"}};
    for (const auto& [from, to] : trainingKeys) {
        if (flat.contains(from)) training[to] = flat.at(from);
    }
    nlohmann::json settings = {{"training", training}};
    for (const char* key : {"batch_size", "augment", "val_fraction"}) {
        if (flat.contains(key)) settings[key] = flat.at(key);
    }
    return settings;
}

}  // namespace

std::string trainPageSettingsJson(const core::RunSettings& settings) {
    return core::toJson(settings).dump();
}

core::Result<core::RunSettings> trainPageSettingsFromJson(const std::string& text) {
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object()) return core::Error{"not a JSON object"};
    if (!json.contains("network")) json = fromFlatLayout(json);
    // The page's settings stand apart from the data and network they were last used with:
    // those come from the open project and the Model page.
    json["data"] = "-";
    json["network"] = {{"architecture", "-"}};
    if (!json.contains("training")) json["training"] = nlohmann::json::object();
    if (!json.at("training").contains("schedule")) {
        json["training"]["schedule"] =
            core::scheduleKindName(TrainingRequest::defaultSettings().training.schedule.kind);
    }
    return core::runSettingsFromJson(json);
}

}  // namespace fovea::ui
