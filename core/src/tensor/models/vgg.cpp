// VGG-11/16 with and without BatchNorm (Simonyan & Zisserman, "Very Deep Convolutional
// Networks for Large-Scale Image Recognition", 2014), laid out as torchvision's vgg.py.
#include "architectures.h"
#include "layers.h"

namespace fovea::core::build {
namespace {

constexpr int kPool = 0;  // 'M' in torchvision's configuration lists

class VggImpl : public NetworkImpl {
  public:
    VggImpl(const std::string& name, const std::vector<int>& config, bool batchNorm,
            int64_t numClasses)
        : NetworkImpl(name, Preprocessing{}, numClasses) {
        int64_t in = 3;
        size_t stageStart = 0;
        std::vector<BlockSpec> blocks;
        for (int channels : config) {
            if (channels == kPool) {
                features->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2)));
                BlockSpec stage{"stage" + std::to_string(blocks.size() + 1), {}};
                for (size_t index = stageStart; index < features->size(); ++index) {
                    stage.modulePaths.push_back("features." + std::to_string(index));
                }
                m_stageEnds.push_back(features->size());
                stageStart = features->size();
                blocks.push_back(stage);
                continue;
            }
            features->push_back(
                torch::nn::Conv2d(torch::nn::Conv2dOptions(in, channels, 3).padding(1)));
            if (batchNorm) features->push_back(layers::BatchNorm2d(channels));
            features->push_back(torch::nn::ReLU(true));
            in = channels;
        }
        register_module("features", features);
        classifier = register_module(
            "classifier",
            torch::nn::Sequential(torch::nn::Linear(512 * 7 * 7, 4096), torch::nn::ReLU(true),
                                  torch::nn::Dropout(0.5), torch::nn::Linear(4096, 4096),
                                  torch::nn::ReLU(true), torch::nn::Dropout(0.5),
                                  torch::nn::Linear(4096, numClasses)));
        initialise();
        blocks.push_back({"fc6", {"classifier.0"}});
        blocks.push_back({"fc7", {"classifier.3"}});
        blocks.push_back({"head", {"classifier.6"}});
        setBlocks(blocks);
    }

    int64_t featureDim() const override { return 4096; }

  protected:
    torch::Tensor runBlock(size_t index, torch::Tensor x) override {
        if (index < m_stageEnds.size()) {
            const size_t first = index == 0 ? 0 : m_stageEnds[index - 1];
            auto it = features->begin();
            for (size_t layer = first; layer < m_stageEnds[index]; ++layer)
                x = it[layer].forward(x);
            return x;
        }
        // fc6 = classifier 0..2 (after pooling to 7x7), fc7 = 3..5, head = 6.
        const size_t fcIndex = index - m_stageEnds.size();
        if (fcIndex == 0) x = torch::flatten(torch::adaptive_avg_pool2d(x, {7, 7}), 1);
        const size_t first = fcIndex * 3;
        const size_t last = fcIndex == 2 ? 7 : first + 3;
        auto it = classifier->begin();
        for (size_t layer = first; layer < last; ++layer) x = it[layer].forward(x);
        return x;
    }

    std::string installHead(std::shared_ptr<torch::nn::Module> head) override {
        classifier = replace_module("classifier", layers::withReplaced(classifier, 6, head));
        return "classifier.6";
    }

    void initHeadLinear(torch::nn::Module& linear) const override {
        auto* layer = linear.as<torch::nn::Linear>();
        torch::nn::init::normal_(layer->weight, 0.0, 0.01);
        torch::nn::init::zeros_(layer->bias);
    }

  private:
    void initialise() {
        torch::NoGradGuard noGrad;
        layers::initConvAndNorm(*this);
        for (auto& module : classifier->modules(false)) {
            if (module->as<torch::nn::Linear>()) initHeadLinear(*module);
        }
    }

    torch::nn::Sequential features;
    torch::nn::Sequential classifier{nullptr};
    std::vector<size_t> m_stageEnds;  // one past the MaxPool closing each stage
};

}  // namespace

NetworkPtr vgg(int depth, bool batchNorm, int64_t numClasses) {
    const std::string name = "vgg" + std::to_string(depth) + (batchNorm ? "_bn" : "");
    if (depth == 11) {
        return std::make_shared<VggImpl>(name,
                                         std::vector<int>{64, kPool, 128, kPool, 256, 256, kPool,
                                                          512, 512, kPool, 512, 512, kPool},
                                         batchNorm, numClasses);
    }
    TORCH_CHECK(depth == 16, "no VGG of depth ", depth);
    return std::make_shared<VggImpl>(
        name,
        std::vector<int>{64, 64, kPool, 128, 128, kPool, 256, 256, 256, kPool, 512, 512, 512, kPool,
                         512, 512, 512, kPool},
        batchNorm, numClasses);
}

}  // namespace fovea::core::build
