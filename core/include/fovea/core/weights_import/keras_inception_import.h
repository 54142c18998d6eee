#pragma once

// Conversion of the Keras InceptionV3 that the nsfwjs npm package (MIT) ships as TensorFlow.js
// files into a torchvision-named state dict for the zoo's "inception_v3_keras".
#include <filesystem>

#include "fovea/core/result.h"
#include "fovea/core/weights_import/keras_mobilenet_import.h"

namespace fovea::core {

// Reads `modelDir`/model.min.js and its six weight shards (base64 of uint8 values, dequantized
// as min + scale * q), checks that the layers are Keras' InceptionV3 (299 px input) with the
// nsfwjs top, and maps them to torchvision's inception_v3 names by walking the graph: Keras
// names its layers conv2d_N / batch_normalization_N in creation order and creates the branches
// of a mixed block in another order than torchvision's modules, so each convolution is
// identified by its place in the branch that feeds each mixedN concatenation (mixed0 ..
// mixed10 = Mixed_5b .. Mixed_7c), and its kernel, stride, padding and shape are checked
// against build::inceptionV3Keras. Keras' BatchNorm has no gamma (scale=False): bn.weight is
// set to ones. The result has no AuxLogits and its fc is the nsfwjs top ("fc.{0,3,6}").
// preprocessing: x / 255 at 299 x 299; lastImageNetBlock "Mixed_6c" (Keras mixed5); tensorCount
// counts the tensors in the file (382 for nsfwjs 4.4.0).
// `modelDir` is <npm prefix>/node_modules/nsfwjs/dist/models/inception_v3.
Result<ImportedWeights> importNsfwjsInceptionV3(const std::filesystem::path& modelDir);

}  // namespace fovea::core
