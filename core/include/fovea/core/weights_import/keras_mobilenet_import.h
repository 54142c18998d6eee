#pragma once

// Conversion of the Keras MobileNetV2 that the nsfwjs npm package (MIT) ships as TensorFlow.js
// files into a torchvision-named state dict: Fovea's offline default backbone, since build and
// user machines may have no internet but can install npm packages.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core {

// A converted network: weights, what its outputs mean and how its input must be prepared.
struct ImportedWeights {
    // torchvision names: for MobileNetV2 (importNsfwjsMobileNetV2) features.0 .. features.18
    // ("features.3.conv.1.0.weight") and "classifier.{0,3,6}.{weight,bias}" for the three Dense
    // layers of the nsfwjs top (1280 -> 256 -> 128 -> 5, see build::mobileNetV2Keras); for
    // InceptionV3 (keras_inception_import.h) inception_v3's names without AuxLogits and
    // "fc.{0,3,6}" for the top. float32, CPU.
    StateDict stateDict;
    std::vector<std::string> classLabels;  // output index -> name, in the model's order
    // What the model was trained with: nsfwjs feeds RGB pixels / 255 (mean 0, std 1), resized to
    // 224 x 224 (299 x 299 for InceptionV3); Keras' ImageNet (x / 127.5 - 1) scaling is NOT
    // what these weights expect.
    Preprocessing preprocessing;
    // The last block (the network's block name) whose values are still the ImageNet ones
    // (MobileNetV2: Conv1 .. block_10; InceptionV3: up to mixed5 = Mixed_6c); the layers above
    // were fine-tuned by nsfwjs for its own 5 classes.
    std::string lastImageNetBlock = "block10";
    int64_t tensorCount = 0;  // tensors in the file (266 for nsfwjs 4.4.0's MobileNetV2)
};

// Reads `modelDir`/model.min.js (the browserify-wrapped tfjs model.json) and the weight shards
// it names (`<path>.min.js`, base64 of uint8 values, dequantized as min + scale * q), checks
// that the layers are the Keras MobileNetV2 (alpha 1.0) with the nsfwjs top, and maps them to
// torchvision's names: conv kernels [kh, kw, in, out] -> [out, in, kh, kw], depthwise
// [kh, kw, C, 1] -> [C, 1, kh, kw], dense [in, out] -> [out, in]. The result runs in
// build::mobileNetV2Keras (TF "same" padding on the stride-2 convolutions, BatchNorm eps 1e-3).
// Missing or malformed files, unexpected layers and shape mismatches are errors naming the file.
// `modelDir` is <npm prefix>/node_modules/nsfwjs/dist/models/mobilenet_v2.
Result<ImportedWeights> importNsfwjsMobileNetV2(const std::filesystem::path& modelDir);

// Converts a JavaScript object literal as minifiers write it (unquoted keys, !0 / !1 for
// true / false, .5 for 0.5, 'single-quoted' strings, void 0) to JSON text. `text` starts at
// the literal's first character; `consumed` receives its length. Exposed for tests.
Result<std::string> javascriptLiteralToJson(std::string_view text, size_t* consumed = nullptr);

}  // namespace fovea::core
