#include "fovea/core/weights_import/keras_inception_import.h"

#include <cmath>
#include <map>
#include <set>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "../torch_compat.h"
#include "fovea/core/models/zoo.h"
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

constexpr const char* kArchitecture = "inception_v3_keras";
constexpr int64_t kInputSize = 299;

// One step of a branch, read from the block's input towards its concatenation:
//   "<name>"   a BasicConv2d of the torchvision block (Keras: Conv2D -> BatchNorm -> relu);
//   "@avg"     AveragePooling2D(3, strides 1, "same"); "@max" MaxPooling2D(3, strides 2);
//   "<a>|<b>"  the branch forks into convolutions a and b whose outputs Keras concatenates
//              (InceptionE's 1x3 / 3x1 pairs, Keras mixed9_0 and concatenate_1).
using Branch = std::vector<std::string>;

struct BlockPlan {
    std::string module;            // torchvision module, "" for the stem's top-level convs
    std::vector<Branch> branches;  // in torchvision's torch.cat order
};

std::vector<Branch> inceptionA() {
    return {{"branch1x1"},
            {"branch5x5_1", "branch5x5_2"},
            {"branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"},
            {"@avg", "branch_pool"}};
}
std::vector<Branch> inceptionC() {
    return {
        {"branch1x1"},
        {"branch7x7_1", "branch7x7_2", "branch7x7_3"},
        {"branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"},
        {"@avg", "branch_pool"}};
}
std::vector<Branch> inceptionE() {
    return {{"branch1x1"},
            {"branch3x3_1", "branch3x3_2a|branch3x3_2b"},
            {"branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3a|branch3x3dbl_3b"},
            {"@avg", "branch_pool"}};
}

// The mixed blocks from the top down (Keras mixed10 .. mixed0), the order the walk meets them.
std::vector<BlockPlan> mixedBlocks() {
    return {{"Mixed_7c", inceptionE()},
            {"Mixed_7b", inceptionE()},
            {"Mixed_7a",
             {{"branch3x3_1", "branch3x3_2"},
              {"branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"},
              {"@max"}}},
            {"Mixed_6e", inceptionC()},
            {"Mixed_6d", inceptionC()},
            {"Mixed_6c", inceptionC()},
            {"Mixed_6b", inceptionC()},
            {"Mixed_6a",
             {{"branch3x3"}, {"branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"}, {"@max"}}},
            {"Mixed_5d", inceptionA()},
            {"Mixed_5c", inceptionA()},
            {"Mixed_5b", inceptionA()}};
}

const BlockPlan kStem{"",
                      {{"Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "@max", "Conv2d_3b_1x1",
                        "Conv2d_4a_3x3", "@max"}}};

std::vector<int64_t> toVector(const torch::ExpandingArray<2>& array) {
    return at::IntArrayRef(array).vec();
}

// Walks the Keras graph backwards from the model's output and assigns every Conv2D and
// BatchNormalization to the torchvision module it becomes, checking each layer's settings
// against the network the weights will run in.
class GraphMatcher {
  public:
    GraphMatcher(const json& layers, const fs::path& file, NetworkImpl& network) : m_file(file) {
        for (const json& layer : layers) {
            m_layers[get<std::string>(layer, "name").value_or("")] = &layer;
        }
        for (const auto& item : network.named_modules()) m_modules[item.key()] = item.value();
    }

    const std::map<std::string, Target>& targets() const { return m_targets; }

    // The nsfwjs top: Dense(K, softmax) <- Dropout(0.25) <- Dense(128, relu) <- Dropout(0.5) <-
    // Dense(256, relu) <- Flatten <- AveragePooling2D(8) (global at 299 px) <- mixed10.
    // Returns the name of the layer that feeds it.
    Result<std::string> matchTop(const std::string& output, int64_t numClasses) {
        std::string name = output;
        const int64_t units[3] = {numClasses, 128, 256};
        const double dropouts[2] = {0.25, 0.5};
        for (int dense = 0; dense < 3; ++dense) {
            auto layer = find(name, "Dense");
            if (!layer) return layer.error();
            const json& config = configOf(*layer.value());
            const std::string activation = config.value("activation", "");
            if (config.value("units", int64_t{0}) != units[dense] ||
                activation != (dense == 0 ? "softmax" : "relu") ||
                !config.value("use_bias", false)) {
                return unexpected(name,
                                  "the nsfwjs top is Dense(256, relu) -> Dense(128, relu) "
                                  "-> Dense(5, softmax)");
            }
            m_targets[name] = Target{"fc." + std::to_string(6 - 3 * dense), Layout::kDense};
            name = inbound(*layer.value());
            if (dense == 2) break;
            auto dropout = find(name, "Dropout");
            if (!dropout) return dropout.error();
            if (std::abs(configOf(*dropout.value()).value("rate", 0.0) - dropouts[dense]) > 1e-9) {
                return unexpected(name, "dropout rate other than nsfwjs'");
            }
            name = inbound(*dropout.value());
        }
        auto flatten = find(name, "Flatten");
        if (!flatten) return flatten.error();
        name = inbound(*flatten.value());
        auto pool = find(name, "AveragePooling2D");
        if (!pool) return pool.error();
        // 8 x 8 pooling of the 8 x 8 map a 299-pixel input gives: global average pooling,
        // which the converted network does at any size.
        const json& config = configOf(*pool.value());
        if (get<std::vector<int>>(config, "pool_size") != std::vector<int>{8, 8} ||
            config.value("padding", "") != "valid") {
            return unexpected(name, "top pooling other than 8x8 \"valid\"");
        }
        return inbound(*pool.value());
    }

    // Matches the concatenation `output` as `plan`; returns the block's input layer.
    Result<std::string> matchBlock(const std::string& output, const BlockPlan& plan) {
        auto concat = find(output, "Concatenate");
        if (!concat) return concat.error();
        const auto inputs = tfjs::inboundNames(*concat.value());
        if (inputs.size() != plan.branches.size()) {
            return unexpected(output, "expected " + std::to_string(plan.branches.size()) +
                                          " branches for " + plan.module);
        }
        if (!isChannelAxis(*concat.value())) return unexpected(output, "not a channel concat");
        std::string blockInput;
        for (size_t index = 0; index < inputs.size(); ++index) {
            const Branch& branch = plan.branches[index];
            auto matched =
                matchSteps(inputs[index], branch, branch.size(), plan.module, blockInput);
            if (!matched) return matched.error();
        }
        return blockInput;
    }

    Result<void> matchStem(const std::string& output) {
        std::string input;
        const Branch& steps = kStem.branches.front();
        auto matched = matchSteps(output, steps, steps.size(), "", input);
        if (!matched) return matched.error();
        auto layer = find(input, "InputLayer");
        if (!layer) return layer.error();
        const auto shape = get<std::vector<json>>(configOf(*layer.value()), "batch_input_shape");
        if (!shape || shape->size() != 4 || (*shape)[1] != kInputSize ||
            (*shape)[2] != kInputSize || (*shape)[3] != 3) {
            return unexpected(input, "expected a [N, 299, 299, 3] RGB input");
        }
        return {};
    }

  private:
    static const json& configOf(const json& layer) {
        static const json empty = json::object();
        const json* config = member(layer, "config");
        return config ? *config : empty;
    }

    static std::string inbound(const json& layer) {
        const auto names = tfjs::inboundNames(layer);
        return names.size() == 1 ? names.front() : std::string();
    }

    static bool isChannelAxis(const json& layer) {
        const int axis = configOf(layer).value("axis", 0);
        return axis == -1 || axis == 3;
    }

    Error unexpected(const std::string& name, const std::string& why) const {
        const auto found = m_layers.find(name);
        const std::string kind = found == m_layers.end()
                                     ? "missing"
                                     : get<std::string>(*found->second, "class_name").value_or("");
        return fileError(m_file, "unexpected layer " + name + " (" + kind + "): " + why);
    }

    Result<const json*> find(const std::string& name, const std::string& kind) const {
        const auto found = m_layers.find(name);
        if (found == m_layers.end()) return unexpected(name, "expected a " + kind + " layer");
        if (get<std::string>(*found->second, "class_name").value_or("") != kind) {
            return unexpected(name, "expected " + kind + " here");
        }
        return found->second;
    }

    // Matches steps[0, count) of a branch, ending at layer `name`, backwards; all branches of a
    // block must start from the same layer, returned in `blockInput`.
    Result<void> matchSteps(const std::string& name, const Branch& steps, size_t count,
                            const std::string& module, std::string& blockInput) {
        if (count == 0) {
            if (blockInput.empty()) blockInput = name;
            if (name != blockInput) {
                return unexpected(name, (module.empty() ? std::string("the stem") : module) +
                                            ": branches start from different layers");
            }
            return {};
        }
        const std::string& step = steps[count - 1];
        if (step == "@avg" || step == "@max") {
            const bool average = step == "@avg";
            auto layer = find(name, average ? "AveragePooling2D" : "MaxPooling2D");
            if (!layer) return layer.error();
            const json& config = configOf(*layer.value());
            // torchvision: avg_pool2d(3, 1, padding 1) (count_include_pad=false in the Keras
            // variant) and max_pool2d(3, 2), i.e. TF "same" at stride 1 and "valid" at stride 2.
            const std::vector<int> strides =
                average ? std::vector<int>{1, 1} : std::vector<int>{2, 2};
            if (get<std::vector<int>>(config, "pool_size") != std::vector<int>{3, 3} ||
                get<std::vector<int>>(config, "strides") != strides ||
                config.value("padding", "") != (average ? "same" : "valid")) {
                return unexpected(name, average ? "expected 3x3 stride-1 \"same\" pooling"
                                                : "expected 3x3 stride-2 \"valid\" pooling");
            }
            return matchSteps(inbound(*layer.value()), steps, count - 1, module, blockInput);
        }
        if (const size_t bar = step.find('|'); bar != std::string::npos) {
            auto concat = find(name, "Concatenate");
            if (!concat) return concat.error();
            const auto inputs = tfjs::inboundNames(*concat.value());
            if (inputs.size() != 2 || !isChannelAxis(*concat.value())) {
                return unexpected(name, "expected the concatenation of two convolutions");
            }
            for (size_t side = 0; side < 2; ++side) {
                Branch fork(steps.begin(), steps.begin() + static_cast<ptrdiff_t>(count) - 1);
                fork.push_back(side == 0 ? step.substr(0, bar) : step.substr(bar + 1));
                auto matched = matchSteps(inputs[side], fork, fork.size(), module, blockInput);
                if (!matched) return matched.error();
            }
            return {};
        }
        const std::string path = module.empty() ? step : module + "." + step;
        auto activation = find(name, "Activation");
        if (!activation) return activation.error();
        if (configOf(*activation.value()).value("activation", "") != "relu") {
            return unexpected(name, "expected relu");
        }
        const std::string normName = inbound(*activation.value());
        auto norm = find(normName, "BatchNormalization");
        if (!norm) return norm.error();
        const json& normConfig = configOf(*norm.value());
        // torchvision's BasicConv2d uses Keras' epsilon already; Keras' InceptionV3 has no
        // gamma, which the importer replaces by ones.
        if (std::abs(normConfig.value("epsilon", 0.0) - 1e-3) > 1e-9 ||
            !normConfig.value("center", false) || normConfig.value("scale", true) ||
            !isChannelAxis(*norm.value())) {
            return unexpected(normName, "expected BatchNorm with eps 1e-3, beta and no gamma");
        }
        const std::string convName = inbound(*norm.value());
        auto conv = find(convName, "Conv2D");
        if (!conv) return conv.error();
        auto checked = checkConvolution(convName, configOf(*conv.value()), path + ".conv");
        if (!checked) return checked.error();
        auto assigned = assign(convName, Target{path + ".conv", Layout::kConv});
        if (!assigned) return assigned.error();
        assigned = assign(normName, Target{path + ".bn", Layout::kVector});
        if (!assigned) return assigned.error();
        return matchSteps(inbound(*conv.value()), steps, count - 1, module, blockInput);
    }

    // Kernel, stride and padding of a Keras Conv2D against the torchvision Conv2d at `path`:
    // "valid" is padding 0; "same" at stride 1 with an odd kernel is symmetric padding
    // (k - 1) / 2. A stride-2 "same" would need TF's asymmetric padding, which the network lacks.
    Result<void> checkConvolution(const std::string& name, const json& config,
                                  const std::string& path) const {
        const auto module = m_modules.find(path);
        auto* conv = module == m_modules.end() ? nullptr : module->second->as<torch::nn::Conv2d>();
        if (!conv) return unexpected(name, "no Conv2d " + path + " in " + kArchitecture);
        const auto& options = conv->options;
        const auto kernel = get<std::vector<int64_t>>(config, "kernel_size");
        const auto strides = get<std::vector<int64_t>>(config, "strides");
        const auto dilation = get<std::vector<int64_t>>(config, "dilation_rate");
        const std::string padding = config.value("padding", "");
        const std::vector<int64_t> torchKernel = toVector(options.kernel_size());
        const std::vector<int64_t> torchStride = toVector(options.stride());
        const auto* torchPadding =
            compat::variantGetIf<torch::ExpandingArray<2>>(&options.padding());
        if (!kernel || *kernel != torchKernel) {
            return unexpected(
                name, "kernel size differs from " + path + "'s " + tfjs::shapeText(torchKernel));
        }
        if (!strides || *strides != torchStride) {
            return unexpected(name, "strides differ from " + path + "'s");
        }
        if (dilation && *dilation != std::vector<int64_t>{1, 1}) {
            return unexpected(name, "dilated convolution");
        }
        if (config.value("use_bias", true) || config.value("activation", "") != "linear") {
            return unexpected(name, "expected a linear convolution without bias");
        }
        if (config.value("filters", int64_t{0}) != options.out_channels()) {
            return unexpected(name, "filters differ from " + path + "'s");
        }
        std::vector<int64_t> wanted;
        if (padding == "valid") {
            wanted = {0, 0};
        } else if (padding == "same" && torchStride == std::vector<int64_t>{1, 1} &&
                   torchKernel[0] % 2 == 1 && torchKernel[1] % 2 == 1) {
            wanted = {(torchKernel[0] - 1) / 2, (torchKernel[1] - 1) / 2};
        } else {
            return unexpected(name, "padding \"" + padding + "\" has no symmetric equivalent");
        }
        if (!torchPadding || toVector(*torchPadding) != wanted) {
            return unexpected(name, "padding \"" + padding + "\" differs from " + path + "'s");
        }
        return {};
    }

    Result<void> assign(const std::string& layer, const Target& target) {
        const auto [at, inserted] = m_targets.emplace(layer, target);
        // InceptionE's forks reach their shared first convolution twice.
        if (!inserted && at->second.key != target.key) {
            return unexpected(layer, "maps to both " + at->second.key + " and " + target.key);
        }
        if (inserted && !m_modulesUsed.insert(target.key).second) {
            return unexpected(layer, "a second layer for " + target.key);
        }
        return {};
    }

    fs::path m_file;
    std::map<std::string, const json*> m_layers;
    std::map<std::string, std::shared_ptr<torch::nn::Module>> m_modules;
    std::map<std::string, Target> m_targets;
    std::set<std::string> m_modulesUsed;
};

// Keras layer name -> torchvision target for every layer with weights; errors name the file.
Result<std::map<std::string, Target>> matchGraph(const json& model, const fs::path& file,
                                                 NetworkImpl& network, int64_t numClasses) {
    const json* layers = tfjs::modelLayers(model);
    if (!layers) return fileError(file, "no modelTopology.model_config.config.layers list");
    // Every layer must be one the converted network reproduces.
    const std::set<std::string> known{"InputLayer",  "Conv2D",       "BatchNormalization",
                                      "Activation",  "MaxPooling2D", "AveragePooling2D",
                                      "Concatenate", "Flatten",      "Dense",
                                      "Dropout"};
    size_t withWeights = 0;
    for (const json& layer : *layers) {
        const auto kind = get<std::string>(layer, "class_name").value_or("");
        if (!known.count(kind)) {
            return fileError(file, "unexpected layer " +
                                       get<std::string>(layer, "name").value_or("?") + " (" + kind +
                                       "): not part of InceptionV3");
        }
        if (kind == "Conv2D" || kind == "BatchNormalization" || kind == "Dense") ++withWeights;
    }
    std::string output;
    try {
        output = model.at("modelTopology")
                     .at("model_config")
                     .at("config")
                     .at("output_layers")
                     .at(0)
                     .at(0)
                     .get<std::string>();
    } catch (const json::exception&) {
        return fileError(file, "no output layer");
    }
    GraphMatcher matcher(*layers, file, network);
    auto below = matcher.matchTop(output, numClasses);
    if (!below) return below.error();
    std::string blockOutput = below.value();
    for (const BlockPlan& plan : mixedBlocks()) {
        auto input = matcher.matchBlock(blockOutput, plan);
        if (!input) return input.error();
        blockOutput = input.value();
    }
    auto stem = matcher.matchStem(blockOutput);
    if (!stem) return stem.error();
    // Layers with weights off the path from the input to the output would be silently dropped.
    if (matcher.targets().size() != withWeights) {
        return fileError(file, std::to_string(withWeights - matcher.targets().size()) +
                                   " layers with weights are not part of InceptionV3's graph");
    }
    return matcher.targets();
}

}  // namespace

Result<ImportedWeights> importNsfwjsInceptionV3(const fs::path& modelDir) {
    const fs::path modelFile = modelDir / "model.min.js";
    auto model = tfjs::readBundledLiteral(modelFile);
    if (!model) return model.error();
    const auto& labels = tfjs::nsfwjsLabels();
    const auto numClasses = static_cast<int64_t>(labels.size());
    auto created = createNetwork(kArchitecture, numClasses);
    if (!created) return created.error();
    NetworkImpl& network = *created.value();
    auto targets = matchGraph(model.value(), modelFile, network, numClasses);
    if (!targets) return targets.error();

    // The shapes the network holds, less the BatchNorm gammas Keras does not have.
    std::map<std::string, std::vector<int64_t>> expected;
    std::vector<std::string> gammas;
    for (const auto& item : network.named_parameters()) {
        const std::string& key = item.key();
        const bool gamma = key.size() > 10 && key.compare(key.size() - 10, 10, ".bn.weight") == 0;
        if (gamma) {
            gammas.push_back(key);
        } else {
            expected[key] = item.value().sizes().vec();
        }
    }
    for (const auto& item : network.named_buffers()) {
        const std::string& key = item.key();
        if (key.find("num_batches_tracked") == std::string::npos) {
            expected[key] = item.value().sizes().vec();
        }
    }
    auto stateDict =
        tfjs::convertWeights(model.value(), modelDir, modelFile, targets.value(), expected);
    if (!stateDict) return stateDict.error();

    ImportedWeights imported;
    imported.tensorCount = static_cast<int64_t>(stateDict.value().size());
    imported.stateDict = std::move(stateDict.value());
    for (const auto& key : gammas) {
        const auto* shape = imported.stateDict.find(key.substr(0, key.size() - 6) + "bias");
        if (!shape) return fileError(modelFile, "no beta for " + key);
        imported.stateDict.insert(key, torch::ones_like(*shape));
    }
    imported.classLabels = labels;
    // nsfwjs core.ts infer(): img.toFloat().div(255), then resizeBilinear to the model's size
    // (299 for InceptionV3, models/inception_v3.ts options.size) with alignCorners when the
    // image has another size. No mean, no std.
    imported.preprocessing.resizeShorterSide = static_cast<int>(kInputSize);
    imported.preprocessing.cropSize = static_cast<int>(kInputSize);
    imported.preprocessing.bicubic = false;
    imported.preprocessing.mean = {0.0f, 0.0f, 0.0f};
    imported.preprocessing.std = {1.0f, 1.0f, 1.0f};
    // Keras mixed5 is torchvision's Mixed_6c (mixed0 .. mixed10 = Mixed_5b .. Mixed_7c).
    imported.lastImageNetBlock = "Mixed_6c";
    return imported;
}

}  // namespace fovea::core
