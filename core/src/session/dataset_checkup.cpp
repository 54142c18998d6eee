#include "fovea/core/session/dataset_checkup.h"

#include <map>
#include <unordered_map>

#include "embedding_backbone.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

struct LabelCheck {
    std::vector<LabelIssue> issues;
    std::int64_t checked = 0;
    double agreement = 0;
};

// Confident learning over the labeled images that have an embedding.
Result<LabelCheck> findLabelIssues(
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
        return LabelCheck{};
    }
    const auto classes = static_cast<std::int64_t>(infoOf.size());
    auto probabilities = outOfFoldProbabilities(vectors, labels, classes, options);
    if (!probabilities) return probabilities.error();
    LabelCheck check;
    check.checked = static_cast<std::int64_t>(labels.size());
    check.agreement = labelAgreement(probabilities.value(), labels);
    for (const SuspectedLabel& suspect :
         confidentLearningSuspects(probabilities.value(), labels, classes)) {
        const ImageRecord& image = *labeled[suspect.index];
        const ClassInfo& given = *infoOf[static_cast<std::size_t>(suspect.given)];
        const ClassInfo& suggested = *infoOf[static_cast<std::size_t>(suspect.suggested)];
        check.issues.push_back({image.id, image.path, given.id, suggested.id, given.name,
                                suggested.name, suspect.score});
    }
    return check;
}

}  // namespace

Result<CheckupReport> runDatasetCheckup(const ProjectStore& store, const CheckupOptions& options) {
    const auto report = [&](const std::string& stage) {
        return [&options, stage](std::int64_t done, std::int64_t total) {
            if (options.progress) options.progress(stage, done, total);
        };
    };
    auto backbone = detail::loadEmbeddingBackbone(
        options.backbone, detail::EmbeddingDepth::BeforeHead, options.cancel);
    if (!backbone) return backbone.error();

    auto images = store.images(usableImages());
    if (!images) return images.error();
    std::vector<fs::path> files;
    for (const ImageRecord& image : images.value()) files.push_back(image.path);
    auto embedded = detail::embedWithBackbone(backbone.value(), files, store.directory() / "cache",
                                              report("embedding"), options.cancel);
    if (!embedded) return embedded.error();

    // Each image's vector by its id (images that could not be read have none).
    const auto byImage = [&images](ImageEmbeddings& embeddings) {
        std::unordered_map<ImageId, std::vector<float>> out;
        for (std::size_t i = 0; i < embeddings.vectors.size(); ++i) {
            if (!embeddings.vectors[i].empty()) {
                out[images.value()[i].id] = std::move(embeddings.vectors[i]);
            }
        }
        return out;
    };
    HealthOptions health = options.health;
    health.cancel = options.cancel;
    health.progress = report("fingerprinting");
    health.embeddings = byImage(embedded.value());
    auto checked = checkDatasetHealth(store, health);
    if (!checked) return checked.error();

    CheckupReport out;
    out.health = std::move(checked).value();
    out.backbone = backbone.value().description;
    out.embeddingsComputed = embedded.value().computed;
    out.embeddingsCached = embedded.value().fromCache;
    out.embeddings = std::move(health.embeddings);

    // Labels are checked on general features where the weights have them (the offline
    // weights' ImageNet blocks, as Refresh uses): their top was tuned for another task and
    // separates few classes, so a probe on it doubts many right labels.
    const std::size_t generalBlocks =
        detail::generalFeatureDepth(backbone.value(), options.backbone);
    const std::unordered_map<ImageId, std::vector<float>>* labelFeatures = &out.embeddings;
    std::unordered_map<ImageId, std::vector<float>> generalFeatures;
    if (generalBlocks > 0) {
        backbone.value().blocks = generalBlocks;
        auto features =
            detail::embedWithBackbone(backbone.value(), files, store.directory() / "cache",
                                      report("label features"), options.cancel);
        if (!features) return features.error();
        generalFeatures = byImage(features.value());
        labelFeatures = &generalFeatures;
    }
    if (options.progress) options.progress("label issues", 0, 0);
    auto check = findLabelIssues(store, images.value(), *labelFeatures, options.labelIssues);
    if (!check) return check.error();
    out.health.labelIssues = std::move(check.value().issues);
    out.health.labelsChecked = check.value().checked;
    out.health.labelAgreement = check.value().agreement;
    return out;
}

}  // namespace fovea::core
