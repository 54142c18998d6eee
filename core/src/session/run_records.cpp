#include "fovea/core/session/run_records.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "fovea/core/project/project_store.h"
#include "fovea/core/session/run_settings.h"
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

Result<LoadedModel> loadModelSource(const fs::path& given) {
    std::error_code error;
    // A path that does not exist is a mistyped argument; one that holds no model is bad data.
    const ErrorKind kind = fs::exists(given, error) ? ErrorKind::BadData : ErrorKind::Usage;
    auto file = modelFileFor(given);
    if (!file) return withKind(file.error(), kind);
    auto model = loadTrainedModel(file.value());
    if (!model) return withKind(model.error(), kind);
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

namespace {

// The project a run trained on: the project it was given, or the one it made of an image
// folder. Opened only to read; nullopt when neither is there any more.
std::optional<ProjectStore> runProject(const fs::path& runFolder, const fs::path& data) {
    for (const fs::path& folder : {data, runFolder / "project"}) {
        if (!ProjectStore::exists(folder)) continue;
        auto store = ProjectStore::open(folder);
        if (store) return std::move(store).value();
    }
    return std::nullopt;
}

// Runs made before images.json: the splits training stored in the project (stable once
// assigned), read without assigning any.
Result<RunImages> storedSplit(const ProjectStore& store, const RunConfig& config) {
    auto classes = store.classes();
    if (!classes) return classes.error();
    std::map<ClassId, std::string> className;
    for (const auto& info : classes.value()) className[info.id] = info.name;
    const std::set<std::string> runClasses(config.classes.begin(), config.classes.end());
    ImageFilter labeled;
    labeled.labeled = Require::Yes;
    labeled.excluded = Require::No;
    auto images = store.images(labeled);
    if (!images) return images.error();
    RunImages split;
    for (const ImageRecord& image : images.value()) {
        if (image.missing || image.error || !image.split) continue;
        const std::string& name = className[*image.classId];
        if (!runClasses.empty() && !runClasses.count(name)) continue;
        const DataImage entry{image.id, image.path, name};
        if (*image.split == Split::Train) split.train.push_back(entry);
        if (*image.split == Split::Val) split.validation.push_back(entry);
    }
    return split;
}

}  // namespace

Result<EvalData> runData(const fs::path& runFolder, const std::string& split) {
    auto config = readRunConfig(runFolder);
    if (!config) {
        if (config.error().kind != ErrorKind::Usage) return config.error();
        return Error{runFolder.string() +
                         ": no config.json, so not a training run; pass --data DIR to "
                         "evaluate on a folder or project",
                     ErrorKind::Usage};
    }
    const fs::path data = config.value().settings.data;
    EvalData result;
    result.name = data.string();
    result.batchSize = config.value().settings.batchSize;
    const std::optional<ProjectStore> store = runProject(runFolder, data);
    if (store) result.unusable = unusableImages(*store);

    auto recorded = readRunImages(runFolder);
    if (!recorded) return recorded.error();
    RunImages images;
    if (recorded.value()) {
        images = std::move(*recorded.value());
    } else if (store) {
        auto stored = storedSplit(*store, config.value());
        if (!stored) return stored.error();
        images = std::move(stored).value();
    } else {
        return Error{runFolder.string() + ": the run records no images and its project (" +
                     data.string() + ") is gone"};
    }

    std::vector<DataImage>& chosen = result.images;
    if (split != "train") chosen = images.validation;
    if (split != "val") chosen.insert(chosen.end(), images.train.begin(), images.train.end());
    if (split == "all") {
        std::sort(chosen.begin(), chosen.end(),
                  [](const DataImage& a, const DataImage& b) { return a.id < b.id; });
    }
    if (chosen.empty()) {
        if (split == "val") {
            return Error{"the run has no validation images in " + data.string() +
                         " (trained with --val-fraction 0); use --split train or all"};
        }
        return Error{"the run has no usable images in " + data.string()};
    }
    return result;
}

Result<std::vector<fs::path>> runImagePaths(const fs::path& runFolder, const std::string& split) {
    auto data = runData(runFolder, split);
    if (!data) return data.error();
    std::vector<fs::path> paths;
    for (const auto& image : data.value().images) paths.push_back(image.path);
    return paths;
}

Result<ExportInputs> exportInputs(const fs::path& source) {
    auto loaded = loadModelSource(source);
    if (!loaded) return loaded.error();
    ExportInputs inputs{std::move(loaded).value(), {}, {}, {}};
    inputs.facts.name = fs::absolute(source).lexically_normal().filename().string();
    const bool isRun = fs::is_directory(source) && fs::exists(source / kRunConfigFile);
    if (!isRun) return inputs;
    auto config = readRunConfig(source);
    if (!config) return config.error();
    inputs.facts.run = std::move(config).value();
    auto validation = runImagePaths(source, "val");
    if (validation) {
        inputs.parityImages = validation.value();
    } else {
        inputs.notes.push_back("no validation images for the parity check (" +
                               validation.error().message + "); random inputs used");
    }
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
