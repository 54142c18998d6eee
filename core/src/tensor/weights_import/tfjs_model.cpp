#include "tfjs_model.h"

#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "fovea/core/atomic_file.h"
#include "fovea/core/weights_import/keras_mobilenet_import.h"

namespace fovea::core {
namespace tfjs {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string>& nsfwjsLabels() {
    static const std::vector<std::string> labels{"Drawing", "Hentai", "Neutral", "Porn", "Sexy"};
    return labels;
}

Error fileError(const fs::path& file, const std::string& problem) {
    return Error{file.string() + ": " + problem};
}

namespace {

Result<std::string> readText(const fs::path& file) {
    auto text = files::readWholeFile(file);
    if (!text) return fileError(file, "cannot open the file (is nsfwjs installed?)");
    return text;
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

const json* modelLayers(const json& model) {
    if (const json* topology = member(model, "modelTopology")) {
        if (const json* modelConfig = member(*topology, "model_config")) {
            if (const json* config = member(*modelConfig, "config")) {
                const json* layers = member(*config, "layers");
                return layers && layers->is_array() ? layers : nullptr;
            }
        }
    }
    return nullptr;
}

std::vector<std::string> inboundNames(const json& layer) {
    std::vector<std::string> names;
    const json* nodes = member(layer, "inbound_nodes");
    try {
        if (nodes && !nodes->empty()) {
            for (const json& inbound : nodes->at(0)) {
                names.push_back(inbound.at(0).get<std::string>());
            }
        }
    } catch (const json::exception&) {
        names.clear();
    }
    return names;
}

namespace {

// Renames one dequantised Keras variable through `targets`, checks it against `expected` and
// adds it to `stateDict`.
Result<void> addWeight(const json& spec, const torch::Tensor& keras,
                       const std::map<std::string, Target>& targets,
                       const std::map<std::string, std::vector<int64_t>>& expected,
                       const fs::path& modelFile, StateDict& stateDict) {
    const std::string name = spec.value("name", "");
    const size_t slash = name.find('/');
    const auto target =
        slash == std::string::npos ? targets.end() : targets.find(name.substr(0, slash));
    const auto parameter = target == targets.end()
                               ? std::nullopt
                               : parameterName(name.substr(slash + 1), target->second.layout);
    if (!parameter) return fileError(modelFile, "unexpected weight " + name);
    const std::string key = target->second.key + "." + *parameter;
    torch::Tensor tensor = toTorchLayout(keras, target->second.layout);
    const auto wanted = expected.find(key);
    if (wanted == expected.end()) return fileError(modelFile, "unexpected weight " + name);
    if (tensor.sizes().vec() != wanted->second) {
        return fileError(modelFile, "shape mismatch: " + name + " " +
                                        shapeText(keras.sizes().vec()) + " gives " + key + " " +
                                        shapeText(tensor.sizes().vec()) + ", expected " +
                                        shapeText(wanted->second));
    }
    if (stateDict.contains(key)) {
        return fileError(modelFile, "weight " + name + " appears twice");
    }
    stateDict.insert(key, tensor);
    return {};
}

// One weightsManifest group: its shards, read and dequantised in the order of its specs.
Result<void> convertGroup(const json& group, const fs::path& modelDir, const fs::path& modelFile,
                          const std::map<std::string, Target>& targets,
                          const std::map<std::string, std::vector<int64_t>>& expected,
                          StateDict& stateDict) {
    auto bytes = readShards(group, modelDir, modelFile);
    if (!bytes) return bytes.error();
    // Data problems are reported against the shard, layout problems against the model.
    const auto shardPaths = get<std::vector<std::string>>(group, "paths");
    const fs::path shardFile =
        modelDir / (fs::path(shardPaths->back()).filename().string() + ".min.js");
    const json* specs = member(group, "weights");
    if (!specs || !specs->is_array()) return fileError(modelFile, "weight group without weights");
    size_t offset = 0;
    for (const json& spec : *specs) {
        auto keras = dequantize(spec, bytes.value(), offset, shardFile);
        if (!keras) return keras.error();
        auto added = addWeight(spec, keras.value(), targets, expected, modelFile, stateDict);
        if (!added) return added.error();
    }
    if (offset != bytes.value().size()) {
        return fileError(shardFile, "the weight shards hold " +
                                        std::to_string(bytes.value().size() - offset) +
                                        " bytes more than the manifest describes");
    }
    return {};
}

Result<void> checkNoneMissing(const StateDict& stateDict,
                              const std::map<std::string, std::vector<int64_t>>& expected,
                              const fs::path& modelFile) {
    std::vector<std::string> missing;
    for (const auto& [key, shape] : expected) {
        if (!stateDict.contains(key)) missing.push_back(key);
    }
    if (!missing.empty()) {
        return fileError(modelFile, std::to_string(missing.size()) + " weights missing, e.g. " +
                                        missing.front());
    }
    return {};
}

}  // namespace

Result<StateDict> convertWeights(const json& model, const fs::path& modelDir,
                                 const fs::path& modelFile,
                                 const std::map<std::string, Target>& targets,
                                 const std::map<std::string, std::vector<int64_t>>& expected) {
    const json* manifest = member(model, "weightsManifest");
    if (!manifest || !manifest->is_array() || manifest->empty()) {
        return fileError(modelFile, "no weightsManifest");
    }
    StateDict stateDict;
    try {
        for (const json& group : *manifest) {
            auto converted = convertGroup(group, modelDir, modelFile, targets, expected, stateDict);
            if (!converted) return converted.error();
        }
    } catch (const c10::Error& error) {
        return fileError(modelFile, error.what_without_backtrace());
    }
    auto complete = checkNoneMissing(stateDict, expected, modelFile);
    if (!complete) return complete.error();
    return stateDict;
}

}  // namespace tfjs

namespace {

// Rewrites one JavaScript literal as minifiers write it into JSON text: unquoted and numeric
// keys quoted, '...' strings as "...", !0 / !1 as true / false, void 0 as null.
class JavascriptLiteralConverter {
  public:
    explicit JavascriptLiteralConverter(std::string_view text) : m_text(text) {
        m_out.reserve(text.size());
    }

    Result<std::string> convert(size_t* consumed) {
        do {
            skipSpace();
            if (m_at >= m_text.size()) return fail("unexpected end");
            if (auto converted = convertToken(m_text[m_at]); !converted) return converted.error();
        } while (m_depth > 0);
        if (consumed) *consumed = m_at;
        return std::move(m_out);
    }

  private:
    Result<void> convertToken(char c) {
        if (c == '{' || c == '[') {
            ++m_depth;
            m_out += c;
            ++m_at;
        } else if (c == '}' || c == ']') {
            if (--m_depth < 0) return fail("unbalanced brackets");
            m_out += c;
            ++m_at;
        } else if (c == ',' || c == ':') {
            m_out += c;
            ++m_at;
        } else if (c == '"' || c == '\'') {
            return convertString(c);
        } else if (c == '!' && m_at + 1 < m_text.size() &&
                   (m_text[m_at + 1] == '0' || m_text[m_at + 1] == '1')) {
            m_out += m_text[m_at + 1] == '0' ? "true" : "false";  // minifiers write !0 and !1
            m_at += 2;
        } else if (c == '-' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
            convertNumber();
        } else if (tfjs::isIdentifierStart(c)) {
            return convertWord();
        } else {
            return fail(std::string("unexpected character '") + c + "'");
        }
        return {};
    }

    Result<void> convertString(char quote) {
        m_out += '"';
        for (++m_at; m_at < m_text.size() && m_text[m_at] != quote; ++m_at) {
            const char d = m_text[m_at];
            if (d == '\\' && m_at + 1 < m_text.size()) {
                convertEscape(m_text[++m_at]);
            } else if (d == '"') {
                m_out += "\\\"";
            } else {
                m_out += d;
            }
        }
        if (m_at >= m_text.size()) return fail("unterminated string");
        m_out += '"';
        ++m_at;
        return {};
    }

    // The escapes JavaScript has and JSON lacks; the others are the same in both.
    void convertEscape(char e) {
        if (e == '\'') {
            m_out += '\'';
        } else if (e == 'x' && m_at + 2 < m_text.size()) {
            m_out += "\\u00";
            m_out += m_text.substr(m_at + 1, 2);
            m_at += 2;
        } else if (e == 'v') {
            m_out += "\\u000b";
        } else if (e == '0') {
            m_out += "\\u0000";
        } else {
            m_out += '\\';
            m_out += e;
        }
    }

    void convertNumber() {
        const size_t begin = m_at;
        while (m_at < m_text.size() && tfjs::isNumberPart(m_text[m_at])) ++m_at;
        std::string number(m_text.substr(begin, m_at - begin));
        const size_t digits = number[0] == '-' ? 1 : 0;
        if (digits < number.size() && number[digits] == '.') number.insert(digits, "0");
        if (number.back() == '.') number += '0';
        if (followedByColon()) number = '"' + number + '"';
        m_out += number;
    }

    Result<void> convertWord() {
        const size_t begin = m_at;
        while (m_at < m_text.size() && tfjs::isIdentifierPart(m_text[m_at])) ++m_at;
        const std::string word(m_text.substr(begin, m_at - begin));
        if (followedByColon()) {
            m_out += '"' + word + '"';
        } else if (word == "true" || word == "false" || word == "null") {
            m_out += word;
        } else if (word == "void") {  // void 0 is undefined; JSON has only null
            skipSpace();
            if (m_at >= m_text.size() || m_text[m_at] != '0') return fail("unexpected 'void'");
            ++m_at;
            m_out += "null";
        } else {
            return fail("unsupported value '" + word + "'");
        }
        return {};
    }

    void skipSpace() {
        while (m_at < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_at]))) {
            ++m_at;
        }
    }

    // A key is a value followed by ':'; JSON wants every key quoted.
    bool followedByColon() const {
        size_t next = m_at;
        while (next < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[next]))) {
            ++next;
        }
        return next < m_text.size() && m_text[next] == ':';
    }

    Error fail(const std::string& problem) const {
        return Error{problem + " at offset " + std::to_string(m_at) + " of the literal"};
    }

    std::string_view m_text;
    std::string m_out;
    size_t m_at = 0;
    int m_depth = 0;
};

}  // namespace

Result<std::string> javascriptLiteralToJson(std::string_view text, size_t* consumed) {
    return JavascriptLiteralConverter(text).convert(consumed);
}

}  // namespace fovea::core
