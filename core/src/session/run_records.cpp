#include "fovea/core/session/run_records.h"

#include <algorithm>
#include <fstream>

#include "fovea/core/project/project_store.h"
#include "fovea/core/session/training_data.h"
#include "fovea/core/session/training_run.h"
#include "fovea/core/training/run_folder.h"

namespace fovea::core {

namespace fs = std::filesystem;

Result<fs::path> modelFileFor(const fs::path& given) {
    std::error_code error;
    const fs::file_status status = fs::status(given, error);
    if (!fs::exists(status)) {
        return Error{given.string() +
                     ": no such file or folder (expected a run folder, a model bundle or "
                     "a .safetensors model)"};
    }
    if (!fs::is_directory(status)) return given;
    const fs::path file = given / "model.safetensors";
    if (!fs::is_regular_file(file, error)) {
        return Error{given.string() +
                     ": no model.safetensors in this folder (a run that has not finished, "
                     "or not a run folder or model bundle)"};
    }
    return file;
}

Result<LoadedModel> loadModelSource(const fs::path& given, RunFailure& failure) {
    std::error_code error;
    failure = fs::exists(given, error) ? RunFailure::BadData : RunFailure::Usage;
    auto file = modelFileFor(given);
    if (!file) return file.error();
    auto model = loadTrainedModel(file.value());
    if (!model) return model.error();
    return LoadedModel{std::move(model).value(), file.value()};
}

nlohmann::json unusableImages(const ProjectStore& store) {
    nlohmann::json list = nlohmann::json::array();
    ImageFilter filter;
    filter.labeled = Require::Yes;
    filter.excluded = Require::No;
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

Result<EvalData> runData(const fs::path& runFolder, const std::string& split, RunFailure& failure) {
    failure = RunFailure::BadData;
    const fs::path configFile = runFolder / RunFolder::kConfigFile;
    std::ifstream stream(configFile);
    if (!stream) {
        failure = RunFailure::Usage;
        return Error{runFolder.string() +
                     ": no config.json, so not a training run; pass --data DIR to "
                     "evaluate on a folder or project"};
    }
    const auto config = nlohmann::json::parse(stream, nullptr, false);
    if (!config.is_object() || !config.contains("data") || !config.at("data").is_string()) {
        return Error{configFile.string() + ": not a run's config (no \"data\")"};
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
        return Error{configFile.string() + ": " + e.what()};
    }

    // Not rescanned: images added to the folder since training must not enter the split.
    const fs::path runProject = runFolder / "project";
    Result<ProjectStore> store = Error{""};
    if (ProjectStore::exists(data)) {
        store = ProjectStore::open(data);
    } else if (ProjectStore::exists(runProject)) {
        store = ProjectStore::open(runProject);
    } else {
        auto opened = openTrainingData(data, runProject);
        if (!opened) return opened.error();
        store = std::move(opened.value().store);
    }
    if (!store) return store.error();
    auto set = collectTrainingData(store.value(), validationFraction, seed, data.string());
    if (!set) return set.error();
    const TrainingDataSet& s = set.value();
    std::vector<LabeledImage> chosen;
    if (split != "train") chosen.insert(chosen.end(), s.validation.begin(), s.validation.end());
    if (split != "val") chosen.insert(chosen.end(), s.train.begin(), s.train.end());
    if (split == "all") {
        std::sort(chosen.begin(), chosen.end(),
                  [](const LabeledImage& a, const LabeledImage& b) { return a.id < b.id; });
    }
    if (chosen.empty()) {
        if (split == "val") {
            return Error{"the run has no validation images in " + data.string() +
                         " (trained with --val-fraction 0); use --split train or all"};
        }
        return Error{"the run has no usable images in " + data.string()};
    }
    for (const auto& image : chosen) {
        result.images.push_back(
            {image.id, image.path, s.classNames[static_cast<std::size_t>(image.target)]});
    }
    result.name = data.string();
    result.unusable = unusableImages(store.value());
    return result;
}

Result<std::vector<fs::path>> runImagePaths(const fs::path& runFolder, const std::string& split,
                                            RunFailure& failure) {
    auto data = runData(runFolder, split, failure);
    if (!data) return data.error();
    std::vector<fs::path> paths;
    for (const auto& image : data.value().images) paths.push_back(image.path);
    return paths;
}

Result<ExportInputs> exportInputs(const fs::path& source, RunFailure& failure) {
    auto loaded = loadModelSource(source, failure);
    if (!loaded) return loaded.error();
    ExportInputs inputs{std::move(loaded).value(), {}, {}, {}};
    inputs.facts.name = fs::absolute(source).lexically_normal().filename().string();
    const bool isRun = fs::is_directory(source) && fs::exists(source / RunFolder::kConfigFile);
    if (!isRun) return inputs;
    RunFailure ignored = RunFailure::BadData;
    auto validation = runImagePaths(source, "val", ignored);
    if (validation) {
        inputs.parityImages = validation.value();
    } else {
        inputs.notes.push_back("no validation images for the parity check (" +
                               validation.error().message + "); random inputs used");
    }
    inputs.facts.config = loadJsonFile(source / RunFolder::kConfigFile);
    inputs.facts.summary = loadJsonFile(source / RunFolder::kSummaryFile);
    inputs.facts.evaluation = loadJsonFile(source / "evaluation.json");
    return inputs;
}

nlohmann::json loadJsonFile(const fs::path& file) {
    std::ifstream stream(file);
    if (!stream) return nullptr;
    auto json = nlohmann::json::parse(stream, nullptr, false);
    return json.is_discarded() ? nlohmann::json() : json;
}

}  // namespace fovea::core
