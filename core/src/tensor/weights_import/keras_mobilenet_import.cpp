#include "fovea/core/weights_import/keras_mobilenet_import.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// nsfwjs/src/nsfw_classes.ts: the order of dense_3's outputs. The labels are not in the model
// files; the check that dense_3 has exactly this many units guards the pairing.
const std::vector<std::string> kNsfwjsLabels{"Drawing", "Hentai", "Neutral", "Porn", "Sexy"};

// The nsfwjs top after the pooled 1280 features: Dense(256, relu) -> Dropout(0.5) ->
// Dense(128, relu) -> Dropout(0.25) -> Dense(5, softmax). build::mobileNetV2Keras mirrors it.
const std::array<int64_t, 2> kHiddenUnits{256, 128};
constexpr int64_t kLastChannels = 1280;

// Blocks whose depthwise convolution has stride 2 (Keras pads them with ZeroPadding2D) and
// blocks with a residual Add: from MobileNetV2's Table 2 (Sandler et al., 2018).
const std::set<int> kStridedBlocks{1, 3, 6, 13};
const std::set<int> kResidualBlocks{2, 4, 5, 7, 8, 9, 11, 12, 14, 15};
constexpr int kBlockCount = 16;  // block_1 .. block_16 after expanded_conv

Error fileError(const fs::path& file, const std::string& problem) {
    return Error{file.string() + ": " + problem};
}

Result<std::string> readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fileError(file, "cannot open the file (is nsfwjs installed?)");
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) return fileError(file, "read error");
    return text.str();
}

bool isIdentifierStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool isIdentifierPart(char c) {
    return isIdentifierStart(c) || std::isdigit(static_cast<unsigned char>(c));
}
bool isNumberPart(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
           c == '-' || c == '+';
}

// The .min.js files are browserify bundles whose module 1 is `X.exports=<literal>`: a JS
// object for model.min.js, a base64 string for the shards. Returns the literal parsed as JSON.
Result<json> readBundledLiteral(const fs::path& file) {
    auto text = readText(file);
    if (!text) return text.error();
    const std::string& source = text.value();
    const size_t module = source.find("{1:[function(");
    const size_t exportsAt =
        module == std::string::npos ? std::string::npos : source.find(".exports=", module);
    if (exportsAt == std::string::npos) {
        return fileError(file, "not a browserify-wrapped TensorFlow.js file (no module.exports)");
    }
    const size_t start = exportsAt + std::string(".exports=").size();
    auto converted = javascriptLiteralToJson(std::string_view(source).substr(start));
    if (!converted) return fileError(file, converted.error().message);
    try {
        return json::parse(converted.value());
    } catch (const json::exception& error) {
        return fileError(file, std::string("malformed model data: ") + error.what());
    }
}

Result<std::vector<uint8_t>> decodeBase64(const std::string& text, const fs::path& file) {
    std::array<int, 256> values{};
    values.fill(-1);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t index = 0; index < alphabet.size(); ++index) {
        values[static_cast<unsigned char>(alphabet[index])] = static_cast<int>(index);
    }
    std::vector<uint8_t> bytes;
    bytes.reserve(text.size() / 4 * 3);
    uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        if (c == '=') break;
        const int value = values[static_cast<unsigned char>(c)];
        if (value < 0) return fileError(file, "invalid base64 weight data");
        buffer = (buffer << 6) | static_cast<uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<uint8_t>((buffer >> bits) & 0xff));
        }
    }
    return bytes;
}

// How a Keras variable becomes a torchvision tensor.
enum class Layout { kConv, kDepthwise, kDense, kVector };

struct Target {
    std::string key;
    Layout layout;
};

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

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string text = "[";
    for (size_t index = 0; index < shape.size(); ++index) {
        text += (index ? ", " : "") + std::to_string(shape[index]);
    }
    return text + "]";
}

const json* member(const json& object, const char* name) {
    if (!object.is_object()) return nullptr;
    const auto found = object.find(name);
    return found == object.end() ? nullptr : &*found;
}

template <class T>
std::optional<T> get(const json& object, const char* name) {
    const json* value = member(object, name);
    if (!value) return std::nullopt;
    try {
        return value->get<T>();
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

// Name of the layer feeding `layer` (Keras functional-model inbound_nodes[0][0][0]).
std::string inboundName(const json& layer) {
    const json* nodes = member(layer, "inbound_nodes");
    try {
        if (nodes && !nodes->empty()) return nodes->at(0).at(0).at(0).get<std::string>();
    } catch (const json::exception&) {
    }
    return {};
}

// Walks the Keras layer list: every layer must be one the converted network reproduces.
// Returns Keras layer name -> torchvision target for the layers that own weights.
Result<std::map<std::string, Target>> checkTopology(const json& model, const fs::path& file,
                                                    int64_t numClasses) {
    const json* layers = nullptr;
    if (const json* topology = member(model, "modelTopology")) {
        if (const json* modelConfig = member(*topology, "model_config")) {
            if (const json* config = member(*modelConfig, "config")) {
                layers = member(*config, "layers");
            }
        }
    }
    if (!layers || !layers->is_array()) {
        return fileError(file, "no modelTopology.model_config.config.layers list");
    }
    std::map<std::string, Target> targets;
    std::map<std::string, std::string> classOf;  // layer name -> Keras class
    std::set<int> residuals;
    std::vector<std::string> denseLayers;
    std::vector<double> dropouts;
    for (const json& layer : *layers) {
        const auto name = get<std::string>(layer, "name").value_or("");
        const auto kind = get<std::string>(layer, "class_name").value_or("");
        const json config = member(layer, "config") ? *member(layer, "config") : json::object();
        classOf[name] = kind;
        auto unexpected = [&](const std::string& why) {
            return fileError(file, "unexpected layer " + name + " (" + kind + "): " + why);
        };
        if (kind == "InputLayer") {
            const auto shape = get<std::vector<json>>(config, "batch_input_shape");
            if (!shape || shape->size() != 4 || shape->back() != 3) {
                return unexpected("expected an RGB [N, H, W, 3] input");
            }
        } else if (kind == "ZeroPadding2D") {
            // Keras' correct_pad for a 224-pixel input: TF "same" for stride 2 puts the one
            // padding pixel at the bottom and right only.
            if (config.value("padding", json()) != json::parse("[[0,1],[0,1]]")) {
                return unexpected("padding other than ((0, 1), (0, 1))");
            }
        } else if (kind == "Conv2D" || kind == "DepthwiseConv2D") {
            auto target = bodyTarget(name);
            const bool depthwise = kind == "DepthwiseConv2D";
            if (!target || (target->layout == Layout::kDepthwise) != depthwise) {
                return unexpected("not a MobileNetV2 convolution");
            }
            if (config.value("use_bias", true)) return unexpected("convolution with a bias");
            if (depthwise && config.value("depth_multiplier", 1) != 1) {
                return unexpected("depth multiplier other than 1");
            }
            const auto strides = get<std::vector<int>>(config, "strides");
            const int block = blockNumber(name, "depthwise");
            const bool strided = name == "Conv1" || (depthwise && kStridedBlocks.count(block));
            const std::vector<int> wanted =
                strided ? std::vector<int>{2, 2} : std::vector<int>{1, 1};
            if (!strides || *strides != wanted)
                return unexpected("strides other than MobileNetV2's");
            if (strided && (config.value("padding", "") != "valid" ||
                            classOf[inboundName(layer)] != "ZeroPadding2D")) {
                return unexpected("a stride-2 convolution without the explicit TF padding");
            }
            if (!strided && depthwise && config.value("padding", "") != "same") {
                return unexpected("a depthwise convolution without \"same\" padding");
            }
            targets[name] = *target;
        } else if (kind == "BatchNormalization") {
            auto target = bodyTarget(name);
            if (!target || target->layout != Layout::kVector) {
                return unexpected("not the BatchNorm of a MobileNetV2 convolution");
            }
            // build::mobileNetV2Keras uses Keras' epsilon; a different one would silently shift
            // every activation.
            if (std::abs(config.value("epsilon", 0.0) - 1e-3) > 1e-9) {
                return unexpected("epsilon other than 1e-3");
            }
            if (!config.value("center", true) || !config.value("scale", true)) {
                return unexpected("BatchNorm without beta or gamma");
            }
            targets[name] = *target;
        } else if (kind == "ReLU") {
            if (config.value("max_value", 0.0) != 6.0 || config.value("negative_slope", 0.0) != 0 ||
                config.value("threshold", 0.0) != 0) {
                return unexpected("not a ReLU6");
            }
        } else if (kind == "Add") {
            const int block = blockNumber(name, "add");
            if (!kResidualBlocks.count(block)) return unexpected("residual in the wrong block");
            residuals.insert(block);
        } else if (kind == "AveragePooling2D") {
            // 7 x 7 pooling of the 7 x 7 map a 224-pixel input gives: global average pooling,
            // which the converted network does at any size.
            const auto pool = get<std::vector<int>>(config, "pool_size");
            if (!pool || *pool != std::vector<int>{7, 7}) return unexpected("pool other than 7x7");
        } else if (kind == "GlobalAveragePooling2D" || kind == "Flatten") {
        } else if (kind == "Dense") {
            const size_t index = denseLayers.size();
            const bool last = index == kHiddenUnits.size();
            const int64_t units = config.value("units", int64_t{0});
            const std::string activation = config.value("activation", "");
            if (index > kHiddenUnits.size() || units != (last ? numClasses : kHiddenUnits[index]) ||
                activation != (last ? "softmax" : "relu") || !config.value("use_bias", false)) {
                return unexpected(
                    "the nsfwjs top is Dense(256, relu) -> Dense(128, relu) -> "
                    "Dense(5, softmax)");
            }
            targets[name] = Target{"classifier." + std::to_string(3 * index), Layout::kDense};
            denseLayers.push_back(name);
        } else if (kind == "Dropout") {
            dropouts.push_back(config.value("rate", 0.0));
        } else {
            return unexpected("not part of MobileNetV2");
        }
    }
    if (denseLayers.size() != kHiddenUnits.size() + 1) {
        return fileError(
            file, "expected 3 Dense layers on top, found " + std::to_string(denseLayers.size()));
    }
    if (residuals != kResidualBlocks) return fileError(file, "residual connections missing");
    return targets;
}

Result<std::vector<uint8_t>> readShards(const json& group, const fs::path& modelDir,
                                        const fs::path& modelFile) {
    const auto paths = get<std::vector<std::string>>(group, "paths");
    if (!paths || paths->empty()) return fileError(modelFile, "weight group without paths");
    std::vector<uint8_t> bytes;
    for (const auto& path : *paths) {
        // nsfwjs bundles each shard as <path>.min.js next to model.min.js.
        const fs::path shardFile = modelDir / (fs::path(path).filename().string() + ".min.js");
        auto literal = readBundledLiteral(shardFile);
        if (!literal) return literal.error();
        if (!literal.value().is_string()) {
            return fileError(shardFile, "expected the base64 weight string");
        }
        auto decoded = decodeBase64(literal.value().get<std::string>(), shardFile);
        if (!decoded) return decoded.error();
        bytes.insert(bytes.end(), decoded.value().begin(), decoded.value().end());
    }
    return bytes;
}

// tfjs-core io_utils decodeWeights: quantized values are q * scale + min, computed in double
// (JavaScript numbers) and stored as float32; the same here keeps the two bit-identical.
Result<torch::Tensor> dequantize(const json& spec, const std::vector<uint8_t>& bytes,
                                 size_t& offset, const fs::path& file) {
    const auto name = get<std::string>(spec, "name").value_or("?");
    const auto shape = get<std::vector<int64_t>>(spec, "shape");
    if (!shape) return fileError(file, name + ": no shape");
    int64_t count = 1;
    for (const int64_t size : *shape) count *= size;
    const json* quantization = member(spec, "quantization");
    const std::string dtype =
        quantization ? quantization->value("dtype", "") : spec.value("dtype", "");
    const size_t width = dtype == "uint8" ? 1 : dtype == "uint16" ? 2 : dtype == "float32" ? 4 : 0;
    if (width == 0 || (!quantization && dtype != "float32") ||
        spec.value("dtype", "") != "float32") {
        return fileError(file, name + ": unsupported weight encoding " + dtype);
    }
    if (offset + width * static_cast<size_t>(count) > bytes.size()) {
        return fileError(file, name + ": weight data ends early (file truncated?)");
    }
    auto tensor = torch::empty({count}, torch::kFloat32);
    float* out = tensor.data_ptr<float>();
    const uint8_t* in = bytes.data() + offset;
    if (width == 4) {
        std::memcpy(out, in, sizeof(float) * static_cast<size_t>(count));  // little-endian
    } else {
        const double min = quantization->value("min", 0.0);
        const double scale = quantization->value("scale", 0.0);
        for (int64_t index = 0; index < count; ++index) {
            const double q = width == 1 ? in[index] : in[2 * index] | (in[2 * index + 1] << 8);
            out[index] = static_cast<float>(q * scale + min);
        }
    }
    offset += width * static_cast<size_t>(count);
    return tensor.view(*shape);
}

torch::Tensor toTorchLayout(const torch::Tensor& keras, Layout layout) {
    switch (layout) {
        case Layout::kConv:  // [kh, kw, in, out] -> [out, in, kh, kw]
            return keras.permute({3, 2, 0, 1}).contiguous();
        case Layout::kDepthwise:  // [kh, kw, C, 1] -> [C, 1, kh, kw]
            return keras.permute({2, 3, 0, 1}).contiguous();
        case Layout::kDense:  // [in, out] -> [out, in]; a bias is 1-D and stays
            return keras.dim() == 2 ? keras.t().contiguous() : keras;
        case Layout::kVector:
            break;
    }
    return keras;
}

std::optional<std::string> parameterName(const std::string& variable, Layout layout) {
    static const std::map<std::string, std::string> kNames{{"kernel", "weight"},
                                                           {"depthwise_kernel", "weight"},
                                                           {"bias", "bias"},
                                                           {"gamma", "weight"},
                                                           {"beta", "bias"},
                                                           {"moving_mean", "running_mean"},
                                                           {"moving_variance", "running_var"}};
    const auto found = kNames.find(variable);
    if (found == kNames.end()) return std::nullopt;
    const bool isKernel = variable == "kernel" || variable == "depthwise_kernel";
    if (layout == Layout::kVector && isKernel) return std::nullopt;
    if (layout != Layout::kVector && layout != Layout::kDense && !isKernel) return std::nullopt;
    if (layout == Layout::kDense && variable != "kernel" && variable != "bias") return std::nullopt;
    return found->second;
}

}  // namespace

Result<std::string> javascriptLiteralToJson(std::string_view text, size_t* consumed) {
    std::string out;
    out.reserve(text.size());
    size_t at = 0;
    int depth = 0;
    auto fail = [&](const std::string& problem) {
        return Error{problem + " at offset " + std::to_string(at) + " of the literal"};
    };
    auto skipSpace = [&] {
        while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    };
    // A key is a value followed by ':'; JSON wants every key quoted.
    auto followedByColon = [&] {
        size_t next = at;
        while (next < text.size() && std::isspace(static_cast<unsigned char>(text[next]))) ++next;
        return next < text.size() && text[next] == ':';
    };
    do {
        skipSpace();
        if (at >= text.size()) return fail("unexpected end");
        const char c = text[at];
        if (c == '{' || c == '[') {
            ++depth;
            out += c;
            ++at;
        } else if (c == '}' || c == ']') {
            if (--depth < 0) return fail("unbalanced brackets");
            out += c;
            ++at;
        } else if (c == ',' || c == ':') {
            out += c;
            ++at;
        } else if (c == '"' || c == '\'') {
            out += '"';
            for (++at; at < text.size() && text[at] != c; ++at) {
                const char d = text[at];
                if (d == '\\' && at + 1 < text.size()) {
                    const char e = text[++at];
                    if (e == '\'') {
                        out += '\'';
                    } else if (e == 'x' && at + 2 < text.size()) {
                        out += "\\u00";
                        out += text.substr(at + 1, 2);
                        at += 2;
                    } else if (e == 'v') {
                        out += "\\u000b";
                    } else if (e == '0') {
                        out += "\\u0000";
                    } else {
                        out += '\\';
                        out += e;
                    }
                } else if (d == '"') {
                    out += "\\\"";
                } else {
                    out += d;
                }
            }
            if (at >= text.size()) return fail("unterminated string");
            out += '"';
            ++at;
        } else if (c == '!' && at + 1 < text.size() &&
                   (text[at + 1] == '0' || text[at + 1] == '1')) {
            out += text[at + 1] == '0' ? "true" : "false";  // minifiers write !0 and !1
            at += 2;
        } else if (c == '-' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
            const size_t begin = at;
            while (at < text.size() && isNumberPart(text[at])) ++at;
            std::string number(text.substr(begin, at - begin));
            const size_t digits = number[0] == '-' ? 1 : 0;
            if (digits < number.size() && number[digits] == '.') number.insert(digits, "0");
            if (number.back() == '.') number += '0';
            if (followedByColon()) number = '"' + number + '"';
            out += number;
        } else if (isIdentifierStart(c)) {
            const size_t begin = at;
            while (at < text.size() && isIdentifierPart(text[at])) ++at;
            const std::string word(text.substr(begin, at - begin));
            if (followedByColon()) {
                out += '"' + word + '"';
            } else if (word == "true" || word == "false" || word == "null") {
                out += word;
            } else if (word == "void") {  // void 0 is undefined; JSON has only null
                skipSpace();
                if (at >= text.size() || text[at] != '0') return fail("unexpected 'void'");
                ++at;
                out += "null";
            } else {
                return fail("unsupported value '" + word + "'");
            }
        } else {
            return fail(std::string("unexpected character '") + c + "'");
        }
    } while (depth > 0);
    if (consumed) *consumed = at;
    return out;
}

Result<ImportedWeights> importNsfwjsMobileNetV2(const fs::path& modelDir) {
    const fs::path modelFile = modelDir / "model.min.js";
    auto model = readBundledLiteral(modelFile);
    if (!model) return model.error();
    const int64_t numClasses = static_cast<int64_t>(kNsfwjsLabels.size());
    auto targets = checkTopology(model.value(), modelFile, numClasses);
    if (!targets) return targets.error();
    const json* manifest = member(model.value(), "weightsManifest");
    if (!manifest || !manifest->is_array() || manifest->empty()) {
        return fileError(modelFile, "no weightsManifest");
    }

    ImportedWeights imported;
    const auto expected = expectedShapes(numClasses);
    try {
        for (const json& group : *manifest) {
            auto bytes = readShards(group, modelDir, modelFile);
            if (!bytes) return bytes.error();
            // Data problems are reported against the shard, layout problems against the model.
            const auto shardPaths = get<std::vector<std::string>>(group, "paths");
            const fs::path shardFile =
                modelDir / (fs::path(shardPaths->back()).filename().string() + ".min.js");
            const json* specs = member(group, "weights");
            if (!specs || !specs->is_array())
                return fileError(modelFile, "weight group without weights");
            size_t offset = 0;
            for (const json& spec : *specs) {
                auto keras = dequantize(spec, bytes.value(), offset, shardFile);
                if (!keras) return keras.error();
                const std::string name = spec.value("name", "");
                const size_t slash = name.find('/');
                const auto target = slash == std::string::npos
                                        ? targets.value().end()
                                        : targets.value().find(name.substr(0, slash));
                const auto parameter =
                    target == targets.value().end()
                        ? std::nullopt
                        : parameterName(name.substr(slash + 1), target->second.layout);
                if (!parameter) return fileError(modelFile, "unexpected weight " + name);
                const std::string key = target->second.key + "." + *parameter;
                torch::Tensor tensor = toTorchLayout(keras.value(), target->second.layout);
                const auto wanted = expected.find(key);
                if (wanted == expected.end())
                    return fileError(modelFile, "unexpected weight " + name);
                if (tensor.sizes().vec() != wanted->second) {
                    return fileError(modelFile, "shape mismatch: " + name + " " +
                                                    shapeText(keras.value().sizes().vec()) +
                                                    " gives " + key + " " +
                                                    shapeText(tensor.sizes().vec()) +
                                                    ", expected " + shapeText(wanted->second));
                }
                if (imported.stateDict.contains(key)) {
                    return fileError(modelFile, "weight " + name + " appears twice");
                }
                imported.stateDict.insert(key, tensor);
            }
            if (offset != bytes.value().size()) {
                return fileError(shardFile, "the weight shards hold " +
                                                std::to_string(bytes.value().size() - offset) +
                                                " bytes more than the manifest describes");
            }
        }
    } catch (const c10::Error& error) {
        return fileError(modelFile, error.what_without_backtrace());
    }
    std::vector<std::string> missing;
    for (const auto& [key, shape] : expected) {
        if (!imported.stateDict.contains(key)) missing.push_back(key);
    }
    if (!missing.empty()) {
        return fileError(modelFile, std::to_string(missing.size()) + " weights missing, e.g. " +
                                        missing.front());
    }

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
