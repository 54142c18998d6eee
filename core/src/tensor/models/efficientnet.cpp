// EfficientNet-B0 (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
// Networks", 2019), laid out as torchvision's efficientnet.py (V1, width and depth 1.0).
#include <cmath>

#include "architectures.h"
#include "layers.h"

namespace fovea::core::build {
namespace {

using layers::Activation;
using layers::convNormAct;
using layers::ConvNormActOptions;

// torchvision.ops.stochastic_depth in "row" mode: in training, each sample's residual branch is
// zeroed with probability p and the survivors scaled by 1/(1-p); identity in eval.
torch::Tensor stochasticDepth(const torch::Tensor& input, double p, bool training) {
    if (!training || p == 0.0) return input;
    const double survival = 1.0 - p;
    std::vector<int64_t> size(static_cast<size_t>(input.dim()), 1);
    size[0] = input.size(0);
    auto noise = torch::empty(size, input.options()).bernoulli_(survival);
    if (survival > 0.0) noise.div_(survival);
    return input * noise;
}

// One row of Table 1 of the paper (torchvision's MBConvConfig for B0).
struct StageSetting {
    int64_t expandRatio;
    int64_t kernel;
    int64_t stride;
    int64_t in;
    int64_t out;
    int64_t layers;
};

class MBConvImpl : public torch::nn::Module {
  public:
    MBConvImpl(const StageSetting& setting, int64_t in, int64_t stride,
               double stochasticDepthProbability)
        : m_residual(stride == 1 && in == setting.out),
          m_dropProbability(stochasticDepthProbability) {
        const int64_t expanded =
            layers::makeDivisible(static_cast<double>(in * setting.expandRatio), 8);
        if (expanded != in) {
            block->push_back(convNormAct(
                in, expanded, ConvNormActOptions().kernel(1).activation(Activation::kSiLU)));
        }
        block->push_back(convNormAct(expanded, expanded,
                                     ConvNormActOptions()
                                         .kernel(setting.kernel)
                                         .stride(stride)
                                         .groups(expanded)
                                         .activation(Activation::kSiLU)));
        // The squeeze width comes from the block's input channels, not the expanded ones.
        block->push_back(layers::SqueezeExcitation(expanded, std::max<int64_t>(1, in / 4),
                                                   Activation::kSiLU, Activation::kSigmoid));
        block->push_back(convNormAct(expanded, setting.out,
                                     ConvNormActOptions().kernel(1).activation(Activation::kNone)));
        register_module("block", block);
    }
    torch::Tensor forward(torch::Tensor x) {
        auto result = block->forward(x);
        if (!m_residual) return result;
        return stochasticDepth(result, m_dropProbability, is_training()) + x;
    }

  private:
    torch::nn::Sequential block;
    bool m_residual;
    double m_dropProbability;
};
TORCH_MODULE(MBConv);

class EfficientNetImpl : public NetworkImpl {
  public:
    EfficientNetImpl(const std::string& name, const std::vector<StageSetting>& settings,
                     double dropout, double stochasticDepthProbability, int64_t numClasses)
        : NetworkImpl(name, Preprocessing{}, numClasses) {
        // EfficientNet V1 keeps nn.BatchNorm2d's defaults up to B4 (eps 1e-5, momentum 0.1).
        features->push_back(
            convNormAct(3, settings.front().in,
                        ConvNormActOptions().kernel(3).stride(2).activation(Activation::kSiLU)));
        std::vector<BlockSpec> blocks{{"stem", {"features.0"}}};
        int64_t totalBlocks = 0;
        for (const auto& setting : settings) totalBlocks += setting.layers;
        int64_t blockIndex = 0;
        for (const auto& setting : settings) {
            layers::Sequence stage;
            for (int64_t layer = 0; layer < setting.layers; ++layer) {
                const bool first = layer == 0;
                const double probability = stochasticDepthProbability *
                                           static_cast<double>(blockIndex) /
                                           static_cast<double>(totalBlocks);
                stage->push_back(MBConv(setting, first ? setting.in : setting.out,
                                        first ? setting.stride : 1, probability));
                ++blockIndex;
            }
            features->push_back(stage);
            blocks.push_back({"stage" + std::to_string(features->size() - 1),
                              {"features." + std::to_string(features->size() - 1)}});
        }
        m_featureDim = 4 * settings.back().out;
        features->push_back(
            convNormAct(settings.back().out, m_featureDim,
                        ConvNormActOptions().kernel(1).activation(Activation::kSiLU)));
        blocks.push_back({"last_conv", {"features." + std::to_string(features->size() - 1)}});
        register_module("features", features);
        classifier = register_module(
            "classifier", torch::nn::Sequential(torch::nn::Dropout(dropout),
                                                torch::nn::Linear(m_featureDim, numClasses)));
        layers::initConvAndNorm(*this);
        initHeadLinear(*classifier->ptr(1));
        blocks.push_back({"head", {"classifier"}});
        setBlocks(blocks);
    }

    int64_t featureDim() const override { return m_featureDim; }

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
        const double range = 1.0 / std::sqrt(static_cast<double>(layer->weight.size(0)));
        torch::nn::init::uniform_(layer->weight, -range, range);
        torch::nn::init::zeros_(layer->bias);
    }

  private:
    torch::nn::Sequential features;
    torch::nn::Sequential classifier{nullptr};
    int64_t m_featureDim = 0;
};

}  // namespace

NetworkPtr efficientNetB0(int64_t numClasses) {
    // expand ratio, kernel, stride, in, out, layers
    const std::vector<StageSetting> settings{
        {1, 3, 1, 32, 16, 1},  {6, 3, 2, 16, 24, 2},   {6, 5, 2, 24, 40, 2},   {6, 3, 2, 40, 80, 3},
        {6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
    };
    return std::make_shared<EfficientNetImpl>("efficientnet_b0", settings, 0.2, 0.2, numClasses);
}

}  // namespace fovea::core::build
