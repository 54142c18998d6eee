#include "fovea/core/session/run_data.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "fovea/core/atomic_file.h"
#include "fovea/core/project/project_store.h"

namespace fovea::core {

namespace fs = std::filesystem;

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

// The precision a finished run records in its summary.json (RunFolder::kSummaryFile); none
// for a run stopped before it ended, or made before the summary recorded it.
std::optional<Precision> recordedPrecision(const fs::path& runFolder) {
    auto text = files::readWholeFile(runFolder / "summary.json");
    if (!text) return std::nullopt;
    const auto summary = nlohmann::json::parse(text.value(), nullptr, false);
    if (!summary.is_object() || !summary.contains("precision")) return std::nullopt;
    const auto& field = summary.at("precision");
    if (!field.is_string()) return std::nullopt;
    auto used = parsePrecision(field.get<std::string>());
    if (!used) return std::nullopt;
    return used.value();
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
    return runData(runFolder, config.value(), split);
}

Result<EvalData> runData(const fs::path& runFolder, const RunConfig& config,
                         const std::string& split) {
    const fs::path data = config.settings.data;
    EvalData result;
    result.name = data.string();
    result.batchSize = config.settings.batchSize;
    result.precision = recordedPrecision(runFolder).value_or(config.settings.training.precision);
    const std::optional<ProjectStore> store = runProject(runFolder, data);
    if (store) result.unusable = unusableImages(*store);

    auto recorded = readRunImages(runFolder);
    if (!recorded) return recorded.error();
    RunImages images;
    if (recorded.value()) {
        images = std::move(*recorded.value());
    } else if (store) {
        auto stored = storedSplit(*store, config);
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

}  // namespace fovea::core
