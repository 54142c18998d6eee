// Inception-v3 (Szegedy et al., "Rethinking the Inception Architecture for Computer Vision",
// 2015), laid out as torchvision's inception.py with its defaults: aux_logits=True (the
// auxiliary classifier exists, so its weights load), transform_input off unless asked for.
// inceptionV3Keras is the same network laid out as keras.applications builds it (see
// keras_variants.h).
#include <cmath>

#include "architectures.h"
#include "keras_variants.h"
#include "layers.h"

namespace fovea::core::build {
namespace {

using torch::ExpandingArray;
using torch::nn::Conv2dOptions;

// torch.nn.init.trunc_normal_ (LibTorch 1.13 has none), by the same inverse-CDF method: a
// uniform draw between the CDF values of the bounds, mapped back through erfinv.
void truncNormal(torch::Tensor& tensor, double std, double low, double high) {
    torch::NoGradGuard noGrad;
    const auto cdf = [](double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; };
    const double lower = cdf(low / std);
    const double upper = cdf(high / std);
    tensor.uniform_(2.0 * lower - 1.0, 2.0 * upper - 1.0);
    tensor.erfinv_();
    tensor.mul_(std * std::sqrt(2.0));
    tensor.clamp_(low, high);
}

// torchvision's BasicConv2d: "conv" (no bias) -> "bn" (eps 0.001) -> ReLU.
class BasicConv2dImpl : public torch::nn::Module {
  public:
    BasicConv2dImpl(int64_t in, int64_t out, ExpandingArray<2> kernel, ExpandingArray<2> stride = 1,
                    ExpandingArray<2> padding = 0)
        : conv(register_module(
              "conv",
              torch::nn::Conv2d(
                  Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)))),
          bn(register_module("bn",
                             layers::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(0.001)))) {}
    torch::Tensor forward(torch::Tensor x) { return torch::relu(bn(conv(x))); }

  private:
    torch::nn::Conv2d conv;
    layers::BatchNorm2d bn;
};
TORCH_MODULE(BasicConv2d);

// torchvision's layout is the default; weights converted from Keras need TensorFlow's average
// pooling, no auxiliary classifier and the nsfwjs top (see keras_variants.h).
struct InceptionV3Options {
    std::string architecture = "inception_v3";
    bool transformInput = false;
    // Keras' AveragePooling2D(3, strides=1, padding="same") divides by the number of real pixels
    // under the window; torchvision's avg_pool2d(3, 1, 1) counts the zero padding too, which
    // changes every border pixel of the pooling branches.
    bool poolExcludesPadding = false;
    bool auxLogits = true;   // Keras' InceptionV3 has no auxiliary classifier
    bool nsfwjsTop = false;  // fc: 2048 -> 256 -> 128 -> K instead of Dropout -> Linear(2048, K)
};

// The unit of every Inception block: named BasicConv2d members, each registered under
// torchvision's attribute name.
class InceptionBlock : public torch::nn::Module {
  public:
    explicit InceptionBlock(bool poolExcludesPadding = false)
        : m_poolExcludesPadding(poolExcludesPadding) {}

  protected:
    BasicConv2d add(const std::string& name, int64_t in, int64_t out, ExpandingArray<2> kernel,
                    ExpandingArray<2> stride = 1, ExpandingArray<2> padding = 0) {
        return register_module(name, BasicConv2d(in, out, kernel, stride, padding));
    }
    torch::Tensor averagePool(const torch::Tensor& x) const {
        return torch::avg_pool2d(x, 3, /*stride=*/1, /*padding=*/1, /*ceil_mode=*/false,
                                 /*count_include_pad=*/!m_poolExcludesPadding);
    }

  private:
    bool m_poolExcludesPadding;
};

class InceptionAImpl : public InceptionBlock {
  public:
    InceptionAImpl(int64_t in, int64_t poolFeatures, bool poolExcludesPadding)
        : InceptionBlock(poolExcludesPadding),
          branch1x1(add("branch1x1", in, 64, 1)),
          branch5x5_1(add("branch5x5_1", in, 48, 1)),
          branch5x5_2(add("branch5x5_2", 48, 64, 5, 1, 2)),
          branch3x3dbl_1(add("branch3x3dbl_1", in, 64, 1)),
          branch3x3dbl_2(add("branch3x3dbl_2", 64, 96, 3, 1, 1)),
          branch3x3dbl_3(add("branch3x3dbl_3", 96, 96, 3, 1, 1)),
          branch_pool(add("branch_pool", in, poolFeatures, 1)) {}
    torch::Tensor forward(torch::Tensor x) {
        return torch::cat(
            {branch1x1(x), branch5x5_2(branch5x5_1(x)),
             branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))), branch_pool(averagePool(x))},
            1);
    }

  private:
    BasicConv2d branch1x1, branch5x5_1, branch5x5_2, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3,
        branch_pool;
};
TORCH_MODULE(InceptionA);

class InceptionBImpl : public InceptionBlock {
  public:
    explicit InceptionBImpl(int64_t in)
        : branch3x3(add("branch3x3", in, 384, 3, 2)),
          branch3x3dbl_1(add("branch3x3dbl_1", in, 64, 1)),
          branch3x3dbl_2(add("branch3x3dbl_2", 64, 96, 3, 1, 1)),
          branch3x3dbl_3(add("branch3x3dbl_3", 96, 96, 3, 2)) {}
    torch::Tensor forward(torch::Tensor x) {
        return torch::cat({branch3x3(x), branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))),
                           torch::max_pool2d(x, 3, 2)},
                          1);
    }

  private:
    BasicConv2d branch3x3, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3;
};
TORCH_MODULE(InceptionB);

class InceptionCImpl : public InceptionBlock {
  public:
    InceptionCImpl(int64_t in, int64_t c7, bool poolExcludesPadding)
        : InceptionBlock(poolExcludesPadding),
          branch1x1(add("branch1x1", in, 192, 1)),
          branch7x7_1(add("branch7x7_1", in, c7, 1)),
          branch7x7_2(add("branch7x7_2", c7, c7, {1, 7}, 1, {0, 3})),
          branch7x7_3(add("branch7x7_3", c7, 192, {7, 1}, 1, {3, 0})),
          branch7x7dbl_1(add("branch7x7dbl_1", in, c7, 1)),
          branch7x7dbl_2(add("branch7x7dbl_2", c7, c7, {7, 1}, 1, {3, 0})),
          branch7x7dbl_3(add("branch7x7dbl_3", c7, c7, {1, 7}, 1, {0, 3})),
          branch7x7dbl_4(add("branch7x7dbl_4", c7, c7, {7, 1}, 1, {3, 0})),
          branch7x7dbl_5(add("branch7x7dbl_5", c7, 192, {1, 7}, 1, {0, 3})),
          branch_pool(add("branch_pool", in, 192, 1)) {}
    torch::Tensor forward(torch::Tensor x) {
        auto branch7x7 = branch7x7_3(branch7x7_2(branch7x7_1(x)));
        auto branch7x7dbl = branch7x7dbl_1(x);
        branch7x7dbl = branch7x7dbl_3(branch7x7dbl_2(branch7x7dbl));
        branch7x7dbl = branch7x7dbl_5(branch7x7dbl_4(branch7x7dbl));
        return torch::cat({branch1x1(x), branch7x7, branch7x7dbl, branch_pool(averagePool(x))}, 1);
    }

  private:
    BasicConv2d branch1x1, branch7x7_1, branch7x7_2, branch7x7_3, branch7x7dbl_1, branch7x7dbl_2,
        branch7x7dbl_3, branch7x7dbl_4, branch7x7dbl_5, branch_pool;
};
TORCH_MODULE(InceptionC);

class InceptionDImpl : public InceptionBlock {
  public:
    explicit InceptionDImpl(int64_t in)
        : branch3x3_1(add("branch3x3_1", in, 192, 1)),
          branch3x3_2(add("branch3x3_2", 192, 320, 3, 2)),
          branch7x7x3_1(add("branch7x7x3_1", in, 192, 1)),
          branch7x7x3_2(add("branch7x7x3_2", 192, 192, {1, 7}, 1, {0, 3})),
          branch7x7x3_3(add("branch7x7x3_3", 192, 192, {7, 1}, 1, {3, 0})),
          branch7x7x3_4(add("branch7x7x3_4", 192, 192, 3, 2)) {}
    torch::Tensor forward(torch::Tensor x) {
        auto branch7x7x3 = branch7x7x3_2(branch7x7x3_1(x));
        branch7x7x3 = branch7x7x3_4(branch7x7x3_3(branch7x7x3));
        return torch::cat({branch3x3_2(branch3x3_1(x)), branch7x7x3, torch::max_pool2d(x, 3, 2)},
                          1);
    }

  private:
    BasicConv2d branch3x3_1, branch3x3_2, branch7x7x3_1, branch7x7x3_2, branch7x7x3_3,
        branch7x7x3_4;
};
TORCH_MODULE(InceptionD);

class InceptionEImpl : public InceptionBlock {
  public:
    InceptionEImpl(int64_t in, bool poolExcludesPadding)
        : InceptionBlock(poolExcludesPadding),
          branch1x1(add("branch1x1", in, 320, 1)),
          branch3x3_1(add("branch3x3_1", in, 384, 1)),
          branch3x3_2a(add("branch3x3_2a", 384, 384, {1, 3}, 1, {0, 1})),
          branch3x3_2b(add("branch3x3_2b", 384, 384, {3, 1}, 1, {1, 0})),
          branch3x3dbl_1(add("branch3x3dbl_1", in, 448, 1)),
          branch3x3dbl_2(add("branch3x3dbl_2", 448, 384, 3, 1, 1)),
          branch3x3dbl_3a(add("branch3x3dbl_3a", 384, 384, {1, 3}, 1, {0, 1})),
          branch3x3dbl_3b(add("branch3x3dbl_3b", 384, 384, {3, 1}, 1, {1, 0})),
          branch_pool(add("branch_pool", in, 192, 1)) {}
    torch::Tensor forward(torch::Tensor x) {
        auto branch3x3 = branch3x3_1(x);
        branch3x3 = torch::cat({branch3x3_2a(branch3x3), branch3x3_2b(branch3x3)}, 1);
        auto branch3x3dbl = branch3x3dbl_2(branch3x3dbl_1(x));
        branch3x3dbl =
            torch::cat({branch3x3dbl_3a(branch3x3dbl), branch3x3dbl_3b(branch3x3dbl)}, 1);
        return torch::cat({branch1x1(x), branch3x3, branch3x3dbl, branch_pool(averagePool(x))}, 1);
    }

  private:
    BasicConv2d branch1x1, branch3x3_1, branch3x3_2a, branch3x3_2b, branch3x3dbl_1, branch3x3dbl_2,
        branch3x3dbl_3a, branch3x3dbl_3b, branch_pool;
};
TORCH_MODULE(InceptionE);

// The auxiliary classifier on Mixed_6e. Kept so that torchvision's state dicts (which always
// hold it) load; this network never runs it: its forward returns the main logits only, as
// torchvision's does in eval mode. It needs 17x17 maps (299 px inputs) to run at all.
class InceptionAuxImpl : public InceptionBlock {
  public:
    InceptionAuxImpl(int64_t in, int64_t numClasses)
        : conv0(add("conv0", in, 128, 1)),
          conv1(add("conv1", 128, 768, 5)),
          fc(register_module("fc", torch::nn::Linear(768, numClasses))) {}
    torch::Tensor forward(torch::Tensor x) {
        x = conv1(conv0(torch::avg_pool2d(x, 5, 3)));
        return fc(torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1));
    }

  private:
    BasicConv2d conv0, conv1;
    torch::nn::Linear fc;
};
TORCH_MODULE(InceptionAux);

class InceptionV3Impl : public NetworkImpl {
  public:
    InceptionV3Impl(int64_t numClasses, const InceptionV3Options& options)
        : NetworkImpl(options.architecture, Preprocessing{}, numClasses),
          m_transformInput(options.transformInput),
          m_nsfwjsTop(options.nsfwjsTop) {
        const bool tf = options.poolExcludesPadding;
        Conv2d_1a_3x3 = register_module("Conv2d_1a_3x3", BasicConv2d(3, 32, 3, 2));
        Conv2d_2a_3x3 = register_module("Conv2d_2a_3x3", BasicConv2d(32, 32, 3));
        Conv2d_2b_3x3 = register_module("Conv2d_2b_3x3", BasicConv2d(32, 64, 3, 1, 1));
        Conv2d_3b_1x1 = register_module("Conv2d_3b_1x1", BasicConv2d(64, 80, 1));
        Conv2d_4a_3x3 = register_module("Conv2d_4a_3x3", BasicConv2d(80, 192, 3));
        std::vector<BlockSpec> blocks{{"stem",
                                       {"Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3",
                                        "Conv2d_3b_1x1", "Conv2d_4a_3x3"}}};
        const auto mixed = [&](const std::string& name, torch::nn::AnyModule module) {
            register_module(name, module.ptr());
            m_mixed.push_back(std::move(module));
            blocks.push_back({name, {name}});
        };
        mixed("Mixed_5b", torch::nn::AnyModule(InceptionA(192, 32, tf)));
        mixed("Mixed_5c", torch::nn::AnyModule(InceptionA(256, 64, tf)));
        mixed("Mixed_5d", torch::nn::AnyModule(InceptionA(288, 64, tf)));
        mixed("Mixed_6a", torch::nn::AnyModule(InceptionB(288)));
        mixed("Mixed_6b", torch::nn::AnyModule(InceptionC(768, 128, tf)));
        mixed("Mixed_6c", torch::nn::AnyModule(InceptionC(768, 160, tf)));
        mixed("Mixed_6d", torch::nn::AnyModule(InceptionC(768, 160, tf)));
        mixed("Mixed_6e", torch::nn::AnyModule(InceptionC(768, 192, tf)));
        // Where torchvision branches off the auxiliary classifier. Its output Linear depends on
        // the class count, so it belongs with the head (skipped alike when loading weights with
        // another class count); its convolutions are a block of their own.
        if (options.auxLogits) {
            AuxLogits = register_module("AuxLogits", InceptionAux(768, numClasses));
            m_auxIndex = blocks.size();
            blocks.push_back({"AuxLogits", {"AuxLogits.conv0", "AuxLogits.conv1"}});
        }
        mixed("Mixed_7a", torch::nn::AnyModule(InceptionD(768)));
        mixed("Mixed_7b", torch::nn::AnyModule(InceptionE(1280, tf)));
        mixed("Mixed_7c", torch::nn::AnyModule(InceptionE(2048, tf)));
        if (m_nsfwjsTop) {
            // nsfwjs' Keras top: Dense(256, relu) -> Dropout(0.5) -> Dense(128, relu) ->
            // Dropout(0.25) -> Dense(K, softmax), on the 8 x 8 average pool that is global at 299
            // px; the softmax stays outside, as for every zoo network's logits.
            layers::Sequence top;
            top->push_back(torch::nn::Linear(2048, 256));
            top->push_back(torch::nn::ReLU(true));
            top->push_back(torch::nn::Dropout(0.5));
            top->push_back(torch::nn::Linear(256, 128));
            top->push_back(torch::nn::ReLU(true));
            top->push_back(torch::nn::Dropout(0.25));
            top->push_back(torch::nn::Linear(128, numClasses));
            fc = torch::nn::AnyModule(register_module("fc", top));
        } else {
            fc = torch::nn::AnyModule(register_module("fc", torch::nn::Linear(2048, numClasses)));
        }
        blocks.push_back({"head", options.auxLogits ? std::vector<std::string>{"fc", "AuxLogits.fc"}
                                                    : std::vector<std::string>{"fc"}});
        initialise();
        setBlocks(blocks);
    }

    int64_t featureDim() const override { return 2048; }

  protected:
    torch::Tensor runBlock(size_t index, torch::Tensor x) override {
        if (index == 0) {
            if (m_transformInput) x = transformInput(x);
            x = Conv2d_2b_3x3(Conv2d_2a_3x3(Conv2d_1a_3x3(x)));
            x = torch::max_pool2d(x, 3, 2);
            x = Conv2d_4a_3x3(Conv2d_3b_1x1(x));
            return torch::max_pool2d(x, 3, 2);
        }
        // The auxiliary classifier's output is not used.
        if (AuxLogits && index == m_auxIndex) return x;
        if (index == blockCount() - 1) {
            x = torch::adaptive_avg_pool2d(x, {1, 1});
            // The nsfwjs top has no dropout between the pooled features and its first Dense.
            if (!m_nsfwjsTop) x = torch::dropout(x, kDropout, is_training());
            return fc.forward(torch::flatten(x, 1));
        }
        const size_t mixedIndex = index - 1 - (AuxLogits && index > m_auxIndex ? 1 : 0);
        return m_mixed[mixedIndex].forward(x);
    }

    std::string installHead(std::shared_ptr<torch::nn::Module> head) override {
        // The nsfwjs hidden layers were fitted to its own classes: a new head replaces them all,
        // leaving torchvision's layout (functional dropout -> head at "fc").
        m_nsfwjsTop = false;
        replace_module("fc", head);
        fc = layers::anyHead(head);
        return "fc";
    }

    // torchvision initialises every Linear weight with trunc_normal_(std=0.1, a=-2, b=2) and
    // leaves the bias as nn.Linear initialised it.
    void initHeadLinear(torch::nn::Module& linear) const override {
        auto* layer = linear.as<torch::nn::Linear>();
        layer->reset_parameters();
        truncNormal(layer->weight, 0.1, -2.0, 2.0);
    }

  private:
    static constexpr double kDropout = 0.5;

    // torchvision's init_weights=True: truncated normal (std 0.1, bounds +-2) for every Conv2d
    // and Linear weight, std 0.001 for AuxLogits.fc (the only layer whose stddev attribute the
    // loop sees: AuxLogits.conv1's sits on the BasicConv2d, not on its Conv2d); BatchNorm 1, 0.
    void initialise() {
        for (const auto& item : named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
            if (auto* conv = item.value()->as<torch::nn::Conv2d>()) {
                truncNormal(conv->weight, 0.1, -2.0, 2.0);
            } else if (auto* linear = item.value()->as<torch::nn::Linear>()) {
                truncNormal(linear->weight, item.key() == "AuxLogits.fc" ? 0.001 : 0.1, -2.0, 2.0);
            } else {
                torch::NoGradGuard noGrad;
                layers::initBatchNormOnesZeros(*item.value());
            }
        }
    }

    // torchvision's _transform_input: re-normalises ImageNet-normalised input to the [-1, 1]
    // scaling Google's original weights were trained with.
    static torch::Tensor transformInput(const torch::Tensor& x) {
        const auto channel = [&](int64_t index, double std, double mean) {
            return torch::unsqueeze(x.select(1, index), 1) * (std / 0.5) + (mean - 0.5) / 0.5;
        };
        return torch::cat(
            {channel(0, 0.229, 0.485), channel(1, 0.224, 0.456), channel(2, 0.225, 0.406)}, 1);
    }

    bool m_transformInput;
    bool m_nsfwjsTop;
    BasicConv2d Conv2d_1a_3x3{nullptr}, Conv2d_2a_3x3{nullptr}, Conv2d_2b_3x3{nullptr},
        Conv2d_3b_1x1{nullptr}, Conv2d_4a_3x3{nullptr};
    std::vector<torch::nn::AnyModule> m_mixed;
    InceptionAux AuxLogits{nullptr};
    size_t m_auxIndex = 0;
    torch::nn::AnyModule fc;
};

}  // namespace

NetworkPtr inceptionV3(int64_t numClasses, bool transformInput) {
    InceptionV3Options options;
    options.transformInput = transformInput;
    return std::make_shared<InceptionV3Impl>(numClasses, options);
}

NetworkPtr inceptionV3Keras(int64_t numClasses) {
    InceptionV3Options options;
    options.architecture = "inception_v3_keras";
    options.poolExcludesPadding = true;
    options.auxLogits = false;
    options.nsfwjsTop = true;
    auto network = std::make_shared<InceptionV3Impl>(numClasses, options);
    // nsfwjs feeds RGB / 255 resized to 299 x 299 (not Google's [-1, 1] scaling).
    Preprocessing preprocessing;
    preprocessing.resizeShorterSide = 299;
    preprocessing.cropSize = 299;
    preprocessing.mean = {0.0f, 0.0f, 0.0f};
    preprocessing.std = {1.0f, 1.0f, 1.0f};
    network->setPreprocessing(preprocessing);
    return network;
}

}  // namespace fovea::core::build
