#include "fovea/core/models/weight_catalogue.h"

namespace fovea::core {
namespace {

// torchvision 0.14's transforms for its ImageNet weights: resize the shorter side, centre crop,
// ImageNet mean/std; V2 recipes resize to 232 before the 224 crop.
Preprocessing imagenet(int resize, int crop, bool bicubic = false) {
    return imagenetPreprocessing(resize, crop, bicubic);
}

// Google's Inception-v3 weights expect pixels scaled to [-1, 1]; torchvision gets there with
// transform_input inside the model, which is the same as normalising with mean = std = 0.5.
Preprocessing googleInception() {
    Preprocessing preprocessing = imagenet(342, 299);
    preprocessing.mean = {0.5f, 0.5f, 0.5f};
    preprocessing.std = {0.5f, 0.5f, 0.5f};
    return preprocessing;
}

// nsfwjs feeds its models RGB / 255 (no mean/std): 224 x 224 for MobileNetV2, 299 x 299 for
// InceptionV3.
Preprocessing nsfwjs(int size = 224) { return unitScalePreprocessing(size); }

const char* const kBase = "https://download.pytorch.org/models/";

WeightSource source(const char* architecture, const char* name, const std::string& file,
                    const char* sha256, Preprocessing preprocessing, double top1) {
    return {architecture,  name, kBase + file, sha256,
            preprocessing, 1000, top1,         "torchvision 0.14"};
}

}  // namespace

const std::vector<WeightSource>& weightCatalogue() {
    static const std::vector<WeightSource> all{
        source("resnet18", "IMAGENET1K_V1", "resnet18-f37072fd.pth", "f37072fd", imagenet(256, 224),
               69.758),
        source("resnet34", "IMAGENET1K_V1", "resnet34-b627a593.pth", "b627a593", imagenet(256, 224),
               73.314),
        source("resnet50", "IMAGENET1K_V2", "resnet50-11ad3fa6.pth", "11ad3fa6", imagenet(232, 224),
               80.858),
        source("resnet50", "IMAGENET1K_V1", "resnet50-0676ba61.pth", "0676ba61", imagenet(256, 224),
               76.130),
        source("vgg11_bn", "IMAGENET1K_V1", "vgg11_bn-6002323d.pth", "6002323d", imagenet(256, 224),
               70.370),
        source("vgg16", "IMAGENET1K_V1", "vgg16-397923af.pth", "397923af", imagenet(256, 224),
               71.592),
        source("vgg16_bn", "IMAGENET1K_V1", "vgg16_bn-6c64b313.pth", "6c64b313", imagenet(256, 224),
               73.360),
        source("mobilenet_v2", "IMAGENET1K_V2", "mobilenet_v2-7ebf99e0.pth", "7ebf99e0",
               imagenet(232, 224), 72.154),
        source("mobilenet_v2", "IMAGENET1K_V1", "mobilenet_v2-b0353104.pth", "b0353104",
               imagenet(256, 224), 71.878),
        source("mobilenet_v3_large", "IMAGENET1K_V2", "mobilenet_v3_large-5c1a4163.pth", "5c1a4163",
               imagenet(232, 224), 75.274),
        source("mobilenet_v3_large", "IMAGENET1K_V1", "mobilenet_v3_large-8738ca79.pth", "8738ca79",
               imagenet(256, 224), 74.042),
        source("mobilenet_v3_small", "IMAGENET1K_V1", "mobilenet_v3_small-047dcff4.pth", "047dcff4",
               imagenet(256, 224), 67.668),
        source("inception_v3", "IMAGENET1K_V1", "inception_v3_google-0cc3c7bd.pth", "0cc3c7bd",
               googleInception(), 77.294),
        {"mobilenet_v2_keras", "NSFWJS_OFFLINE", "", "", nsfwjs(), 5, 0.0,
         "npm package nsfwjs@4.4.0 (MIT): Keras MobileNetV2, ImageNet weights through block 10, "
         "top fine-tuned on 5 classes; converted by packaging/setup.sh"},
        {"inception_v3_keras", "NSFWJS_OFFLINE", "", "", nsfwjs(299), 5, 0.0,
         "npm package nsfwjs@4.4.0 (MIT): Keras InceptionV3, ImageNet weights through mixed5 "
         "(Mixed_6c), top fine-tuned on 5 classes; converted by packaging/setup.sh"},
        source("efficientnet_b0", "IMAGENET1K_V1", "efficientnet_b0_rwightman-3dd342df.pth",
               "3dd342df", imagenet(256, 224, true), 77.692),
    };
    return all;
}

std::vector<WeightSource> weightSourcesFor(const std::string& architecture) {
    std::vector<WeightSource> matching;
    for (const auto& each : weightCatalogue()) {
        if (each.architecture == architecture) matching.push_back(each);
    }
    return matching;
}

}  // namespace fovea::core
