#include "fovea/core/session/model_bundle.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <set>
#include <sstream>

#include "fovea/core/atomic_file.h"
#include "fovea/core/export/model_export.h"
#include "fovea/core/models/preprocessing_json.h"

namespace fovea::core {
namespace {

std::string utcNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::ostringstream text;
    text << std::put_time(&utc, "%Y-%m-%dT%H:%M:%SZ");
    return text.str();
}

// A value from nested JSON, or "" when any step is missing: the card shows what it knows.
std::string field(const nlohmann::json& json, std::initializer_list<const char*> path) {
    const nlohmann::json* at = &json;
    for (const char* key : path) {
        if (!at->is_object() || !at->contains(key)) return "";
        at = &(*at)[key];
    }
    if (at->is_string()) return at->get<std::string>();
    if (at->is_null()) return "";
    return at->dump();
}

std::string fixed(double value, int digits) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

void writeMetrics(std::ostringstream& card, const ModelCardFacts& facts) {
    card << "\n## Metrics\n\n";
    bool any = false;
    const auto& history = facts.summary.is_object()
                              ? facts.summary.value("history", nlohmann::json())
                              : nlohmann::json();
    if (history.is_array() && !history.empty()) {
        const auto& last = history.back();
        card << "- Epochs trained: " << history.size() << "\n";
        if (last.contains("train_loss")) {
            card << "- Last epoch: train loss " << fixed(last["train_loss"], 4)
                 << ", train accuracy " << fixed(100.0 * last["train_accuracy"].get<double>(), 2)
                 << "%\n";
        }
        if (last.contains("val_accuracy")) {
            card << "- Last epoch: validation loss " << fixed(last["val_loss"], 4)
                 << ", validation accuracy " << fixed(100.0 * last["val_accuracy"].get<double>(), 2)
                 << "%, macro F1 " << fixed(last["val_macro_f1"], 4) << "\n";
        }
        if (facts.summary.contains("best_epoch")) {
            card << "- Weights kept from epoch " << facts.summary["best_epoch"].get<int64_t>() + 1
                 << " (the best validation loss)\n";
        }
        any = true;
    }
    if (facts.evaluation.is_object() && facts.evaluation.contains("accuracy")) {
        card << "- Evaluation on " << field(facts.evaluation, {"images"}) << " images: accuracy "
             << fixed(100.0 * facts.evaluation["accuracy"].get<double>(), 2) << "%";
        if (facts.evaluation.contains("top_k_accuracy")) {
            card << ", top-" << field(facts.evaluation, {"top_k"}) << " "
                 << fixed(100.0 * facts.evaluation["top_k_accuracy"].get<double>(), 2) << "%";
        }
        card << "\n";
        any = true;
    }
    if (!any) card << "No training or evaluation record was available for this model.\n";
}

}  // namespace

nlohmann::json toJson(const ParityReport& report) {
    return {{"runtime", report.runtime},
            {"inputs", report.inputs},
            {"compared", report.compared},
            {"agreeing", report.agreeing},
            {"agreement", report.agreement},
            {"max_probability_difference", report.maxProbabilityDifference},
            {"max_allowed_difference", kParityMaxProbabilityDifference},
            {"passed", report.passed},
            {"skipped_images", report.skippedImages}};
}

std::string renderModelCard(const TrainedModel& model, const std::vector<ExportedFile>& files,
                            const ModelCardFacts& facts) {
    const NetworkImpl& network = *model.network;
    const Preprocessing& preprocessing = network.preprocessing();
    std::ostringstream card;
    card << "# Model card: " << (facts.name.empty() ? network.architecture() : facts.name) << "\n\n"
         << "An image classifier fine-tuned with Fovea "
         << "and exported on " << utcNow() << ".\n\n"
         << "## Model\n\n"
         << "- Architecture: " << network.architecture() << "\n";
    const std::optional<RunConfig>& run = facts.run;
    const std::string weights = run ? run->weightsSource : "";
    card << "- Starting weights: " << (weights.empty() ? "not recorded" : weights) << "\n";
    if (run && !run->created.empty()) card << "- Trained: " << run->created << "\n";
    if (!network.frozenBlocks().empty()) {
        card << "- Frozen blocks during training:";
        for (const auto& block : network.frozenBlocks()) card << " " << block;
        card << "\n";
    }

    card << "\n## Classes\n\n" << model.classNames.size() << " classes, in output order:\n\n";
    for (size_t i = 0; i < model.classNames.size(); ++i) {
        card << i << ". " << model.classNames[i] << "\n";
    }

    card << "\n## Data\n\n";
    if (run) {
        card << "- Training images: " << run->trainImages
             << "\n- Validation images: " << run->validationImages << " (fraction "
             << nlohmann::json(run->settings.validationFraction).dump() << ")\n"
             << "- Data: " << run->settings.data.string() << "\n";
    } else {
        card << "Not recorded.\n";
    }
    writeMetrics(card, facts);

    card << "\n## Training settings\n\n";
    if (run) {
        card << "```json\n" << toJson(run->settings.training).dump(2) << "\n```\n";
        card << "Batch size " << run->settings.batchSize << ", augmentation "
             << augmentationLevelName(run->settings.augment) << ".\n";
    } else {
        card << "Not recorded.\n";
    }

    card << "\n## Input\n\n"
         << inputContract(preprocessing) << "\n\n"
         << "## Files and parity checks\n\n"
         << "Each file was run by an independent runtime and compared with the model in Fovea "
            "before it was written.\n\n"
         << "| File | Checked with | Inputs | Top-1 agreement | Max probability difference |\n"
         << "|---|---|---|---|---|\n";
    for (const auto& file : files) {
        card << "| " << file.file.filename().string() << " | " << file.parity.runtime << " | "
             << file.parity.compared << " " << file.parity.inputs << " | "
             << fixed(100.0 * file.parity.agreement, 2) << "% | "
             << file.parity.maxProbabilityDifference << " |\n";
    }
    return card.str();
}

namespace {

// Files of this name in a bundle folder are the bundle's own: replaced as one.
bool isBundleFile(const std::filesystem::path& name) {
    static const std::set<std::string> documents{"labels.json", "preprocessing.json", "parity.json",
                                                 "README.md"};
    return documents.count(name.string()) > 0 || name.stem() == "model";
}

// Removes the staging folder however the bundle ends.
struct StagingFolder {
    std::filesystem::path path;
    ~StagingFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

// The staged bundle takes the place of the one in `folder`: each file renamed in (atomic on
// one filesystem), then the earlier bundle's model files that this one has not removed.
Result<void> replaceBundle(const std::filesystem::path& staged,
                           const std::filesystem::path& folder) {
    std::error_code error;
    std::set<std::string> written;
    for (const auto& entry : std::filesystem::directory_iterator(staged, error)) {
        const auto name = entry.path().filename();
        std::filesystem::rename(entry.path(), folder / name, error);
        if (error) {
            return Error{(folder / name).string() +
                         ": cannot put the new file in place: " + error.message()};
        }
        written.insert(name.string());
    }
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
        const auto name = entry.path().filename();
        if (entry.is_regular_file() && isBundleFile(name) && !written.count(name.string())) {
            std::filesystem::remove(entry.path(), error);
        }
    }
    return {};
}

}  // namespace

Result<BundleReport> writeModelBundle(const TrainedModel& model,
                                      const std::vector<ExportFormat>& formats,
                                      const std::filesystem::path& folder,
                                      const std::vector<std::filesystem::path>& parityImages,
                                      const ModelCardFacts& facts, const BundleProgress& progress) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error)
        return Error{folder.string() + ": cannot create the bundle folder: " + error.message()};
    // Written beside the bundle and put in place once whole: a failed gate or a cancel leaves
    // the earlier bundle as it was, never half of each.
    const StagingFolder staging{folder.parent_path() /
                                (folder.filename().string() + ".partial-" +
                                 std::to_string(static_cast<long long>(::getpid())))};
    std::filesystem::remove_all(staging.path, error);
    std::filesystem::create_directories(staging.path, error);
    if (error) {
        return Error{staging.path.string() +
                     ": cannot create the bundle's staging folder: " + error.message()};
    }

    std::vector<ExportFormat> wanted{ExportFormat::Safetensors};
    for (const auto format : formats) {
        if (format != ExportFormat::Safetensors) wanted.push_back(format);
    }
    // One step per model file, then one for labels, preprocessing, parity and the card.
    const std::size_t steps = wanted.size() + 1;
    const auto goOn = [&](std::size_t done, const std::string& next) {
        return !progress || progress(done, steps, next);
    };
    BundleReport report{folder, {}};
    for (const auto format : wanted) {
        const std::string file = std::string("model") + exportFileExtension(format);
        if (!goOn(report.files.size(), file + ": writing it and checking it against the model")) {
            return Error{"cancelled"};
        }
        auto exported = exportModelFile(model, format, staging.path / file, parityImages);
        if (!exported) return exported.error();
        exported.value().file = folder / file;  // where it will be
        report.files.push_back(exported.value());
    }

    if (!goOn(wanted.size(), "labels, preprocessing, parity report and model card")) {
        return Error{"cancelled"};
    }
    nlohmann::json preprocessing = toJson(model.network->preprocessing());
    preprocessing["input_contract"] = inputContract(model.network->preprocessing());
    nlohmann::json parity = nlohmann::json::object();
    for (const auto& file : report.files)
        parity[file.file.filename().string()] = toJson(file.parity);
    const std::vector<std::pair<std::string, std::string>> documents{
        {"labels.json", nlohmann::json(model.classNames).dump(2) + "\n"},
        {"preprocessing.json", preprocessing.dump(2) + "\n"},
        {"parity.json", parity.dump(2) + "\n"},
        {"README.md", renderModelCard(model, report.files, facts)},
    };
    for (const auto& [name, content] : documents) {
        auto written = files::writeFileAtomically(staging.path / name, content);
        if (!written) return written.error();
    }
    if (auto placed = replaceBundle(staging.path, folder); !placed) return placed.error();
    return report;
}

}  // namespace fovea::core
