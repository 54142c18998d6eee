#include "fovea/core/session/prediction.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "batched_inference.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/image/image_probe.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/models/preprocessing_json.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/project/csv_format.h"
#include "fovea/core/project/folder_walk.h"
#include "fovea/core/session/trained_model.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights/weight_file.h"
#include "fovea/core/weights_import/offline_default.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// The key under which a file counts as already listed.
fs::path identity(const fs::path& path) {
    std::error_code error;
    const fs::path absolute = fs::absolute(path, error);
    return (error ? path : absolute).lexically_normal();
}

// The files with an image extension below `folder`, sorted by path; folders that cannot be
// read are added to `problems`.
std::vector<fs::path> imageFilesBelow(const fs::path& folder,
                                      std::vector<PredictionFailure>& problems) {
    std::vector<fs::path> found;
    FolderWalkVisitor visitor;
    visitor.wantsFile = [](const fs::path& file) { return hasImageExtension(file); };
    visitor.visitFile = [&](const WalkedFile& file) { found.push_back(file.path); };
    for (const FolderWalkProblem& problem : walkFolder(folder, visitor).problems) {
        problems.push_back({problem.folder, problem.folder.string() + ": cannot read the folder (" +
                                                problem.error.message() + ")"});
    }
    std::sort(found.begin(), found.end());
    return found;
}

std::string probabilityText(double probability) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", probability);
    return text;
}

std::string fileNameOfUrl(const std::string& url) {
    const auto slash = url.find_last_of('/');
    return slash == std::string::npos ? url : url.substr(slash + 1);
}

// Where the weights are, and the catalogue's entry for them when it knows the file.
struct WeightsLocation {
    fs::path file;
    std::optional<WeightSource> source;
};

Result<WeightsLocation> locateWeights(const std::string& architecture, const std::string& weights,
                                      const DownloadProgressCallback& progress,
                                      const std::atomic<bool>* cancel) {
    const auto sources = weightSourcesFor(architecture);
    if (weights == "none") {
        return Error{"a preview needs pretrained weights; --weights none has nothing to show"};
    }
    if (weights == "default") {
        if (architecture == "mobilenet_v2_keras" || architecture == "inception_v3_keras") {
            return WeightsLocation{offlineWeightsPath(architecture), std::nullopt};
        }
        const auto source = std::find_if(sources.begin(), sources.end(),
                                         [](const WeightSource& s) { return !s.url.empty(); });
        if (source == sources.end()) {
            return Error{"no pretrained weights are known for " + architecture};
        }
        auto file = fetchToCache(source->url, source->sha256, progress, cancel);
        if (!file) return file.error();
        return WeightsLocation{file.value(), *source};
    }
    if (isWeightUrl(weights)) {
        auto file = fetchToCache(weights, "", progress, cancel);
        if (!file) return file.error();
        const auto source = std::find_if(sources.begin(), sources.end(),
                                         [&](const WeightSource& s) { return s.url == weights; });
        return WeightsLocation{file.value(), source == sources.end()
                                                 ? std::nullopt
                                                 : std::optional<WeightSource>(*source)};
    }
    const std::string name = fs::path(weights).filename().string();
    const auto source = std::find_if(sources.begin(), sources.end(), [&](const WeightSource& s) {
        return !s.url.empty() && fileNameOfUrl(s.url) == name;
    });
    return WeightsLocation{
        weights, source == sources.end() ? std::nullopt : std::optional<WeightSource>(*source)};
}

// The names of the classifier's output parameters (those whose first dimension is the class
// count), found by building the architecture with one class.
Result<std::vector<std::string>> outputKeys(const std::string& architecture) {
    auto probe = createNetwork(architecture, 1);
    if (!probe) return probe.error();
    const NetworkImpl& network = *probe.value();
    std::vector<std::string> keys;
    for (const auto& block : network.blocks()) {
        if (block.name != "head") continue;
        for (const auto& item : network.named_parameters()) {
            const std::string& key = item.key();
            const bool inHead = std::any_of(
                block.modulePaths.begin(), block.modulePaths.end(), [&](const std::string& path) {
                    return key.compare(0, path.size() + 1, path + ".") == 0;
                });
            if (inHead && item.value().dim() == 1 && item.value().size(0) == 1) keys.push_back(key);
        }
    }
    return keys;
}

// The tensors of a weights file, with the metadata a safetensors file records (none for the
// other formats).
struct WeightsContent {
    StateDict tensors;
    std::map<std::string, std::string> metadata;
};

Result<WeightsContent> readWeightsContent(const fs::path& file) {
    WeightsContent content;
    if (auto safetensors = readSafetensors(file)) {
        content.tensors = std::move(safetensors.value().tensors);
        content.metadata = std::move(safetensors.value().metadata);
        return content;
    }
    auto read = readWeightFile(file);
    if (!read) return read.error();
    content.tensors = std::move(read).value();
    return content;
}

// The class count of the classifier in `tensors`, found by the architecture's output keys.
Result<std::int64_t> classCountOf(const StateDict& tensors, const std::string& architecture,
                                  const std::string& where) {
    auto keys = outputKeys(architecture);
    if (!keys) return keys.error();
    for (const auto& key : keys.value()) {
        if (const torch::Tensor* found = tensors.find(key); found && found->dim() == 1) {
            if (found->size(0) > 0) return found->size(0);
            break;
        }
    }
    return Error{where + ": no classifier for " + architecture + " in the file (" +
                 (keys.value().empty() ? std::string("no output layer known")
                                       : keys.value().front() + " is missing") +
                 ")"};
}

// Preprocessing and labels: as the file records them, else the catalogue's preprocessing.
Result<void> applyRecordedFacts(TrainedModel& model,
                                const std::map<std::string, std::string>& metadata,
                                const std::optional<WeightSource>& source, std::int64_t classes,
                                const std::string& where) {
    if (const auto it = metadata.find("fovea.preprocessing"); it != metadata.end()) {
        auto recorded = preprocessingFromJson(nlohmann::json::parse(it->second, nullptr, false));
        if (!recorded) return Error{where + ": " + recorded.error().message};
        model.network->setPreprocessing(recorded.value());
    } else if (source) {
        model.network->setPreprocessing(source->preprocessing);
    }
    if (const auto it = metadata.find("fovea.labels"); it != metadata.end()) {
        const auto names = nlohmann::json::parse(it->second, nullptr, false);
        if (names.is_array() && static_cast<std::int64_t>(names.size()) == classes &&
            std::all_of(names.begin(), names.end(),
                        [](const nlohmann::json& n) { return n.is_string(); })) {
            model.classNames = names.get<std::vector<std::string>>();
        }
    }
    return {};
}

}  // namespace

Result<TrainedModel> loadPretrainedModel(const std::string& architecture,
                                         const std::string& weights,
                                         const DownloadProgressCallback& progress,
                                         const std::atomic<bool>* cancel) {
    if (!findArchitecture(architecture)) {
        std::string known;
        for (const auto& a : architectures()) known += (known.empty() ? "" : ", ") + a.name;
        return Error{"unknown architecture '" + architecture + "' (known: " + known + ")"};
    }
    try {
        auto location = locateWeights(architecture, weights, progress, cancel);
        if (!location) return location.error();
        const fs::path& file = location.value().file;
        const std::string where = file.string();
        auto content = readWeightsContent(file);
        if (!content) return content.error();
        const StateDict& tensors = content.value().tensors;
        const std::map<std::string, std::string>& metadata = content.value().metadata;
        const auto recordedArchitecture = metadata.find("fovea.architecture");
        if (recordedArchitecture != metadata.end() &&
            recordedArchitecture->second != architecture) {
            return Error{where + ": holds " + recordedArchitecture->second + " weights, not " +
                         architecture};
        }
        auto classes = classCountOf(tensors, architecture, where);
        if (!classes) return classes.error();

        auto created = createNetwork(architecture, classes.value());
        if (!created) return created.error();
        TrainedModel model;
        model.network = created.value();
        auto loaded = loadStateDict(*model.network, tensors, where);
        if (!loaded) return loaded.error();
        if (!loaded.value().skippedHeadKeys.empty()) {
            return Error{where + ": its classifier does not fit " + architecture + " (" +
                         loaded.value().skippedHeadKeys.front() + ")"};
        }
        auto applied =
            applyRecordedFacts(model, metadata, location.value().source, classes.value(), where);
        if (!applied) return applied.error();
        model.network->eval();
        model.metadata = metadata;
        model.metadata["fovea.architecture"] = architecture;
        model.metadata["fovea.source"] = where;
        return model;
    } catch (const c10::Error& e) {
        return Error{architecture + ": " + e.what_without_backtrace()};
    }
}

ImageFileList collectImageFiles(const std::vector<fs::path>& inputs) {
    ImageFileList list;
    std::set<fs::path> listed;
    auto add = [&](const fs::path& file) {
        if (listed.insert(identity(file)).second) list.files.push_back(file);
    };
    for (const auto& input : inputs) {
        std::error_code error;
        const fs::file_status status = fs::status(input, error);
        if (fs::is_directory(status)) {
            for (const auto& file : imageFilesBelow(input, list.problems)) add(file);
        } else if (fs::exists(status)) {
            add(input);
        } else {
            list.problems.push_back({input, input.string() + ": no such file or folder"});
        }
    }
    return list;
}

Result<std::vector<ImagePrediction>> predictImages(
    NetworkImpl& network, const std::vector<fs::path>& files,
    const std::vector<std::string>& labels, const PredictionOptions& options,
    const PredictionProgress& progress, const std::atomic<bool>* cancel, InferenceFacts* facts) {
    const std::int64_t classes = network.numClasses();
    const auto k = std::clamp<std::int64_t>(options.topK, 1, classes);
    std::vector<ImagePrediction> predictions(files.size());
    std::vector<LabeledImage> images;
    images.reserve(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        predictions[i].path = files[i];
        images.push_back({static_cast<std::int64_t>(i), files[i], 0});
    }
    auto labelOf = [&](std::int64_t index) {
        return index < static_cast<std::int64_t>(labels.size())
                   ? labels[static_cast<std::size_t>(index)]
                   : std::to_string(index);
    };

    // Top-k of each batch stays on the device until the end: one copy to the host.
    std::vector<torch::Tensor> probabilities;
    std::vector<torch::Tensor> indices;
    std::vector<std::int64_t> order;
    const auto storeEmbeddings = [&](const std::vector<std::int64_t>& positions,
                                     const torch::Tensor& features) {
        auto rows = detail::unitRows(features);
        for (std::size_t row = 0; row < positions.size(); ++row) {
            predictions[static_cast<std::size_t>(positions[row])].embedding = std::move(rows[row]);
        }
    };
    auto run = detail::runInference(
        network, images, options,
        [&](const std::vector<std::int64_t>& positions, const torch::Tensor& logits) {
            auto top = torch::softmax(logits, 1).topk(k, 1);
            probabilities.push_back(std::get<0>(top));
            indices.push_back(std::get<1>(top));
            order.insert(order.end(), positions.begin(), positions.end());
        },
        progress, cancel, detail::InferenceOutput::Logits, 0,
        options.withEmbedding ? detail::InferenceBatchCallback(storeEmbeddings)
                              : detail::InferenceBatchCallback());
    if (!run) return run.error();
    if (facts) *facts = run.value().facts;
    for (const auto& failure : run.value().failures) {
        predictions[static_cast<std::size_t>(failure.index)].error = failure.message;
    }
    if (order.empty()) return predictions;

    const torch::Tensor p = torch::cat(probabilities).to(torch::kCPU, torch::kFloat64).contiguous();
    const torch::Tensor c = torch::cat(indices).to(torch::kCPU, torch::kInt64).contiguous();
    const auto* pp = p.data_ptr<double>();
    const auto* cc = c.data_ptr<std::int64_t>();
    for (std::size_t row = 0; row < order.size(); ++row) {
        ImagePrediction& prediction = predictions[static_cast<std::size_t>(order[row])];
        for (std::int64_t j = 0; j < k; ++j) {
            const std::size_t cell =
                row * static_cast<std::size_t>(k) + static_cast<std::size_t>(j);
            prediction.top.push_back({cc[cell], labelOf(cc[cell]), pp[cell]});
        }
    }
    return predictions;
}

nlohmann::json toJson(const ImagePrediction& prediction) {
    nlohmann::json json = {{"path", prediction.path.string()}};
    if (prediction.error) {
        json["error"] = *prediction.error;
        return json;
    }
    nlohmann::json top = nlohmann::json::array();
    for (const auto& score : prediction.top) {
        top.push_back(
            {{"index", score.index}, {"label", score.label}, {"probability", score.probability}});
    }
    json["top"] = top;
    return json;
}

std::string predictionsCsv(const std::vector<ImagePrediction>& predictions, int topK) {
    const std::size_t k = static_cast<std::size_t>(std::max(1, topK));
    std::vector<std::string> header{"path"};
    for (std::size_t j = 1; j <= k; ++j) {
        header.push_back("label_" + std::to_string(j));
        header.push_back("probability_" + std::to_string(j));
    }
    header.push_back("error");
    std::string text = csvLine(header);
    for (const auto& prediction : predictions) {
        std::vector<std::string> row{prediction.path.string()};
        for (std::size_t j = 0; j < k; ++j) {
            if (j < prediction.top.size()) {
                row.push_back(prediction.top[j].label);
                row.push_back(probabilityText(prediction.top[j].probability));
            } else {
                row.insert(row.end(), {"", ""});
            }
        }
        row.push_back(prediction.error.value_or(""));
        text += csvLine(row);
    }
    return text;
}

Result<void> writePredictionsCsv(const fs::path& file,
                                 const std::vector<ImagePrediction>& predictions, int topK) {
    return files::writeFileAtomically(file, predictionsCsv(predictions, topK));
}

}  // namespace fovea::core
