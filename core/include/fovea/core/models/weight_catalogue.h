#pragma once

#include <string>
#include <vector>

#include <cstdint>

#include "fovea/core/models/preprocessing.h"

namespace fovea::core {

// A published set of pretrained weights for one architecture: torchvision's official files, and
// the offline default converted from an npm package (no URL: it needs no internet).
struct WeightSource {
    std::string architecture;  // zoo name, e.g. "resnet18"
    std::string name;          // torchvision's enum name, e.g. "IMAGENET1K_V1"
    std::string url;           // empty for the offline default
    // The SHA-256 prefix torchvision embeds in the file name and checks on download.
    std::string sha256;
    Preprocessing preprocessing;  // what these weights were trained with
    int64_t numClasses = 1000;
    double imagenetTop1 = 0.0;  // published ImageNet-1k top-1 accuracy, percent; 0 if none
    std::string origin;         // where the file comes from, for people
};

// The offline default: nsfwjs' Keras MobileNetV2, converted to safetensors by packaging/setup.sh
// into dataDirectory()/weights/ under this file name.
inline constexpr const char* kOfflineDefaultWeightsFile = "mobilenet_v2_keras-nsfwjs.safetensors";

// Whether a weights choice names a download (http:// or https://) rather than a file.
inline bool isWeightUrl(const std::string& weights) {
    return weights.rfind("http://", 0) == 0 || weights.rfind("https://", 0) == 0;
}

// Every known source; for each architecture the recommended one comes first.
const std::vector<WeightSource>& weightCatalogue();
std::vector<WeightSource> weightSourcesFor(const std::string& architecture);

}  // namespace fovea::core
