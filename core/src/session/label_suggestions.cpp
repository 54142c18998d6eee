#include "fovea/core/session/label_suggestions.h"

#include <algorithm>
#include <cmath>

#include "fovea/core/models/network.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/run_records.h"

namespace fovea::core {

std::optional<LabelSuggestion> suggestionFromProbabilities(
    ImageId image, const std::vector<double>& probabilities,
    const std::vector<std::optional<ClassId>>& classIds) {
    std::optional<std::size_t> best;
    double entropy = 0;
    for (std::size_t c = 0; c < probabilities.size(); ++c) {
        if (probabilities[c] > 0) entropy -= probabilities[c] * std::log(probabilities[c]);
        if (c < classIds.size() && classIds[c] &&
            (!best || probabilities[c] > probabilities[*best]))
            best = c;
    }
    if (!best) return std::nullopt;
    double runnerUp = 0;
    for (std::size_t c = 0; c < probabilities.size() && c < classIds.size(); ++c) {
        if (c != *best && classIds[c]) runnerUp = std::max(runnerUp, probabilities[c]);
    }
    LabelSuggestion suggestion;
    suggestion.image = image;
    suggestion.classId = *classIds[*best];
    suggestion.confidence = std::clamp(probabilities[*best], 0.0, 1.0);
    suggestion.margin = std::clamp(probabilities[*best] - runnerUp, 0.0, 1.0);
    suggestion.entropy = std::max(0.0, entropy);
    return suggestion;
}

namespace {

// A prediction's probabilities by output index (zero for outputs not in its top-k).
std::vector<double> probabilitiesOf(const ImagePrediction& prediction) {
    std::vector<double> probabilities;
    for (const ClassScore& score : prediction.top) {
        const auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, score.index));
        if (index >= probabilities.size()) probabilities.resize(index + 1, 0.0);
        probabilities[index] = score.probability;
    }
    return probabilities;
}

// The labeled images whose features count as covered when ordering "Label next": every one up to
// kCoverageImages, else that many spread evenly over them (each costs a forward pass).
constexpr std::size_t kCoverageImages = 500;

std::vector<ImageRecord> coverageSample(const std::vector<ImageRecord>& labeled) {
    if (labeled.size() <= kCoverageImages) return labeled;
    std::vector<ImageRecord> sample;
    sample.reserve(kCoverageImages);
    for (std::size_t k = 0; k < kCoverageImages; ++k) {
        sample.push_back(labeled[k * labeled.size() / kCoverageImages]);
    }
    return sample;
}

}  // namespace

std::optional<LabelSuggestion> suggestionFor(const ImagePrediction& prediction, ImageId image,
                                             const std::map<std::string, ClassId>& classes) {
    if (prediction.error) return std::nullopt;
    std::vector<std::optional<ClassId>> classIds;
    for (const ClassScore& score : prediction.top) {
        const auto index = static_cast<std::size_t>(std::max<std::int64_t>(0, score.index));
        if (index >= classIds.size()) classIds.resize(index + 1);
        if (auto known = classes.find(score.label); known != classes.end())
            classIds[index] = known->second;
    }
    return suggestionFromProbabilities(image, probabilitiesOf(prediction), classIds);
}

Result<SuggestionReport> suggestLabels(const std::filesystem::path& projectFolder,
                                       const std::filesystem::path& modelSource,
                                       const SuggestionSettings& settings,
                                       const PredictionProgress& progress,
                                       const std::atomic<bool>* cancel) {
    auto store = ProjectStore::open(projectFolder);
    if (!store) return withKind(store.error(), ErrorKind::Usage);
    auto loaded = loadModelSource(modelSource);
    if (!loaded) return loaded.error();
    TrainedModel& model = loaded.value().model;

    auto classList = store.value().classes();
    if (!classList) return classList.error();
    std::map<std::string, ClassId> classes;
    for (const ClassInfo& info : classList.value()) classes[info.name] = info.id;
    SuggestionReport report;
    report.model = loaded.value().file;
    // The project's class of each of the model's outputs (none where the project lacks it).
    std::vector<std::optional<ClassId>> outputs;
    bool anyMatch = false;
    for (const std::string& name : model.classNames) {
        const auto known = classes.find(name);
        outputs.push_back(known != classes.end() ? std::optional(known->second) : std::nullopt);
        if (known != classes.end())
            anyMatch = true;
        else
            report.unmatchedClasses.push_back(name);
    }
    if (!anyMatch) {
        std::string names;
        for (const std::string& name : model.classNames)
            names += (names.empty() ? "" : ", ") + name;
        return Error{report.model.string() + " predicts classes (" + names +
                         ") of which the project in " + projectFolder.string() + " has none",
                     ErrorKind::Usage};
    }

    ImageFilter unlabeled = usableImages();
    unlabeled.labeled = Require::No;
    auto images = store.value().images(unlabeled);
    if (!images) return images.error();
    ImageFilter labeled = usableImages();
    labeled.labeled = Require::Yes;
    auto labeledImages = store.value().images(labeled);
    if (!labeledImages) return labeledImages.error();
    // The unlabeled images first, then those whose features only count as covered.
    std::vector<ImageRecord> records = std::move(images.value());
    const std::size_t unlabeledCount = records.size();
    for (ImageRecord& record : coverageSample(labeledImages.value()))
        records.push_back(std::move(record));
    std::vector<std::filesystem::path> files;
    for (const ImageRecord& image : records) files.push_back(image.path);
    report.considered = static_cast<std::int64_t>(unlabeledCount);

    PredictionOptions options;
    static_cast<InferenceSettings&>(options) = settings;
    options.topK = static_cast<int>(std::max<std::size_t>(1, model.classNames.size()));
    options.withEmbedding = true;
    auto predictions = predictImages(*model.network, files, model.classNames, options, progress,
                                     cancel, &report.facts);
    if (!predictions) return predictions.error();

    std::vector<LabelSuggestion> suggestions;
    std::vector<std::vector<double>> probabilities;
    std::vector<std::vector<float>> embeddings;
    std::vector<std::vector<float>> labeledEmbeddings;
    const std::string modelName = report.model.string();
    for (std::size_t index = 0; index < files.size(); ++index) {
        ImagePrediction& prediction = predictions.value()[index];
        const ImageId id = records[index].id;
        if (prediction.error) {
            report.failures.push_back({prediction.path, *prediction.error});
            if (auto recorded = store.value().recordImageError(id, *prediction.error); !recorded) {
                return recorded.error();
            }
            continue;
        }
        if (index >= unlabeledCount) {
            labeledEmbeddings.push_back(std::move(prediction.embedding));
            continue;
        }
        std::vector<double> p = probabilitiesOf(prediction);
        if (auto suggestion = suggestionFromProbabilities(id, p, outputs)) {
            suggestion->model = modelName;
            suggestions.push_back(std::move(*suggestion));
            probabilities.push_back(std::move(p));
            embeddings.push_back(std::move(prediction.embedding));
        }
    }
    LabelingOrderOptions order;
    order.measure = settings.measure;
    const auto ranked = labelingOrder(probabilities, embeddings, labeledEmbeddings, order);
    for (std::size_t place = 0; place < ranked.size(); ++place) {
        suggestions[ranked[place]].labelOrder = static_cast<std::int64_t>(place);
    }
    if (auto stored = store.value().replaceSuggestions(suggestions); !stored) {
        return stored.error();
    }
    report.suggested = static_cast<std::int64_t>(suggestions.size());
    return report;
}

}  // namespace fovea::core
