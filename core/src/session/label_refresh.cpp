#include "fovea/core/session/label_refresh.h"

#include <map>
#include <optional>

#include "embedding_backbone.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/label_suggestions.h"
#include "fovea/core/session/linear_probe.h"

namespace fovea::core {
Result<RefreshReport> refreshSuggestions(const std::filesystem::path& projectFolder,
                                         const RefreshOptions& options) {
    const auto report = [&options](const std::string& stage) {
        return [&options, stage](std::int64_t done, std::int64_t total) {
            if (options.progress) options.progress(stage, done, total);
        };
    };
    auto store = ProjectStore::open(projectFolder);
    if (!store) return withKind(store.error(), ErrorKind::Usage);
    auto images = store.value().images(usableImages());
    if (!images) return images.error();

    // The classes with labeled images, in the project's order: the head's outputs.
    std::map<ClassId, std::int64_t> labeledPerClass;
    for (const ImageRecord& image : images.value()) {
        if (image.classId) ++labeledPerClass[*image.classId];
    }
    if (labeledPerClass.size() < 2) {
        return Error{"Refresh needs labeled images of at least two classes; " +
                         projectFolder.string() + " has " + std::to_string(labeledPerClass.size()) +
                         " class(es) with labels",
                     ErrorKind::Usage};
    }
    auto backbone = detail::loadEmbeddingBackbone(
        options.backbone, detail::EmbeddingDepth::GeneralFeatures, options.cancel);
    if (!backbone) return backbone.error();

    std::vector<std::filesystem::path> files;
    for (const ImageRecord& image : images.value()) files.push_back(image.path);
    auto embedded =
        detail::embedWithBackbone(backbone.value(), files, store.value().directory() / "cache",
                                  report("embedding"), options.cancel);
    if (!embedded) return embedded.error();
    RefreshReport out;
    out.backbone = backbone.value().description;
    out.embeddingsComputed = embedded.value().computed;
    out.embeddingsCached = embedded.value().fromCache;
    out.failures = embedded.value().failures;
    if (!out.failures.empty()) {
        std::map<std::filesystem::path, const std::string*> messageOf;
        for (const PredictionFailure& failure : out.failures)
            messageOf[failure.path] = &failure.message;
        for (const ImageRecord& image : images.value()) {
            const auto failed = messageOf.find(image.path);
            if (failed == messageOf.end()) continue;
            if (auto recorded = store.value().recordImageError(image.id, *failed->second);
                !recorded) {
                return recorded.error();
            }
        }
    }

    std::vector<ClassId> classIds;
    std::map<ClassId, std::int64_t> indexOf;
    for (const auto& [id, count] : labeledPerClass) {
        indexOf[id] = static_cast<std::int64_t>(classIds.size());
        classIds.push_back(id);
    }
    std::vector<std::vector<float>> labeledVectors;
    std::vector<std::int64_t> labels;
    std::vector<std::vector<float>> unlabeledVectors;
    std::vector<ImageId> unlabeledIds;
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::vector<float>& vector = embedded.value().vectors[i];
        if (vector.empty()) continue;  // unreadable: recorded above
        const ImageRecord& image = images.value()[i];
        if (image.classId) {
            labeledVectors.push_back(std::move(vector));
            labels.push_back(indexOf.at(*image.classId));
        } else {
            unlabeledVectors.push_back(std::move(vector));
            unlabeledIds.push_back(image.id);
        }
    }
    if (options.cancel && options.cancel->load()) return Error{"cancelled"};
    if (options.progress) options.progress("fitting", 0, 0);
    auto probe =
        LinearProbe::fit(labeledVectors, labels, static_cast<std::int64_t>(classIds.size()));
    if (!probe) return probe.error();
    const auto probabilities = probe.value().predict(unlabeledVectors);

    if (options.progress) options.progress("ordering", 0, 0);
    LabelingOrderOptions order;
    order.measure = options.measure;
    const auto ranked = labelingOrder(probabilities, unlabeledVectors, labeledVectors, order);
    const std::string model = "refresh: " + out.backbone;
    const std::vector<std::optional<ClassId>> outputs(classIds.begin(), classIds.end());
    std::vector<LabelSuggestion> suggestions;
    suggestions.reserve(unlabeledIds.size());
    for (std::size_t i = 0; i < unlabeledIds.size(); ++i) {
        // Every output is a class of the project: there is always a suggestion.
        suggestions.push_back(
            *suggestionFromProbabilities(unlabeledIds[i], probabilities[i], outputs));
        suggestions.back().model = model;
    }
    for (std::size_t place = 0; place < ranked.size(); ++place) {
        suggestions[ranked[place]].labelOrder = static_cast<std::int64_t>(place);
    }
    if (auto stored = store.value().replaceSuggestions(suggestions); !stored) return stored.error();
    out.labeled = static_cast<std::int64_t>(labeledVectors.size());
    out.classes = static_cast<std::int64_t>(classIds.size());
    out.suggested = static_cast<std::int64_t>(suggestions.size());
    return out;
}

}  // namespace fovea::core
