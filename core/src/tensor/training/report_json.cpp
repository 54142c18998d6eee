#include "fovea/core/training/report_json.h"

namespace fovea::core {

nlohmann::json toJson(const ConfusionMatrix& confusion) {
    return {{"classes", confusion.classes()}, {"cells", confusion.cells()}};
}

nlohmann::json toJson(const EpochReport& r) {
    nlohmann::json json = {
        {"epoch", r.epoch},
        {"train_loss", r.trainLoss},
        {"train_accuracy", r.trainAccuracy},
        {"learning_rate", r.learningRate},
        {"seconds", r.seconds},
        {"images_per_second", r.imagesPerSecond},
        {"improved", r.improved},
    };
    if (r.hasValidation) {
        json["val_loss"] = r.validationLoss;
        json["val_accuracy"] = r.validationAccuracy;
        json["val_macro_f1"] = r.validationMacroF1;
        json["val_confusion"] = toJson(r.validationConfusion);
        nlohmann::json perClass = nlohmann::json::array();
        for (const auto& m : r.validationPerClass) {
            perClass.push_back({{"precision", m.precision},
                                {"recall", m.recall},
                                {"f1", m.f1},
                                {"support", m.support}});
        }
        json["val_per_class"] = perClass;
    }
    return json;
}

nlohmann::json toJson(const TrainingSummary& s) {
    nlohmann::json history = nlohmann::json::array();
    for (const auto& r : s.history) history.push_back(toJson(r));
    nlohmann::json json = {{"outcome", trainingOutcomeName(s.outcome)},
                           {"message", s.message},
                           {"epochs_completed", s.epochsCompleted},
                           {"steps", s.steps},
                           {"device", s.device},
                           {"precision", precisionName(s.precision)},
                           {"channels_last", s.channelsLast},
                           {"history", history},
                           {"feature_cache_hits", s.featureCacheHits},
                           {"feature_cache_misses", s.featureCacheMisses}};
    if (s.unfinishedEpochSeconds > 0) json["unfinished_epoch_seconds"] = s.unfinishedEpochSeconds;
    if (s.bestEpoch) {
        json["best_epoch"] = *s.bestEpoch;
        json["best_metric"] = s.bestMetric;
    }
    return json;
}

EpochReport epochReportFromJson(const nlohmann::json& json) {
    EpochReport r;
    r.epoch = json.value("epoch", std::int64_t{0});
    r.trainLoss = json.value("train_loss", 0.0);
    r.trainAccuracy = json.value("train_accuracy", 0.0);
    r.learningRate = json.value("learning_rate", 0.0);
    r.seconds = json.value("seconds", 0.0);
    r.imagesPerSecond = json.value("images_per_second", 0.0);
    r.improved = json.value("improved", false);
    if (json.contains("val_loss")) {
        r.hasValidation = true;
        r.validationLoss = json.value("val_loss", 0.0);
        r.validationAccuracy = json.value("val_accuracy", 0.0);
        r.validationMacroF1 = json.value("val_macro_f1", 0.0);
        const auto& confusion = json.at("val_confusion");
        const int classes = confusion.value("classes", 0);
        r.validationConfusion = ConfusionMatrix(classes);
        const auto cells = confusion.at("cells").get<std::vector<std::int64_t>>();
        for (int t = 0; t < classes; ++t) {
            for (int p = 0; p < classes; ++p) {
                r.validationConfusion.add(t, p,
                                          cells.at(static_cast<std::size_t>(t * classes + p)));
            }
        }
        r.validationPerClass = r.validationConfusion.perClass();
    }
    return r;
}

}  // namespace fovea::core
