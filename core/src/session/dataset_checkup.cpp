#include "fovea/core/session/dataset_checkup.h"

#include <cmath>
#include <map>
#include <unordered_map>

#include "fovea/core/models/network.h"
#include "fovea/core/session/image_embeddings.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_records.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

struct Backbone {
    TrainedModel model;
    std::string identity;     // what the embedding cache is keyed by
    std::string description;  // for people
};

// Embeds at `size` px, keeping the weights' resize-to-crop ratio (as training at another size).
void useImageSize(NetworkImpl& network, int size) {
    Preprocessing p = network.preprocessing();
    if (size <= 0 || size == p.cropSize) return;
    const double ratio = static_cast<double>(p.resizeShorterSide) / p.cropSize;
    p.cropSize = size;
    p.resizeShorterSide = static_cast<int>(std::lround(size * ratio));
    network.setPreprocessing(p);
}

Result<Backbone> loadBackboneAsGiven(const HealthBackbone& backbone,
                                     const std::atomic<bool>* cancel) {
    if (!backbone.model.empty()) {
        auto loaded = loadModelSource(backbone.model);
        if (!loaded) return loaded.error();
        std::error_code error;
        const auto size = fs::file_size(loaded.value().file, error);
        const auto time = fs::last_write_time(loaded.value().file, error);
        Backbone out{std::move(loaded.value().model), {}, loaded.value().file.string()};
        out.identity = out.description + "|" + std::to_string(size) + "|" +
                       std::to_string(time.time_since_epoch().count());
        return out;
    }
    auto pretrained = loadPretrainedModel(backbone.architecture, backbone.weights, {}, cancel);
    if (!pretrained) return withKind(pretrained.error(), ErrorKind::Usage);
    return Backbone{std::move(pretrained).value(), backbone.weights,
                    backbone.architecture + " (" + backbone.weights + " weights)"};
}

Result<Backbone> loadBackbone(const HealthBackbone& backbone, const std::atomic<bool>* cancel) {
    auto loaded = loadBackboneAsGiven(backbone, cancel);
    if (!loaded) return loaded.error();
    const int size = backbone.imageSize > 0   ? backbone.imageSize
                     : backbone.model.empty() ? kDefaultEmbeddingSize
                                              : 0;
    NetworkImpl& network = *loaded.value().model.network;
    useImageSize(network, size);
    loaded.value().description += " at " + std::to_string(network.preprocessing().cropSize) + " px";
    return loaded;
}

// Confident learning over the labeled images that have an embedding.
Result<std::vector<LabelIssue>> findLabelIssues(
    const ProjectStore& store, const std::vector<ImageRecord>& images,
    const std::unordered_map<ImageId, std::vector<float>>& embeddings,
    const LabelIssueOptions& options) {
    auto classList = store.classes();
    if (!classList) return classList.error();
    std::map<ClassId, std::int64_t> indexOf;
    std::vector<const ClassInfo*> infoOf;
    for (const ClassInfo& info : classList.value()) {
        indexOf[info.id] = static_cast<std::int64_t>(infoOf.size());
        infoOf.push_back(&info);
    }
    std::vector<const ImageRecord*> labeled;
    std::vector<std::vector<float>> vectors;
    std::vector<std::int64_t> labels;
    std::map<std::int64_t, std::int64_t> perClass;
    for (const ImageRecord& image : images) {
        const auto vector = embeddings.find(image.id);
        if (!image.classId || vector == embeddings.end() || vector->second.empty()) continue;
        labeled.push_back(&image);
        vectors.push_back(vector->second);
        labels.push_back(indexOf.at(*image.classId));
        ++perClass[labels.back()];
    }
    // Too few labels to hold any out: nothing can be said about them yet.
    if (perClass.size() < 2 || labeled.size() < static_cast<std::size_t>(2 * options.folds)) {
        return std::vector<LabelIssue>{};
    }
    const auto classes = static_cast<std::int64_t>(infoOf.size());
    auto probabilities = outOfFoldProbabilities(vectors, labels, classes, options);
    if (!probabilities) return probabilities.error();
    std::vector<LabelIssue> issues;
    for (const SuspectedLabel& suspect :
         confidentLearningSuspects(probabilities.value(), labels, classes)) {
        const ImageRecord& image = *labeled[suspect.index];
        const ClassInfo& given = *infoOf[static_cast<std::size_t>(suspect.given)];
        const ClassInfo& suggested = *infoOf[static_cast<std::size_t>(suspect.suggested)];
        issues.push_back({image.id, image.path, given.id, suggested.id, given.name, suggested.name,
                          suspect.score});
    }
    return issues;
}

}  // namespace

Result<CheckupReport> runDatasetCheckup(const ProjectStore& store, const CheckupOptions& options) {
    const auto report = [&](const std::string& stage) {
        return [&options, stage](std::int64_t done, std::int64_t total) {
            if (options.progress) options.progress(stage, done, total);
        };
    };
    auto backbone = loadBackbone(options.backbone, options.cancel);
    if (!backbone) return backbone.error();
    NetworkImpl& network = *backbone.value().model.network;

    ImageFilter usable;
    usable.excluded = Require::No;
    usable.missing = Require::No;
    usable.hasError = Require::No;
    auto images = store.images(usable);
    if (!images) return images.error();
    std::vector<fs::path> files;
    for (const ImageRecord& image : images.value()) files.push_back(image.path);
    const fs::path cache =
        embeddingCacheFile(store.directory() / "cache", network, backbone.value().identity);
    auto embedded = embedImages(network, files, cache, {}, report("embedding"), options.cancel);
    if (!embedded) return embedded.error();

    HealthOptions health = options.health;
    health.cancel = options.cancel;
    health.progress = report("fingerprinting");
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (!embedded.value().vectors[i].empty()) {
            health.embeddings[images.value()[i].id] = std::move(embedded.value().vectors[i]);
        }
    }
    auto checked = checkDatasetHealth(store, health);
    if (!checked) return checked.error();

    CheckupReport out;
    out.health = std::move(checked).value();
    out.backbone = backbone.value().description;
    out.embeddingsComputed = embedded.value().computed;
    out.embeddingsCached = embedded.value().fromCache;
    if (options.progress) options.progress("label issues", 0, 1);
    auto issues = findLabelIssues(store, images.value(), health.embeddings, options.labelIssues);
    if (!issues) return issues.error();
    out.health.labelIssues = std::move(issues).value();
    out.embeddings = std::move(health.embeddings);
    return out;
}

}  // namespace fovea::core
