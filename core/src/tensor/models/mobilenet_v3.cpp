// MobileNetV3-Large and -Small (Howard et al., "Searching for MobileNetV3", 2019), laid out as
// torchvision's mobilenetv3.py.
#include "architectures.h"
#include "layers.h"

namespace fovea::core::build {
// A namespace of its own: MobileNetV2 has an InvertedResidual too, and the two files may be
// compiled as one (cmake/FoveaUnity.cmake). The blocks keep torchvision's names in summaries.
namespace mobilenet_v3 {
namespace {

using layers::Activation;
using layers::convNormAct;
using layers::ConvNormActOptions;

// torchvision's norm_layer for MobileNetV3: BatchNorm2d(eps=0.001, momentum=0.01).
constexpr double kBnEps = 0.001;
constexpr double kBnMomentum = 0.01;

ConvNormActOptions normOptions() {
    return ConvNormActOptions().bnEps(kBnEps).bnMomentum(kBnMomentum);
}

// One row of Tables 1 and 2 of the paper (torchvision's InvertedResidualConfig at width 1.0).
struct BottleneckSetting {
    int64_t in;
    int64_t kernel;
    int64_t expanded;
    int64_t out;
    bool squeezeExcite;
    bool hardswish;  // "HS"; ReLU ("RE") otherwise
    int64_t stride;
};

class InvertedResidualImpl : public torch::nn::Module {
  public:
    explicit InvertedResidualImpl(const BottleneckSetting& setting)
        : m_residual(setting.stride == 1 && setting.in == setting.out) {
        const Activation activation =
            setting.hardswish ? Activation::kHardswish : Activation::kReLU;
        if (setting.expanded != setting.in) {
            block->push_back(convNormAct(setting.in, setting.expanded,
                                         normOptions().kernel(1).activation(activation)));
        }
        block->push_back(convNormAct(setting.expanded, setting.expanded,
                                     normOptions()
                                         .kernel(setting.kernel)
                                         .stride(setting.stride)
                                         .groups(setting.expanded)
                                         .activation(activation)));
        if (setting.squeezeExcite) {
            const int64_t squeeze =
                layers::makeDivisible(static_cast<double>(setting.expanded / 4), 8);
            block->push_back(layers::SqueezeExcitation(setting.expanded, squeeze, Activation::kReLU,
                                                       Activation::kHardsigmoid));
        }
        block->push_back(convNormAct(setting.expanded, setting.out,
                                     normOptions().kernel(1).activation(Activation::kNone)));
        register_module("block", block);
    }
    torch::Tensor forward(torch::Tensor x) {
        return m_residual ? block->forward(x) + x : block->forward(x);
    }

  private:
    torch::nn::Sequential block;
    bool m_residual;
};
TORCH_MODULE(InvertedResidual);

class MobileNetV3Impl : public NetworkImpl {
  public:
    MobileNetV3Impl(const std::string& name, const std::vector<BottleneckSetting>& settings,
                    int64_t lastChannels, int64_t numClasses)
        : NetworkImpl(name, Preprocessing{}, numClasses) {
        features->push_back(
            convNormAct(3, settings.front().in,
                        normOptions().kernel(3).stride(2).activation(Activation::kHardswish)));
        std::vector<BlockSpec> blocks{{"stem", {"features.0"}}};
        for (const auto& setting : settings) {
            features->push_back(InvertedResidual(setting));
            blocks.push_back({"block" + std::to_string(features->size() - 1),
                              {"features." + std::to_string(features->size() - 1)}});
        }
        m_featureDim = 6 * settings.back().out;
        features->push_back(
            convNormAct(settings.back().out, m_featureDim,
                        normOptions().kernel(1).activation(Activation::kHardswish)));
        blocks.push_back({"last_conv", {"features." + std::to_string(features->size() - 1)}});
        register_module("features", features);
        m_lastChannels = lastChannels;
        classifier = register_module(
            "classifier", torch::nn::Sequential(torch::nn::Linear(m_featureDim, lastChannels),
                                                layers::activationModule(Activation::kHardswish),
                                                torch::nn::Dropout(0.2),
                                                torch::nn::Linear(lastChannels, numClasses)));
        layers::initConvAndNorm(*this);
        initHeadLinear(*classifier->ptr(0));
        initHeadLinear(*classifier->ptr(3));
        blocks.push_back({"head", {"classifier"}});
        setBlocks(blocks);
    }

    // What the replaceable output layer (classifier.3) sees: the hidden units of the
    // classifier's first Linear (as VGG's featureDim is its 4096), not the 960/576 pooled ones.
    int64_t featureDim() const override { return m_lastChannels; }

  protected:
    torch::Tensor runBlock(size_t index, torch::Tensor x) override {
        if (index < features->size()) return features->begin()[index].forward(x);
        return classifier->forward(torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1));
    }

    // As torchvision fine-tuning does: only the output Linear is replaced; the hidden
    // Linear -> Hardswish -> Dropout stays pretrained.
    std::string installHead(std::shared_ptr<torch::nn::Module> head) override {
        classifier = replace_module("classifier", layers::withReplaced(classifier, 3, head));
        return "classifier.3";
    }

    void initHeadLinear(torch::nn::Module& linear) const override {
        torch::NoGradGuard noGrad;
        auto* layer = linear.as<torch::nn::Linear>();
        torch::nn::init::normal_(layer->weight, 0.0, 0.01);
        torch::nn::init::zeros_(layer->bias);
    }

  private:
    torch::nn::Sequential features;
    torch::nn::Sequential classifier{nullptr};
    int64_t m_featureDim = 0;
    int64_t m_lastChannels = 0;
};

}  // namespace
}  // namespace mobilenet_v3

NetworkPtr mobileNetV3(bool large, int64_t numClasses) {
    using mobilenet_v3::BottleneckSetting;
    using mobilenet_v3::MobileNetV3Impl;
    if (large) {
        const std::vector<BottleneckSetting> settings{
            {16, 3, 16, 16, false, false, 1},  {16, 3, 64, 24, false, false, 2},
            {24, 3, 72, 24, false, false, 1},  {24, 5, 72, 40, true, false, 2},
            {40, 5, 120, 40, true, false, 1},  {40, 5, 120, 40, true, false, 1},
            {40, 3, 240, 80, false, true, 2},  {80, 3, 200, 80, false, true, 1},
            {80, 3, 184, 80, false, true, 1},  {80, 3, 184, 80, false, true, 1},
            {80, 3, 480, 112, true, true, 1},  {112, 3, 672, 112, true, true, 1},
            {112, 5, 672, 160, true, true, 2}, {160, 5, 960, 160, true, true, 1},
            {160, 5, 960, 160, true, true, 1},
        };
        return std::make_shared<MobileNetV3Impl>("mobilenet_v3_large", settings, 1280, numClasses);
    }
    const std::vector<BottleneckSetting> settings{
        {16, 3, 16, 16, true, false, 2},  {16, 3, 72, 24, false, false, 2},
        {24, 3, 88, 24, false, false, 1}, {24, 5, 96, 40, true, true, 2},
        {40, 5, 240, 40, true, true, 1},  {40, 5, 240, 40, true, true, 1},
        {40, 5, 120, 48, true, true, 1},  {48, 5, 144, 48, true, true, 1},
        {48, 5, 288, 96, true, true, 2},  {96, 5, 576, 96, true, true, 1},
        {96, 5, 576, 96, true, true, 1},
    };
    return std::make_shared<MobileNetV3Impl>("mobilenet_v3_small", settings, 1024, numClasses);
}

}  // namespace fovea::core::build
