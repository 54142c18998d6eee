#include "run_data.h"

#include <algorithm>
#include <fstream>

#include "exit_codes.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/training_data.h"
#include "fovea/core/session/training_run.h"
#include "fovea/core/training/run_folder.h"

namespace fovea::cli {

namespace fs = std::filesystem;

nlohmann::json unusableImages(const core::ProjectStore& store) {
    nlohmann::json list = nlohmann::json::array();
    core::ImageFilter filter;
    filter.labeled = core::Require::Yes;
    filter.excluded = core::Require::No;
    auto images = store.images(filter);
    if (!images) return list;
    for (const auto& image : images.value()) {
        if (image.error) {
            list.push_back({{"path", image.path.string()}, {"error", *image.error}});
        } else if (image.missing) {
            list.push_back(
                {{"path", image.path.string()}, {"error", image.path.string() + ": not on disk"}});
        }
    }
    return list;
}

core::Result<EvalData> runData(const fs::path& runFolder, const std::string& split, int& exitCode) {
    exitCode = kExitBadData;
    const fs::path configFile = runFolder / core::RunFolder::kConfigFile;
    std::ifstream stream(configFile);
    if (!stream) {
        exitCode = kExitUsage;
        return core::Error{runFolder.string() +
                           ": no config.json, so not a training run; pass --data DIR to "
                           "evaluate on a folder or project"};
    }
    const auto config = nlohmann::json::parse(stream, nullptr, false);
    if (!config.is_object() || !config.contains("data") || !config.at("data").is_string()) {
        return core::Error{configFile.string() + ": not a run's config (no \"data\")"};
    }
    const fs::path data = config.at("data").get<std::string>();
    double validationFraction = 0.2;
    std::uint64_t seed = 0;
    EvalData result;
    try {
        validationFraction = config.value("val_fraction", 0.2);
        if (config.contains("training"))
            seed = config.at("training").value("seed", std::uint64_t{0});
        result.batchSize = config.value("batch_size", std::int64_t{32});
    } catch (const nlohmann::json::exception& e) {
        return core::Error{configFile.string() + ": " + e.what()};
    }

    // Not rescanned: images added to the folder since training must not enter the split.
    const fs::path runProject = runFolder / "project";
    core::Result<core::ProjectStore> store = core::Error{""};
    if (core::ProjectStore::exists(data)) {
        store = core::ProjectStore::open(data);
    } else if (core::ProjectStore::exists(runProject)) {
        store = core::ProjectStore::open(runProject);
    } else {
        auto opened = core::openTrainingData(data, runProject);
        if (!opened) return opened.error();
        store = std::move(opened.value().store);
    }
    if (!store) return store.error();
    auto set = core::collectTrainingData(store.value(), validationFraction, seed, data.string());
    if (!set) return set.error();
    const core::TrainingDataSet& s = set.value();
    std::vector<core::LabeledImage> chosen;
    if (split != "train") chosen.insert(chosen.end(), s.validation.begin(), s.validation.end());
    if (split != "val") chosen.insert(chosen.end(), s.train.begin(), s.train.end());
    if (split == "all") {
        std::sort(
            chosen.begin(), chosen.end(),
            [](const core::LabeledImage& a, const core::LabeledImage& b) { return a.id < b.id; });
    }
    if (chosen.empty()) {
        if (split == "val") {
            return core::Error{"the run has no validation images in " + data.string() +
                               " (trained with --val-fraction 0); use --split train or all"};
        }
        return core::Error{"the run has no usable images in " + data.string()};
    }
    for (const auto& image : chosen) {
        result.images.push_back(
            {image.id, image.path, s.classNames[static_cast<std::size_t>(image.target)]});
    }
    result.name = data.string();
    result.unusable = unusableImages(store.value());
    return result;
}

core::Result<std::vector<fs::path>> runImagePaths(const fs::path& runFolder,
                                                  const std::string& split, int& exitCode) {
    auto data = runData(runFolder, split, exitCode);
    if (!data) return data.error();
    std::vector<fs::path> paths;
    for (const auto& image : data.value().images) paths.push_back(image.path);
    return paths;
}

nlohmann::json loadJsonFile(const fs::path& file) {
    std::ifstream stream(file);
    if (!stream) return nullptr;
    auto json = nlohmann::json::parse(stream, nullptr, false);
    return json.is_discarded() ? nlohmann::json() : json;
}

}  // namespace fovea::cli
