#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/download/downloader.h"
#include "fovea/core/models/network_fwd.h"
#include "fovea/core/result.h"
#include "fovea/core/session/inference_settings.h"

namespace fovea::core {

struct TrainedModel;

// A file that could not be predicted (or an input that does not exist), with why.
struct PredictionFailure {
    std::filesystem::path path;
    std::string message;  // names the file and the problem
};

struct ImageFileList {
    std::vector<std::filesystem::path> files;
    std::vector<PredictionFailure> problems;  // inputs that are neither a file nor a folder
};

// The images named by `inputs`, in their order: a file is taken as it is (its content decides
// whether it is an image), a folder contributes every file below it with an image extension
// (hasImageExtension), recursively, sorted by path, walked as folder_walk.h walks (hidden
// entries skipped, linked folders once). A file named twice is listed once.
ImageFileList collectImageFiles(const std::vector<std::filesystem::path>& inputs);

struct ClassScore {
    std::int64_t index = 0;  // the network's output index
    std::string label;       // its label, or the index as text when there is no label
    double probability = 0;  // softmax probability
};

struct ImagePrediction {
    std::filesystem::path path;
    std::vector<ClassScore> top;       // most probable first; empty when `error` is set
    std::optional<std::string> error;  // the image was skipped: names the file and the problem
    // What the network's head saw (its blocks before the head, averaged over space), scaled to
    // length 1; only with PredictionOptions::withEmbedding, and empty when `error` is set.
    std::vector<float> embedding;
};

struct PredictionOptions : InferenceSettings {
    int topK = 5;                // clamped to [1, number of classes]
    bool withEmbedding = false;  // fill ImagePrediction::embedding too (no extra forward pass)
};

// progress(done, total) counts images, failed ones included; called after every batch.
using PredictionProgress = std::function<void(std::int64_t done, std::int64_t total)>;

// The top-k classes of every file, one ImagePrediction per file in the same order, using the
// preprocessing recorded with the network (network.preprocessing(): loadEvaluationTensor's
// resize, centre crop and normalisation). `labels` name the outputs in order; outputs beyond
// them are named by their index. Unreadable images carry their error and are never fatal.
// Errors: the device cannot be used, `cancel` was set ("cancelled"), LibTorch failed. The
// network's training mode, device and layout are restored afterwards. `facts`, when given,
// receives what the run used (device, precision, layout) and its fp32 agreement check.
Result<std::vector<ImagePrediction>> predictImages(NetworkImpl& network,
                                                   const std::vector<std::filesystem::path>& files,
                                                   const std::vector<std::string>& labels,
                                                   const PredictionOptions& options = {},
                                                   const PredictionProgress& progress = {},
                                                   const std::atomic<bool>* cancel = nullptr,
                                                   InferenceFacts* facts = nullptr);

// A pretrained network as published, with its own classifier (e.g. ImageNet's 1000 classes),
// to preview what it predicts before any training. `weights` as NetworkChoice::weights except
// "none": "default", a .pth/.safetensors path or an http(s) URL. The class count comes from the
// file's classifier. classNames come from the file's "fovea.labels" metadata and are empty when
// it has none (predictImages then names classes by index). The preprocessing is the file's
// "fovea.preprocessing", else the catalogue's for a known file (matched by URL or file name),
// else the architecture's. Errors name the architecture or file and the problem.
Result<TrainedModel> loadPretrainedModel(const std::string& architecture,
                                         const std::string& weights,
                                         const DownloadProgressCallback& progress = {},
                                         const std::atomic<bool>* cancel = nullptr);

// {"path", "top": [{"index", "label", "probability"}...]} or {"path", "error"} per image.
nlohmann::json toJson(const ImagePrediction& prediction);

// One CSV row per image (RFC 4180, CRLF): path,label_1,probability_1,...,label_k,
// probability_k,error. A skipped image has empty label and probability cells and its error.
std::string predictionsCsv(const std::vector<ImagePrediction>& predictions, int topK);
// The same, written atomically to `file`.
Result<void> writePredictionsCsv(const std::filesystem::path& file,
                                 const std::vector<ImagePrediction>& predictions, int topK);

}  // namespace fovea::core
