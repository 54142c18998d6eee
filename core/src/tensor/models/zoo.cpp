#include "fovea/core/models/zoo.h"

#include <torch/torch.h>

#include <functional>

#include "architectures.h"
#include "keras_variants.h"

namespace fovea::core {
namespace {

// One row per architecture: what users see, and how to build it.
struct ZooEntry {
    ArchitectureInfo info;
    std::function<NetworkPtr(int64_t numClasses)> build;
};

const std::vector<ZooEntry>& zoo() {
    static const std::vector<ZooEntry> entries = [] {
        const std::string resnet = "He et al. 2015, Deep Residual Learning (arXiv:1512.03385)";
        const std::string vgg = "Simonyan & Zisserman 2014, Very Deep ConvNets (arXiv:1409.1556)";
        const std::string mobileNetV2 = "Sandler et al. 2018, MobileNetV2 (arXiv:1801.04381)";
        const std::string mobileNetV3 =
            "Howard et al. 2019, Searching for MobileNetV3 (arXiv:1905.02244)";
        // The Keras variants run weights converted from nsfwjs: x/255, no mean/std.
        const Preprocessing keras = unitScalePreprocessing(224);
        const Preprocessing keras299 = unitScalePreprocessing(299);
        const std::string inception =
            "Szegedy et al. 2015, Rethinking the Inception Architecture (arXiv:1512.00567)";
        return std::vector<ZooEntry>{
            {{"resnet18", "ResNet", resnet, {}}, [](int64_t k) { return build::resnet(18, k); }},
            {{"resnet34", "ResNet", resnet, {}}, [](int64_t k) { return build::resnet(34, k); }},
            {{"resnet50", "ResNet", resnet, {}}, [](int64_t k) { return build::resnet(50, k); }},
            {{"vgg11_bn", "VGG", vgg, {}}, [](int64_t k) { return build::vgg(11, true, k); }},
            {{"vgg16", "VGG", vgg, {}}, [](int64_t k) { return build::vgg(16, false, k); }},
            {{"vgg16_bn", "VGG", vgg, {}}, [](int64_t k) { return build::vgg(16, true, k); }},
            {{"mobilenet_v2", "MobileNet", mobileNetV2, {}}, build::mobileNetV2},
            {{"mobilenet_v2_keras", "MobileNet",
              mobileNetV2 + "; Keras layout (TF padding, BatchNorm eps 1e-3)", keras},
             build::mobileNetV2Keras},
            {{"mobilenet_v3_large", "MobileNet", mobileNetV3, {}},
             [](int64_t k) { return build::mobileNetV3(true, k); }},
            {{"mobilenet_v3_small", "MobileNet", mobileNetV3, {}},
             [](int64_t k) { return build::mobileNetV3(false, k); }},
            {{"efficientnet_b0", "EfficientNet",
              "Tan & Le 2019, EfficientNet: Rethinking Model Scaling (arXiv:1905.11946)",
              imagenetPreprocessing(256, 224, /*bicubic=*/true)},
             [](int64_t k) { return build::efficientNetB0(k); }},
            {{"inception_v3", "Inception", inception, imagenetPreprocessing(342, 299)},
             [](int64_t k) { return build::inceptionV3(k); }},
            {{"inception_v3_keras", "Inception",
              inception + "; Keras layout (no AuxLogits, TF average pooling)", keras299},
             build::inceptionV3Keras},
        };
    }();
    return entries;
}

}  // namespace

// Measured on the built networks (1000 classes, the crop size of their preprocessing) with
// countParameters and countMultiplyAccumulates; zoo_test checks them. Kept as a table because
// building all thirteen networks to list them takes tens of seconds (VGG's initialisation).
struct Measured {
    const char* name;
    int64_t parameters;
    int64_t multiplyAccumulates;
};
constexpr Measured kMeasured[] = {
    {"resnet18", 11689512, 1813561344},
    {"resnet34", 21797672, 3663249408},
    {"resnet50", 25557032, 4087136256},
    {"vgg11_bn", 132868840, 7485456384},
    {"vgg16", 138357544, 15346630656},
    {"vgg16_bn", 138365992, 15346630656},
    {"mobilenet_v2", 3504872, 299494272},
    {"mobilenet_v2_keras", 2713704, 299494272},
    {"mobilenet_v3_large", 5483032, 214080960},
    {"mobilenet_v3_small", 2542856, 54896576},
    {"efficientnet_b0", 5288548, 384534752},
    {"inception_v3", 27161264, 5711168096},
    {"inception_v3_keras", 22472008, 5711168096},
};

const std::vector<ArchitectureInfo>& architectures() {
    static const std::vector<ArchitectureInfo> all = [] {
        std::vector<ArchitectureInfo> infos;
        for (const auto& entry : zoo()) {
            ArchitectureInfo info = entry.info;
            for (const auto& measured : kMeasured) {
                if (info.name == measured.name) {
                    info.parameters = measured.parameters;
                    info.multiplyAccumulates = measured.multiplyAccumulates;
                }
            }
            infos.push_back(info);
        }
        return infos;
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
    for (const auto& entry : zoo()) {
        if (entry.info.name != name) continue;
        if (numClasses < 1) return Error{"a network needs at least one class"};
        NetworkPtr network = entry.build(numClasses);
        network->setPreprocessing(entry.info.preprocessing);
        return network;
    }
    std::string known;
    for (const auto& entry : zoo()) known += (known.empty() ? "" : ", ") + entry.info.name;
    return Error{"unknown architecture '" + name + "' (known: " + known + ")"};
}

}  // namespace fovea::core
