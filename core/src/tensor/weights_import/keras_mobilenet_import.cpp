#include "fovea/core/weights_import/keras_mobilenet_import.h"

#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "tfjs_model.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tfjs::fileError;
using tfjs::get;
using tfjs::Layout;
using tfjs::member;
using tfjs::Target;

const std::vector<std::string>& kNsfwjsLabels = tfjs::nsfwjsLabels();

// The nsfwjs top after the pooled 1280 features: Dense(256, relu) -> Dropout(0.5) ->
// Dense(128, relu) -> Dropout(0.25) -> Dense(5, softmax). build::mobileNetV2Keras mirrors it.
const std::array<int64_t, 2> kHiddenUnits{256, 128};
constexpr int64_t kLastChannels = 1280;

// Blocks whose depthwise convolution has stride 2 (Keras pads them with ZeroPadding2D) and
// blocks with a residual Add: from MobileNetV2's Table 2 (Sandler et al., 2018).
const std::set<int> kStridedBlocks{1, 3, 6, 13};
const std::set<int> kResidualBlocks{2, 4, 5, 7, 8, 9, 11, 12, 14, 15};
constexpr int kBlockCount = 16;  // block_1 .. block_16 after expanded_conv

// "block_3_depthwise" -> 3; -1 when `name` is not block_<k>_<suffix>.
int blockNumber(const std::string& name, const std::string& suffix) {
    const std::string prefix = "block_";
    if (name.compare(0, prefix.size(), prefix) != 0) return -1;
    const size_t end = name.find('_', prefix.size());
    if (end == std::string::npos || name.substr(end + 1) != suffix) return -1;
    const std::string digits = name.substr(prefix.size(), end - prefix.size());
    if (digits.empty() || digits.size() > 2) return -1;
    for (const char c : digits) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    }
    const int number = std::stoi(digits);
    return number >= 1 && number <= kBlockCount ? number : -1;
}

// torchvision module path of a Keras body layer (convolution or its BatchNorm), or nullopt.
// features.1 is Keras' expanded_conv (no expansion: conv.0 depthwise, conv.1 project, conv.2
// its BN); features.k+1 is block_k (conv.0 expand, conv.1 depthwise, conv.2 project, conv.3 BN).
std::optional<Target> bodyTarget(const std::string& layer) {
    if (layer == "Conv1") return Target{"features.0.0", Layout::kConv};
    if (layer == "bn_Conv1") return Target{"features.0.1", Layout::kVector};
    if (layer == "expanded_conv_depthwise")
        return Target{"features.1.conv.0.0", Layout::kDepthwise};
    if (layer == "expanded_conv_depthwise_BN")
        return Target{"features.1.conv.0.1", Layout::kVector};
    if (layer == "expanded_conv_project") return Target{"features.1.conv.1", Layout::kConv};
    if (layer == "expanded_conv_project_BN") return Target{"features.1.conv.2", Layout::kVector};
    if (layer == "Conv_1") return Target{"features.18.0", Layout::kConv};
    if (layer == "Conv_1_bn") return Target{"features.18.1", Layout::kVector};
    const std::vector<std::pair<std::string, Target>> parts{
        {"expand", {"conv.0.0", Layout::kConv}},
        {"expand_BN", {"conv.0.1", Layout::kVector}},
        {"depthwise", {"conv.1.0", Layout::kDepthwise}},
        {"depthwise_BN", {"conv.1.1", Layout::kVector}},
        {"project", {"conv.2", Layout::kConv}},
        {"project_BN", {"conv.3", Layout::kVector}}};
    for (const auto& [suffix, part] : parts) {
        const int block = blockNumber(layer, suffix);
        if (block > 0) {
            return Target{"features." + std::to_string(block + 1) + "." + part.key, part.layout};
        }
    }
    return std::nullopt;
}

// Expected torchvision keys and shapes of the converted network: the check that the file holds
// exactly alpha-1.0 MobileNetV2 with the nsfwjs top, before anything is used.
std::map<std::string, std::vector<int64_t>> expectedShapes(int64_t numClasses) {
    std::map<std::string, std::vector<int64_t>> shapes;
    auto norm = [&](const std::string& prefix, int64_t channels) {
        for (const char* name : {"weight", "bias", "running_mean", "running_var"}) {
            shapes[prefix + "." + name] = {channels};
        }
    };
    shapes["features.0.0.weight"] = {32, 3, 3, 3};
    norm("features.0.1", 32);
    const int64_t settings[7][3] = {{1, 16, 1}, {6, 24, 2},  {6, 32, 3}, {6, 64, 4},
                                    {6, 96, 3}, {6, 160, 3}, {6, 320, 1}};  // t, c, n
    int64_t in = 32;
    int feature = 1;
    for (const auto& setting : settings) {
        for (int64_t repeat = 0; repeat < setting[2]; ++repeat, ++feature) {
            const std::string prefix = "features." + std::to_string(feature) + ".conv.";
            const int64_t hidden = in * setting[0];
            int index = 0;
            if (setting[0] != 1) {
                shapes[prefix + "0.0.weight"] = {hidden, in, 1, 1};
                norm(prefix + "0.1", hidden);
                index = 1;
            }
            shapes[prefix + std::to_string(index) + ".0.weight"] = {hidden, 1, 3, 3};
            norm(prefix + std::to_string(index) + ".1", hidden);
            shapes[prefix + std::to_string(index + 1) + ".weight"] = {setting[1], hidden, 1, 1};
            norm(prefix + std::to_string(index + 2), setting[1]);
            in = setting[1];
        }
    }
    shapes["features.18.0.weight"] = {kLastChannels, in, 1, 1};
    norm("features.18.1", kLastChannels);
    const std::array<int64_t, 4> widths{kLastChannels, kHiddenUnits[0], kHiddenUnits[1],
                                        numClasses};
    for (int dense = 0; dense < 3; ++dense) {
        const std::string prefix = "classifier." + std::to_string(3 * dense);
        shapes[prefix + ".weight"] = {widths[dense + 1], widths[dense]};
        shapes[prefix + ".bias"] = {widths[dense + 1]};
    }
    return shapes;
}

// Why a Keras layer is not one the converted network reproduces; nullopt when it is.
using Problem = std::optional<std::string>;

Problem checkInputLayer(const json& config) {
    const auto shape = get<std::vector<json>>(config, "batch_input_shape");
    if (!shape || shape->size() != 4 || shape->back() != 3) {
        return "expected an RGB [N, H, W, 3] input";
    }
    return std::nullopt;
}

Problem checkZeroPadding(const json& config) {
    // Keras' correct_pad for a 224-pixel input: TF "same" for stride 2 puts the one
    // padding pixel at the bottom and right only.
    if (config.value("padding", json()) != json::parse("[[0,1],[0,1]]")) {
        return "padding other than ((0, 1), (0, 1))";
    }
    return std::nullopt;
}

Problem checkRelu(const json& config) {
    if (config.value("max_value", 0.0) != 6.0 || config.value("negative_slope", 0.0) != 0 ||
        config.value("threshold", 0.0) != 0) {
        return "not a ReLU6";
    }
    return std::nullopt;
}

Problem checkAveragePooling(const json& config) {
    // 7 x 7 pooling of the 7 x 7 map a 224-pixel input gives: global average pooling,
    // which the converted network does at any size.
    const auto pool = get<std::vector<int>>(config, "pool_size");
    if (!pool || *pool != std::vector<int>{7, 7}) return "pool other than 7x7";
    return std::nullopt;
}

// Walks the Keras layer list in order (a convolution's check looks back at its input layer)
// and collects Keras layer name -> torchvision target for the layers that own weights.
class TopologyChecker {
  public:
    explicit TopologyChecker(int64_t numClasses) : m_numClasses(numClasses) {}

    Problem check(const json& layer, const std::string& name, const std::string& kind) {
        const json config = member(layer, "config") ? *member(layer, "config") : json::object();
        m_classOf[name] = kind;
        if (kind == "InputLayer") return checkInputLayer(config);
        if (kind == "ZeroPadding2D") return checkZeroPadding(config);
        if (kind == "Conv2D" || kind == "DepthwiseConv2D") {
            return checkConvolution(layer, name, kind == "DepthwiseConv2D", config);
        }
        if (kind == "BatchNormalization") return checkBatchNorm(name, config);
        if (kind == "ReLU") return checkRelu(config);
        if (kind == "Add") return checkResidual(name);
        if (kind == "AveragePooling2D") return checkAveragePooling(config);
        if (kind == "GlobalAveragePooling2D" || kind == "Flatten") return std::nullopt;
        if (kind == "Dense") return checkDense(name, config);
        if (kind == "Dropout") {
            m_dropouts.push_back(config.value("rate", 0.0));
            return std::nullopt;
        }
        return "not part of MobileNetV2";
    }

    // The targets, once every layer passed: the checks that need the whole list.
    Result<std::map<std::string, Target>> completeTargets(const fs::path& file) const {
        if (m_denseLayers.size() != kHiddenUnits.size() + 1) {
            return fileError(file, "expected 3 Dense layers on top, found " +
                                       std::to_string(m_denseLayers.size()));
        }
        if (m_residuals != kResidualBlocks) return fileError(file, "residual connections missing");
        return m_targets;
    }

  private:
    Problem checkConvolution(const json& layer, const std::string& name, bool depthwise,
                             const json& config) {
        auto target = bodyTarget(name);
        if (!target || (target->layout == Layout::kDepthwise) != depthwise) {
            return "not a MobileNetV2 convolution";
        }
        if (config.value("use_bias", true)) return "convolution with a bias";
        if (depthwise && config.value("depth_multiplier", 1) != 1) {
            return "depth multiplier other than 1";
        }
        const auto strides = get<std::vector<int>>(config, "strides");
        const int block = blockNumber(name, "depthwise");
        const bool strided = name == "Conv1" || (depthwise && kStridedBlocks.count(block));
        const std::vector<int> wanted = strided ? std::vector<int>{2, 2} : std::vector<int>{1, 1};
        if (!strides || *strides != wanted) return "strides other than MobileNetV2's";
        const auto inbound = tfjs::inboundNames(layer);
        if (strided &&
            (config.value("padding", "") != "valid" ||
             m_classOf[inbound.empty() ? std::string() : inbound.front()] != "ZeroPadding2D")) {
            return "a stride-2 convolution without the explicit TF padding";
        }
        if (!strided && depthwise && config.value("padding", "") != "same") {
            return "a depthwise convolution without \"same\" padding";
        }
        m_targets[name] = *target;
        return std::nullopt;
    }

    Problem checkBatchNorm(const std::string& name, const json& config) {
        auto target = bodyTarget(name);
        if (!target || target->layout != Layout::kVector) {
            return "not the BatchNorm of a MobileNetV2 convolution";
        }
        // build::mobileNetV2Keras uses Keras' epsilon; a different one would silently shift
        // every activation.
        if (std::abs(config.value("epsilon", 0.0) - 1e-3) > 1e-9) return "epsilon other than 1e-3";
        if (!config.value("center", true) || !config.value("scale", true)) {
            return "BatchNorm without beta or gamma";
        }
        m_targets[name] = *target;
        return std::nullopt;
    }

    Problem checkResidual(const std::string& name) {
        const int block = blockNumber(name, "add");
        if (!kResidualBlocks.count(block)) return "residual in the wrong block";
        m_residuals.insert(block);
        return std::nullopt;
    }

    Problem checkDense(const std::string& name, const json& config) {
        const size_t index = m_denseLayers.size();
        const bool last = index == kHiddenUnits.size();
        const int64_t units = config.value("units", int64_t{0});
        const std::string activation = config.value("activation", "");
        if (index > kHiddenUnits.size() || units != (last ? m_numClasses : kHiddenUnits[index]) ||
            activation != (last ? "softmax" : "relu") || !config.value("use_bias", false)) {
            return "the nsfwjs top is Dense(256, relu) -> Dense(128, relu) -> Dense(5, softmax)";
        }
        m_targets[name] = Target{"classifier." + std::to_string(3 * index), Layout::kDense};
        m_denseLayers.push_back(name);
        return std::nullopt;
    }

    int64_t m_numClasses;
    std::map<std::string, Target> m_targets;
    std::map<std::string, std::string> m_classOf;  // layer name -> Keras class
    std::set<int> m_residuals;
    std::vector<std::string> m_denseLayers;
    std::vector<double> m_dropouts;
};

// Walks the Keras layer list: every layer must be one the converted network reproduces.
// Returns Keras layer name -> torchvision target for the layers that own weights.
Result<std::map<std::string, Target>> checkTopology(const json& model, const fs::path& file,
                                                    int64_t numClasses) {
    const json* layers = tfjs::modelLayers(model);
    if (!layers) return fileError(file, "no modelTopology.model_config.config.layers list");
    TopologyChecker checker(numClasses);
    for (const json& layer : *layers) {
        const auto name = get<std::string>(layer, "name").value_or("");
        const auto kind = get<std::string>(layer, "class_name").value_or("");
        if (const Problem problem = checker.check(layer, name, kind)) {
            return fileError(file, "unexpected layer " + name + " (" + kind + "): " + *problem);
        }
    }
    return checker.completeTargets(file);
}

}  // namespace

Result<ImportedWeights> importNsfwjsMobileNetV2(const fs::path& modelDir) {
    const fs::path modelFile = modelDir / "model.min.js";
    auto model = tfjs::readBundledLiteral(modelFile);
    if (!model) return model.error();
    const int64_t numClasses = static_cast<int64_t>(kNsfwjsLabels.size());
    auto targets = checkTopology(model.value(), modelFile, numClasses);
    if (!targets) return targets.error();
    auto stateDict = tfjs::convertWeights(model.value(), modelDir, modelFile, targets.value(),
                                          expectedShapes(numClasses));
    if (!stateDict) return stateDict.error();
    ImportedWeights imported;
    imported.stateDict = std::move(stateDict.value());
    imported.tensorCount = static_cast<int64_t>(imported.stateDict.size());
    imported.classLabels = kNsfwjsLabels;
    // nsfwjs core.ts infer(): img.toFloat().div(255), then resizeBilinear to 224 x 224 with
    // alignCorners (a squash, not a crop) when the image has another size. No mean, no std.
    imported.preprocessing.resizeShorterSide = 224;
    imported.preprocessing.cropSize = 224;
    imported.preprocessing.bicubic = false;
    imported.preprocessing.mean = {0.0f, 0.0f, 0.0f};
    imported.preprocessing.std = {1.0f, 1.0f, 1.0f};
    return imported;
}

}  // namespace fovea::core