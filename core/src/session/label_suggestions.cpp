#include "fovea/core/session/label_suggestions.h"

#include <algorithm>
#include <cmath>

#include "fovea/core/models/network.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/run_records.h"

namespace fovea::core {

std::optional<LabelSuggestion> suggestionFor(const ImagePrediction& prediction, ImageId image,
                                             const std::map<std::string, ClassId>& classes) {
    if (prediction.error) return std::nullopt;
    std::optional<LabelSuggestion> suggestion;
    double runnerUp = 0;
    double entropy = 0;
    for (const ClassScore& score : prediction.top) {  // most probable first
        if (score.probability > 0) entropy -= score.probability * std::log(score.probability);
        auto known = classes.find(score.label);
        if (known == classes.end()) continue;
        if (!suggestion) {
            suggestion = LabelSuggestion{image, known->second, score.probability, 0, 0, {}, {}};
        } else if (runnerUp == 0) {
            runnerUp = score.probability;
        }
    }
    if (!suggestion) return std::nullopt;
    suggestion->confidence = std::clamp(suggestion->confidence, 0.0, 1.0);
    suggestion->margin = std::clamp(suggestion->confidence - runnerUp, 0.0, 1.0);
    suggestion->entropy = std::max(0.0, entropy);
    return suggestion;
}

Result<SuggestionReport> suggestLabels(const std::filesystem::path& projectFolder,
                                       const std::filesystem::path& modelSource,
                                       const InferenceSettings& settings,
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
    bool anyMatch = false;
    for (const std::string& name : model.classNames) {
        if (classes.count(name))
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
    std::vector<std::filesystem::path> files;
    for (const ImageRecord& image : images.value()) files.push_back(image.path);
    report.considered = static_cast<std::int64_t>(files.size());

    PredictionOptions options;
    static_cast<InferenceSettings&>(options) = settings;
    options.topK = static_cast<int>(std::max<std::size_t>(1, model.classNames.size()));
    auto predictions = predictImages(*model.network, files, model.classNames, options, progress,
                                     cancel, &report.facts);
    if (!predictions) return predictions.error();

    std::vector<LabelSuggestion> suggestions;
    const std::string modelName = report.model.string();
    for (std::size_t index = 0; index < files.size(); ++index) {
        const ImagePrediction& prediction = predictions.value()[index];
        const ImageId id = images.value()[index].id;
        if (prediction.error) {
            report.failures.push_back({prediction.path, *prediction.error});
            if (auto recorded = store.value().recordImageError(id, *prediction.error); !recorded) {
                return recorded.error();
            }
            continue;
        }
        if (auto suggestion = suggestionFor(prediction, id, classes)) {
            suggestion->model = modelName;
            suggestions.push_back(std::move(*suggestion));
        }
    }
    // Least certain first: where a person's label teaches the model most.
    std::vector<std::size_t> byMargin(suggestions.size());
    for (std::size_t i = 0; i < byMargin.size(); ++i) byMargin[i] = i;
    std::stable_sort(byMargin.begin(), byMargin.end(), [&](std::size_t a, std::size_t b) {
        return suggestions[a].margin < suggestions[b].margin;
    });
    for (std::size_t place = 0; place < byMargin.size(); ++place) {
        suggestions[byMargin[place]].labelOrder = static_cast<std::int64_t>(place);
    }
    if (auto stored = store.value().replaceSuggestions(suggestions); !stored) {
        return stored.error();
    }
    report.suggested = static_cast<std::int64_t>(suggestions.size());
    return report;
}

}  // namespace fovea::core
