// MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
// 2018), laid out as torchvision's mobilenetv2.py.
#include "architectures.h"
#include "layers.h"

namespace fovea::core::build {
namespace {

using layers::Activation;
using layers::convNormAct;
using layers::ConvNormActOptions;

class InvertedResidualImpl : public torch::nn::Module {
  public:
    InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expandRatio)
        : m_residual(stride == 1 && in == out) {
        const auto hidden =
            static_cast<int64_t>(std::lround(static_cast<double>(in) * expandRatio));
        if (expandRatio != 1) {
            conv->push_back(convNormAct(
                in, hidden, ConvNormActOptions().kernel(1).activation(Activation::kReLU6)));
        }
        conv->push_back(
            convNormAct(hidden, hidden,
                        ConvNormActOptions().kernel(3).stride(stride).groups(hidden).activation(
                            Activation::kReLU6)));
        conv->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden, out, 1).bias(false)));
        conv->push_back(torch::nn::BatchNorm2d(out));
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
    explicit MobileNetV2Impl(int64_t numClasses)
        : NetworkImpl("mobilenet_v2", Preprocessing{}, numClasses) {
        // t (expansion), c (channels), n (repeats), s (first stride): Table 2 of the paper.
        const int64_t settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                        {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        int64_t in = 32;
        features->push_back(convNormAct(
            3, in, ConvNormActOptions().kernel(3).stride(2).activation(Activation::kReLU6)));
        std::vector<BlockSpec> blocks{{"stem", {"features.0"}}};
        for (const auto& setting : settings) {
            for (int64_t repeat = 0; repeat < setting[2]; ++repeat) {
                const int64_t stride = repeat == 0 ? setting[3] : 1;
                features->push_back(InvertedResidual(in, setting[1], stride, setting[0]));
                // Keras names these expanded_conv, block_1 .. block_16; the offline default
                // weights come from Keras, so "block10" means the same layer in both.
                blocks.push_back({"block" + std::to_string(features->size() - 2),
                                  {"features." + std::to_string(features->size() - 1)}});
                in = setting[1];
            }
        }
        features->push_back(convNormAct(
            in, kLastChannels, ConvNormActOptions().kernel(1).activation(Activation::kReLU6)));
        blocks.push_back({"last_conv", {"features." + std::to_string(features->size() - 1)}});
        register_module("features", features);
        classifier = register_module(
            "classifier", torch::nn::Sequential(torch::nn::Dropout(0.2),
                                                torch::nn::Linear(kLastChannels, numClasses)));
        layers::initConvAndNorm(*this);
        initHeadLinear(*classifier->ptr(1));
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
    static constexpr int64_t kLastChannels = 1280;
    torch::nn::Sequential features;
    torch::nn::Sequential classifier{nullptr};
};

}  // namespace

NetworkPtr mobileNetV2(int64_t numClasses) { return std::make_shared<MobileNetV2Impl>(numClasses); }

}  // namespace fovea::core::build
