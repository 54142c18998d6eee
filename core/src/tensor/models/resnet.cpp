// ResNet-18/34/50 (He et al., "Deep Residual Learning for Image Recognition", 2015), laid out
// as torchvision's resnet.py (v1.5: the stride of a Bottleneck sits on its 3x3 convolution).
#include "architectures.h"
#include "layers.h"

namespace fovea::core::build {
namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

// Shortcut projection when the shape changes: "downsample.0" conv1x1, "downsample.1" BN.
layers::Sequence downsample(int64_t in, int64_t out, int64_t stride) {
    return layers::Sequence(conv(in, out, 1, stride), layers::BatchNorm2d(out));
}

class BasicBlockImpl : public torch::nn::Module {
  public:
    static constexpr int64_t kExpansion = 1;
    BasicBlockImpl(int64_t in, int64_t planes, int64_t stride) {
        conv1 = register_module("conv1", conv(in, planes, 3, stride));
        bn1 = register_module("bn1", layers::BatchNorm2d(planes));
        conv2 = register_module("conv2", conv(planes, planes, 3, 1));
        bn2 = register_module("bn2", layers::BatchNorm2d(planes));
        if (stride != 1 || in != planes) {
            shortcut = register_module("downsample", downsample(in, planes, stride));
        }
    }
    torch::Tensor forward(torch::Tensor x) {
        auto out = bn1->forwardActivated(conv1(x), layers::Activation::kReLU);
        return bn2->forwardAddedReLU(conv2(out), shortcut ? shortcut->forward(x) : x);
    }

  private:
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    layers::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    layers::Sequence shortcut{nullptr};
};
TORCH_MODULE(BasicBlock);

class BottleneckImpl : public torch::nn::Module {
  public:
    static constexpr int64_t kExpansion = 4;
    BottleneckImpl(int64_t in, int64_t planes, int64_t stride) {
        conv1 = register_module("conv1", conv(in, planes, 1, 1));
        bn1 = register_module("bn1", layers::BatchNorm2d(planes));
        conv2 = register_module("conv2", conv(planes, planes, 3, stride));
        bn2 = register_module("bn2", layers::BatchNorm2d(planes));
        conv3 = register_module("conv3", conv(planes, planes * kExpansion, 1, 1));
        bn3 = register_module("bn3", layers::BatchNorm2d(planes * kExpansion));
        if (stride != 1 || in != planes * kExpansion) {
            shortcut = register_module("downsample", downsample(in, planes * kExpansion, stride));
        }
    }
    torch::Tensor forward(torch::Tensor x) {
        auto out = bn1->forwardActivated(conv1(x), layers::Activation::kReLU);
        out = bn2->forwardActivated(conv2(out), layers::Activation::kReLU);
        return bn3->forwardAddedReLU(conv3(out), shortcut ? shortcut->forward(x) : x);
    }

  private:
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    layers::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    layers::Sequence shortcut{nullptr};
};
TORCH_MODULE(Bottleneck);

class ResNetImpl : public NetworkImpl {
  public:
    template <class Block>
    ResNetImpl(const std::string& name, std::array<int, 4> layers, Block*, int64_t numClasses)
        : NetworkImpl(name, Preprocessing{}, numClasses) {
        conv1 = register_module("conv1", conv(3, 64, 7, 2));
        bn1 = register_module("bn1", layers::BatchNorm2d(64));
        int64_t in = 64;
        const std::array<int64_t, 4> planes{64, 128, 256, 512};
        for (size_t stage = 0; stage < 4; ++stage) {
            torch::nn::Sequential sequence;
            for (int index = 0; index < layers[stage]; ++index) {
                const int64_t stride = (stage > 0 && index == 0) ? 2 : 1;
                sequence->push_back(Block(in, planes[stage], stride));
                in = planes[stage] * Block::ContainedType::kExpansion;
            }
            stages[stage] = register_module("layer" + std::to_string(stage + 1), sequence);
        }
        m_featureDim = in;
        fc = torch::nn::AnyModule(register_module("fc", torch::nn::Linear(in, numClasses)));
        layers::initConvAndNorm(*this);
        setBlocks({{"stem", {"conv1", "bn1"}},
                   {"layer1", {"layer1"}},
                   {"layer2", {"layer2"}},
                   {"layer3", {"layer3"}},
                   {"layer4", {"layer4"}},
                   {"head", {"fc"}}});
    }

    int64_t featureDim() const override { return m_featureDim; }

  protected:
    torch::Tensor runBlock(size_t index, torch::Tensor x) override {
        if (index == 0) {
            return layers::maxPool2d(bn1->forwardActivated(conv1(x), layers::Activation::kReLU), 3,
                                     2, 1);
        }
        if (index <= 4) return stages[index - 1]->forward(x);
        return fc.forward(torch::flatten(torch::adaptive_avg_pool2d(x, {1, 1}), 1));
    }

    std::string installHead(std::shared_ptr<torch::nn::Module> head) override {
        replace_module("fc", head);
        fc = layers::anyHead(head);
        return "fc";
    }

    // nn.Linear's own default initialisation, as torchvision leaves the ResNet fc.
    void initHeadLinear(torch::nn::Module& linear) const override {
        linear.as<torch::nn::Linear>()->reset_parameters();
    }

  private:
    torch::nn::Conv2d conv1{nullptr};
    layers::BatchNorm2d bn1{nullptr};
    std::array<torch::nn::Sequential, 4> stages{nullptr, nullptr, nullptr, nullptr};
    torch::nn::AnyModule fc;
    int64_t m_featureDim = 0;
};

}  // namespace

NetworkPtr resnet(int depth, int64_t numClasses) {
    const std::string name = "resnet" + std::to_string(depth);
    switch (depth) {
        case 18:
            return std::make_shared<ResNetImpl>(name, std::array<int, 4>{2, 2, 2, 2},
                                                static_cast<BasicBlock*>(nullptr), numClasses);
        case 34:
            return std::make_shared<ResNetImpl>(name, std::array<int, 4>{3, 4, 6, 3},
                                                static_cast<BasicBlock*>(nullptr), numClasses);
        case 50:
            return std::make_shared<ResNetImpl>(name, std::array<int, 4>{3, 4, 6, 3},
                                                static_cast<Bottleneck*>(nullptr), numClasses);
        default:
            TORCH_CHECK(false, "no ResNet of depth ", depth);
    }
}

}  // namespace fovea::core::build
