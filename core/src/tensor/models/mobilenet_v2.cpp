// MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
// 2018), laid out as torchvision's mobilenetv2.py.
#include "architectures.h"
#include "keras_variants.h"
#include "layers.h"

namespace fovea::core::build {
namespace {

using layers::Activation;
using layers::convNormAct;
using layers::ConvNormActOptions;

// torchvision's layout is the default; weights converted from Keras need TensorFlow's padding
// and BatchNorm epsilon, and the nsfwjs top (see keras_variants.h).
struct MobileNetV2Options {
    bool tfSamePadding = false;  // stride-2 3x3 convs pad (0, 1, 0, 1) instead of 1 all round
    double bnEps = 1e-5;         // Keras: 1e-3
    bool nsfwjsTop = false;      // classifier 1280 -> 256 -> 128 -> K instead of Dropout -> K
};

// Keras' MobileNetV2 puts ZeroPadding2D((0, 1), (0, 1)) before its stride-2 convolutions (TF
// "same" padding on an even input puts the extra pixel at the end) where torchvision pads 1 on
// every side; the two sample different pixels, so converted weights need this. It derives from
// Conv2dImpl so that the parameters keep their names and code looking for Conv2d still sees it.
class TfSamePaddedConv2dImpl : public torch::nn::Conv2dImpl {
  public:
    using Conv2dImpl::Conv2dImpl;
    torch::Tensor forward(const torch::Tensor& input) {
        namespace F = torch::nn::functional;
        return Conv2dImpl::forward(F::pad(input, F::PadFuncOptions({0, 1, 0, 1})));
    }
};
TORCH_MODULE(TfSamePaddedConv2d);

// A 3x3 Conv2dNormActivation with ReLU6; strided ones follow options.tfSamePadding.
layers::Sequence conv3x3(int64_t in, int64_t out, int64_t stride, int64_t groups,
                         const MobileNetV2Options& options) {
    const auto convOptions =
        ConvNormActOptions().kernel(3).stride(stride).groups(groups).bnEps(options.bnEps);
    if (stride == 1 || !options.tfSamePadding) {
        return convNormAct(in, out, ConvNormActOptions(convOptions).activation(Activation::kReLU6));
    }
    layers::Sequence sequence;
    sequence->push_back(TfSamePaddedConv2d(
        torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(0).groups(groups).bias(false)));
    sequence->push_back(layers::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(options.bnEps)));
    sequence->push_back(layers::activationModule(Activation::kReLU6));
    return sequence;
}

class InvertedResidualImpl : public torch::nn::Module {
  public:
    InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expandRatio,
                         const MobileNetV2Options& options)
        : m_residual(stride == 1 && in == out) {
        const auto hidden =
            static_cast<int64_t>(std::lround(static_cast<double>(in) * expandRatio));
        if (expandRatio != 1) {
            conv->push_back(convNormAct(in, hidden,
                                        ConvNormActOptions()
                                            .kernel(1)
                                            .bnEps(options.bnEps)
                                            .activation(Activation::kReLU6)));
        }
        conv->push_back(conv3x3(hidden, hidden, stride, hidden, options));
        conv->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden, out, 1).bias(false)));
        conv->push_back(layers::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).eps(options.bnEps)));
        register_module("conv", conv);
    }
    torch::Tensor forward(torch::Tensor x) {
        return m_residual ? x + conv->forward(x) : conv->forward(x);
    }

  private:
    torch::nn::Sequential conv;
    bool m_residual;
};
TORCH_MODULE(InvertedResidual);

class MobileNetV2Impl : public NetworkImpl {
  public:
    MobileNetV2Impl(int64_t numClasses, const MobileNetV2Options& options)
        : NetworkImpl(options.nsfwjsTop ? "mobilenet_v2_keras" : "mobilenet_v2",
                      options.nsfwjsTop ? kerasPreprocessing() : Preprocessing{}, numClasses),
          m_nsfwjsTop(options.nsfwjsTop) {
        // t (expansion), c (channels), n (repeats), s (first stride): Table 2 of the paper.
        const int64_t settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                        {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        int64_t in = 32;
        features->push_back(conv3x3(3, in, 2, 1, options));
        std::vector<BlockSpec> blocks{{"stem", {"features.0"}}};
        for (const auto& setting : settings) {
            for (int64_t repeat = 0; repeat < setting[2]; ++repeat) {
                const int64_t stride = repeat == 0 ? setting[3] : 1;
                features->push_back(InvertedResidual(in, setting[1], stride, setting[0], options));
                // Keras names these expanded_conv, block_1 .. block_16; the offline default
                // weights come from Keras, so "block10" means the same layer in both.
                blocks.push_back({"block" + std::to_string(features->size() - 2),
                                  {"features." + std::to_string(features->size() - 1)}});
                in = setting[1];
            }
        }
        features->push_back(convNormAct(
            in, kLastChannels,
            ConvNormActOptions().kernel(1).bnEps(options.bnEps).activation(Activation::kReLU6)));
        blocks.push_back({"last_conv", {"features." + std::to_string(features->size() - 1)}});
        register_module("features", features);
        if (m_nsfwjsTop) {
            // nsfwjs' Keras top: Dense(256, relu) -> Dropout(0.5) -> Dense(128, relu) ->
            // Dropout(0.25) -> Dense(K, softmax); the softmax stays outside, as for every zoo
            // network's logits.
            classifier = register_module(
                "classifier",
                torch::nn::Sequential(torch::nn::Linear(kLastChannels, 256), torch::nn::ReLU(true),
                                      torch::nn::Dropout(0.5), torch::nn::Linear(256, 128),
                                      torch::nn::ReLU(true), torch::nn::Dropout(0.25),
                                      torch::nn::Linear(128, numClasses)));
        } else {
            classifier = register_module(
                "classifier", torch::nn::Sequential(torch::nn::Dropout(0.2),
                                                    torch::nn::Linear(kLastChannels, numClasses)));
        }
        layers::initConvAndNorm(*this);
        for (auto& module : classifier->modules(/*include_self=*/false)) {
            if (module->as<torch::nn::Linear>()) initHeadLinear(*module);
        }
        blocks.push_back({"head", {"classifier"}});
        setBlocks(blocks);
    }

    int64_t featureDim() const override { return kLastChannels; }

  protected:
    torch::Tensor runBlock(size_t index, torch::Tensor x) override {
        if (index < features->size()) return features->begin()[index].forward(x);
        return classifier->forward(torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1));
    }

    std::string installHead(std::shared_ptr<torch::nn::Module> head) override {
        if (m_nsfwjsTop) {
            // The hidden layers were fitted to nsfwjs' classes: a new head replaces them all,
            // leaving torchvision's own layout (Dropout(0.2) -> head at "classifier.1").
            m_nsfwjsTop = false;
            classifier = replace_module("classifier", torch::nn::Sequential(torch::nn::Dropout(0.2),
                                                                            layers::anyHead(head)));
            return "classifier.1";
        }
        classifier = replace_module("classifier", layers::withReplaced(classifier, 1, head));
        return "classifier.1";
    }

    void initHeadLinear(torch::nn::Module& linear) const override {
        torch::NoGradGuard noGrad;
        auto* layer = linear.as<torch::nn::Linear>();
        torch::nn::init::normal_(layer->weight, 0.0, 0.01);
        torch::nn::init::zeros_(layer->bias);
    }

  private:
    static Preprocessing kerasPreprocessing() {
        // nsfwjs feeds RGB / 255 resized to 224 x 224 (Keras' ImageNet x / 127.5 - 1 is not
        // what its fine-tuning used).
        Preprocessing preprocessing;
        preprocessing.resizeShorterSide = 224;
        preprocessing.cropSize = 224;
        preprocessing.mean = {0.0f, 0.0f, 0.0f};
        preprocessing.std = {1.0f, 1.0f, 1.0f};
        return preprocessing;
    }

    static constexpr int64_t kLastChannels = 1280;
    torch::nn::Sequential features;
    torch::nn::Sequential classifier{nullptr};
    bool m_nsfwjsTop;
};

}  // namespace

NetworkPtr mobileNetV2(int64_t numClasses) {
    return std::make_shared<MobileNetV2Impl>(numClasses, MobileNetV2Options{});
}

NetworkPtr mobileNetV2Keras(int64_t numClasses) {
    MobileNetV2Options options;
    options.tfSamePadding = true;
    options.bnEps = 1e-3;
    options.nsfwjsTop = true;
    return std::make_shared<MobileNetV2Impl>(numClasses, options);
}

}  // namespace fovea::core::build
