#include "fovea/core/models/zoo.h"

#include <torch/torch.h>

#include "architectures.h"

namespace fovea::core {
namespace {

ArchitectureInfo info(std::string name, std::string family, std::string paper,
                      Preprocessing preprocessing = {}) {
    return {std::move(name), std::move(family), std::move(paper), preprocessing};
}

}  // namespace

const std::vector<ArchitectureInfo>& architectures() {
    static const std::vector<ArchitectureInfo> all = [] {
        const std::string resnet = "He et al. 2015, Deep Residual Learning (arXiv:1512.03385)";
        const std::string vgg = "Simonyan & Zisserman 2014, Very Deep ConvNets (arXiv:1409.1556)";
        return std::vector<ArchitectureInfo>{
            info("resnet18", "ResNet", resnet),
            info("resnet34", "ResNet", resnet),
            info("resnet50", "ResNet", resnet),
            info("vgg11_bn", "VGG", vgg),
            info("vgg16", "VGG", vgg),
            info("vgg16_bn", "VGG", vgg),
            info("mobilenet_v2", "MobileNet",
                 "Sandler et al. 2018, MobileNetV2 (arXiv:1801.04381)"),
        };
    }();
    return all;
}

const ArchitectureInfo* findArchitecture(const std::string& name) {
    for (const auto& architecture : architectures()) {
        if (architecture.name == name) return &architecture;
    }
    return nullptr;
}

Result<NetworkPtr> createNetwork(const std::string& name, int64_t numClasses) {
    const ArchitectureInfo* architecture = findArchitecture(name);
    if (!architecture) {
        std::string known;
        for (const auto& each : architectures()) known += (known.empty() ? "" : ", ") + each.name;
        return Error{"unknown architecture '" + name + "' (known: " + known + ")"};
    }
    if (numClasses < 1) return Error{"a network needs at least one class"};
    NetworkPtr network;
    if (name == "resnet18") network = build::resnet(18, numClasses);
    if (name == "resnet34") network = build::resnet(34, numClasses);
    if (name == "resnet50") network = build::resnet(50, numClasses);
    if (name == "vgg11_bn") network = build::vgg(11, true, numClasses);
    if (name == "vgg16") network = build::vgg(16, false, numClasses);
    if (name == "vgg16_bn") network = build::vgg(16, true, numClasses);
    if (name == "mobilenet_v2") network = build::mobileNetV2(numClasses);
    network->setPreprocessing(architecture->preprocessing);
    return network;
}

}  // namespace fovea::core
