#pragma once

// Zoo architectures laid out to run weights converted from Keras (fovea/core/weights_import):
// torchvision's module names, with TensorFlow's padding and BatchNorm epsilon where they differ.
#include <cstdint>

#include "fovea/core/models/network.h"

namespace fovea::core::build {

// MobileNetV2 as keras.applications builds it, with the nsfwjs top:
//  - the stride-2 3x3 convolutions (features.0 and the depthwise ones of features.2, 4, 7, 14)
//    pad 0 left/top and 1 right/bottom (TF "same" on an even size) instead of 1 all round;
//  - BatchNorm eps 1e-3 (Keras) instead of 1e-5;
//  - classifier: "0" Linear(1280, 256), "1" ReLU, "2" Dropout(0.5), "3" Linear(256, 128),
//    "4" ReLU, "5" Dropout(0.25), "6" Linear(128, numClasses) (logits; nsfwjs applies softmax).
// Architecture name "mobilenet_v2_keras"; preprocessing x/255 (mean 0, std 1) at 224 px.
// replaceHead() swaps the whole classifier for Dropout(0.2) -> new head, torchvision's
// mobilenet_v2 layout, since the hidden layers were fitted to nsfwjs' own classes.
NetworkPtr mobileNetV2Keras(int64_t numClasses);

// Inception-v3 as keras.applications builds it, with the nsfwjs top (torchvision's module names;
// Keras' conv2d_N / batch_normalization_N are mapped by fovea/core/weights_import):
//  - the branch average pools (3x3, stride 1, TF "same") exclude the padding from the average
//    (count_include_pad=false); every other padding already agrees with torchvision's (Keras'
//    stride-2 convolutions and pools are "valid", its "same" ones have stride 1 and odd kernels);
//  - no AuxLogits (Keras has no auxiliary classifier);
//  - BatchNorm eps 1e-3 like torchvision's; Keras' has no gamma (scale=False), so the converted
//    bn.weight is all ones;
//  - fc: "0" Linear(2048, 256), "1" ReLU, "2" Dropout(0.5), "3" Linear(256, 128), "4" ReLU,
//    "5" Dropout(0.25), "6" Linear(128, numClasses) (logits; nsfwjs applies softmax), on the
//    global average pool and with no dropout before it.
// Architecture name "inception_v3_keras"; preprocessing x/255 (mean 0, std 1) at 299 px.
// replaceHead() swaps the whole fc for the new head, torchvision's inception_v3 layout.
NetworkPtr inceptionV3Keras(int64_t numClasses);

}  // namespace fovea::core::build
