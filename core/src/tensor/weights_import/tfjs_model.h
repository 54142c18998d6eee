#pragma once

// Internal to fovea_weights_import: reading the TensorFlow.js layers models that nsfwjs bundles
// (model.min.js + base64 weight shards) and turning Keras variables into torchvision tensors.
// Shared by the Keras MobileNetV2 and InceptionV3 importers, which differ only in how Keras layer
// names map to torchvision module paths.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core::tfjs {

// nsfwjs/src/nsfw_classes.ts: the order of dense_3's outputs in every nsfwjs model. The labels
// are not in the model files; the importers' check that dense_3 has exactly this many units
// guards the pairing.
const std::vector<std::string>& nsfwjsLabels();

Error fileError(const std::filesystem::path& file, const std::string& problem);

// The .min.js files are browserify bundles whose module 1 is `X.exports=<literal>`: a JS
// object for model.min.js, a base64 string for the shards. Returns the literal parsed as JSON.
Result<nlohmann::json> readBundledLiteral(const std::filesystem::path& file);

const nlohmann::json* member(const nlohmann::json& object, const char* name);

template <class T>
std::optional<T> get(const nlohmann::json& object, const char* name) {
    const nlohmann::json* value = member(object, name);
    if (!value) return std::nullopt;
    try {
        return value->get<T>();
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

std::string shapeText(const std::vector<int64_t>& shape);

// modelTopology.model_config.config.layers, or null when the file has no such list.
const nlohmann::json* modelLayers(const nlohmann::json& model);

// Names of the layers feeding `layer` (Keras functional-model inbound_nodes[0][i][0]).
std::vector<std::string> inboundNames(const nlohmann::json& layer);

// How a Keras variable becomes a torchvision tensor.
enum class Layout { kConv, kDepthwise, kDense, kVector };

// torchvision module path (without the parameter name) of a Keras layer that owns weights.
struct Target {
    std::string key;
    Layout layout;
};

// Reads every weight group of the model's weightsManifest from its shards in `modelDir`,
// dequantises them (min + scale * q), renames them through `targets` (Keras layer name ->
// module path; kernel -> weight, gamma/beta/moving_* -> BatchNorm's names) and checks each
// against `expected` (torchvision key -> shape). Unknown weights, shape mismatches, leftover
// shard bytes and keys of `expected` that the file does not provide are errors.
Result<StateDict> convertWeights(const nlohmann::json& model, const std::filesystem::path& modelDir,
                                 const std::filesystem::path& modelFile,
                                 const std::map<std::string, Target>& targets,
                                 const std::map<std::string, std::vector<int64_t>>& expected);

}  // namespace fovea::core::tfjs
