#include "fovea/core/session/run_settings.h"

#include <algorithm>

#include "fovea/core/atomic_file.h"
#include "fovea/core/json_fields.h"
#include "fovea/core/models/preprocessing_json.h"

namespace fovea::core {

namespace fs = std::filesystem;
using json_fields::read;

namespace {

constexpr const char* kSettingsWhere = "run settings";

nlohmann::json toJson(const NetworkChoice& n) {
    nlohmann::json network = {{"architecture", n.architecture},
                              {"weights", n.weights},
                              {"freeze", nullptr},
                              {"image_size", n.imageSize},
                              {"head_dropout", n.head.dropout},
                              {"head_hidden_units", n.head.hiddenUnits}};
    if (n.freeze) network["freeze"] = *n.freeze;  // null: as the weights come
    if (n.freezeUpTo) network["freeze_up_to"] = *n.freezeUpTo;
    return network;
}

Result<NetworkChoice> networkChoiceFromJson(const nlohmann::json& json) {
    const std::string where = std::string(kSettingsWhere) + ": network";
    if (!json.is_object()) return Error{where + ": expected a JSON object"};
    NetworkChoice n;
    std::optional<std::vector<std::string>> freeze;
    auto got = json_fields::firstFailure({
        read(json, "architecture", n.architecture, where),
        read(json, "weights", n.weights, where),
        read(json, "freeze_up_to", n.freezeUpTo, where),
        read(json, "freeze", freeze, where),
        read(json, "image_size", n.imageSize, where),
        read(json, "head_dropout", n.head.dropout, where),
        read(json, "head_hidden_units", n.head.hiddenUnits, where),
    });
    if (!got) return got.error();
    n.freeze = freeze;
    if (n.architecture.empty()) return Error{where + ": 'architecture' is missing"};
    if (n.imageSize < 0) return Error{where + ": 'image_size' must not be negative"};
    if (n.head.dropout < 0 || n.head.dropout >= 1) {
        return Error{where + ": 'head_dropout' must be in [0, 1)"};
    }
    if (n.head.hiddenUnits < 0) return Error{where + ": 'head_hidden_units' must not be negative"};
    return n;
}

}  // namespace

nlohmann::json toJson(const RunSettings& s) {
    return {{"data", fs::absolute(s.data).string()},
            {"network", toJson(s.network)},
            {"training", toJson(s.training)},
            {"batch_size", s.batchSize},
            {"augment", augmentationLevelName(s.augment)},
            {"val_fraction", s.validationFraction},
            {"workers", s.workers}};
}

Result<RunSettings> runSettingsFromJson(const nlohmann::json& json) {
    const std::string where = kSettingsWhere;
    if (!json.is_object()) return Error{where + ": expected a JSON object"};
    RunSettings s;
    std::string data;
    std::string augment = augmentationLevelName(s.augment);
    auto got = json_fields::firstFailure({
        read(json, "data", data, where),
        read(json, "batch_size", s.batchSize, where),
        read(json, "augment", augment, where),
        read(json, "val_fraction", s.validationFraction, where),
        read(json, "workers", s.workers, where),
    });
    if (!got) return got.error();
    if (data.empty()) return Error{where + ": 'data' is missing"};
    s.data = data;
    auto level = parseAugmentationLevel(augment);
    if (!level) return Error{where + ": 'augment': " + level.error().message};
    s.augment = level.value();
    if (s.batchSize < 0) return Error{where + ": 'batch_size' must not be negative"};
    if (s.validationFraction < 0 || s.validationFraction >= 1) {
        return Error{where + ": 'val_fraction' must be in [0, 1)"};
    }
    if (s.workers < 0) return Error{where + ": 'workers' must not be negative"};
    if (!json.contains("network")) return Error{where + ": 'network' is missing"};
    auto network = networkChoiceFromJson(json.at("network"));
    if (!network) return network.error();
    s.network = std::move(network).value();
    if (json.contains("training")) {
        auto training = trainingConfigFromJson(json.at("training"));
        if (!training) return training.error();
        s.training = training.value();
    }
    return s;
}

RunSettings RunConfig::resumeSettings() const {
    RunSettings s = settings;
    if (frozenBlocks) {
        s.network.freeze = *frozenBlocks;
        s.network.freezeUpTo.reset();
    }
    return s;
}

std::int64_t RunConfig::epochSteps() const {
    if (stepsPerEpoch > 0) return stepsPerEpoch;
    const std::int64_t batch = std::max<std::int64_t>(1, settings.batchSize);
    const std::int64_t ranks = std::max<std::int64_t>(1, processes);
    const std::int64_t shard = (trainImages + ranks - 1) / ranks;
    return std::max<std::int64_t>(1, (shard + batch - 1) / batch);
}

nlohmann::json toJson(const RunConfig& c) {
    nlohmann::json json = toJson(c.settings);
    json["config_version"] = c.version;
    if (c.frozenBlocks) json["network"]["frozen_blocks"] = *c.frozenBlocks;
    json["classes"] = c.classes;
    json["images"] = {{"train", c.trainImages}, {"validation", c.validationImages}};
    json["processes"] = c.processes;
    if (c.stepsPerEpoch > 0) json["steps_per_epoch"] = c.stepsPerEpoch;
    json["weights_source"] = c.weightsSource;
    if (c.preprocessing) json["preprocessing"] = toJson(*c.preprocessing);
    if (!c.batchSizeSearch.empty()) json["batch_size_search"] = c.batchSizeSearch;
    if (!c.foveaVersion.empty()) json["fovea_version"] = c.foveaVersion;
    if (!c.created.empty()) json["created"] = c.created;
    return json;
}

Result<RunConfig> runConfigFromJson(const nlohmann::json& json) {
    const std::string where = "run config";
    if (!json.is_object()) return Error{where + ": expected a JSON object"};
    RunConfig c;
    c.version = 1;  // written before the version was recorded
    if (auto got = read(json, "config_version", c.version, where); !got) return got.error();
    if (c.version < 1 || c.version > kRunConfigVersion) {
        return Error{where + ": version " + std::to_string(c.version) +
                     " is not one this Fovea reads (1 to " + std::to_string(kRunConfigVersion) +
                     "; written by a newer Fovea?)"};
    }
    auto settings = runSettingsFromJson(json);
    if (!settings) return settings.error();
    c.settings = std::move(settings).value();
    std::optional<std::vector<std::string>>& freeze = c.settings.network.freeze;
    if (c.version == 1 && freeze && freeze->empty()) {
        // Version 1 wrote [] for "as the weights come" too: keep that meaning (an explicit
        // "train every block" of such a run is in its frozen_blocks).
        freeze.reset();
    }
    const nlohmann::json images = json.value("images", nlohmann::json::object());
    const nlohmann::json network = json.at("network");
    auto got = json_fields::firstFailure({
        read(json, "classes", c.classes, where),
        read(images, "train", c.trainImages, where + ": images"),
        read(images, "validation", c.validationImages, where + ": images"),
        read(json, "processes", c.processes, where),
        read(json, "steps_per_epoch", c.stepsPerEpoch, where),
        read(json, "weights_source", c.weightsSource, where),
        read(network, "frozen_blocks", c.frozenBlocks, where + ": network"),
        read(json, "batch_size_search", c.batchSizeSearch, where),
        read(json, "fovea_version", c.foveaVersion, where),
        read(json, "created", c.created, where),
    });
    if (!got) return got.error();
    if (json.contains("preprocessing")) {
        auto preprocessing = preprocessingFromJson(json.at("preprocessing"));
        if (!preprocessing) {
            return Error{where + ": 'preprocessing': " + preprocessing.error().message};
        }
        c.preprocessing = preprocessing.value();
    }
    return c;
}

Result<void> recordFrozenBlocks(const fs::path& runFolder, const std::vector<std::string>& frozen) {
    auto text = files::readWholeFile(runFolder / kRunConfigFile);
    if (!text) return text.error();
    auto json = nlohmann::json::parse(text.value(), nullptr, false);
    if (json.is_discarded()) return Error{(runFolder / kRunConfigFile).string() + " is damaged"};
    auto config = runConfigFromJson(json);
    if (!config) return config.error();
    config.value().settings.network.freeze = frozen;
    config.value().frozenBlocks = frozen;
    nlohmann::json updated = toJson(config.value());
    // Keys the run folder added when it was created (its version, the time) stay.
    for (const auto& [key, value] : json.items()) {
        if (!updated.contains(key)) updated[key] = value;
    }
    return files::writeFileAtomically(
        runFolder / kRunConfigFile,
        updated.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

Result<RunConfig> readRunConfig(const fs::path& runFolder) {
    const fs::path file = runFolder / kRunConfigFile;
    std::error_code error;
    if (!fs::is_regular_file(file, error)) {
        return Error{runFolder.string() + ": no " + kRunConfigFile + ", so not a training run",
                     ErrorKind::Usage};
    }
    auto text = files::readWholeFile(file);
    if (!text) return text.error();
    const auto json = nlohmann::json::parse(text.value(), nullptr, false);
    if (json.is_discarded()) return Error{file.string() + " is damaged: not JSON"};
    auto config = runConfigFromJson(json);
    if (!config) return Error{file.string() + ": " + config.error().message};
    return config;
}

}  // namespace fovea::core
