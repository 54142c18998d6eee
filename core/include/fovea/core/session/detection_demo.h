#pragma once

// The detection demo's data (issue 24, point 6): a detection folder made offline from Debian
// packages, objects with transparency pasted onto photographs at known boxes. The objects are
// Fashion-MNIST garments (dataset-fashion-mnist), their grey level as the alpha channel and a
// random colour; the photographs come from mate-backgrounds and python3-skimage. fovea-cli
// demo --task detection imports it and fine-tunes a detector on it; tests/bench times on it.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/result.h"

namespace fovea::core {

struct DetectionDemoOptions {
    std::filesystem::path fashionMnistDir = kFashionMnistDir;
    // Photographs to paste onto; empty: demoBackgroundPhotos().
    std::vector<std::filesystem::path> backgrounds;
    int images = 160;
    int width = 320;  // pixels of every image
    int height = 240;
    // Fashion-MNIST labels, one class each (named in lower case: "trouser", "sneaker", "bag"):
    // shapes that differ at a glance, so that a few minutes of training on a CPU tell them apart.
    std::vector<int> classes{1, 7, 8};
    int minObjects = 1;  // per image
    int maxObjects = 4;
    // The pasted 28 x 28 garment's side in pixels, drawn uniformly in this range.
    int minObjectSide = 40;
    int maxObjectSide = 112;
    std::uint64_t seed = 1;
};

struct DetectionDemoFolder {
    std::filesystem::path annotations;  // folder/annotations.json (COCO, writeCoco)
    std::vector<std::string> classes;
    std::size_t images = 0;  // folder/images/demo-NNNN.jpg
    std::size_t boxes = 0;
    std::vector<std::filesystem::path> backgrounds;  // the photographs used
};

// The photographs of the Debian packages above that are installed here, in a fixed order.
std::vector<std::filesystem::path> demoBackgroundPhotos();

// Writes folder/images/*.jpg and folder/annotations.json, deterministic for the options. Each
// image is a random crop of a photograph, resized to width x height, with minObjects..
// maxObjects garments pasted at random sizes and places (overlapping another by at most a fifth
// of the smaller box). A box is the tight pixel bound of where its garment covers at least a
// tenth of the pixel, in the image's pixels, so the boxes are exact. Errors: no photographs, no
// Fashion-MNIST (naming the package), unwritable folder.
Result<DetectionDemoFolder> writeDetectionDemoFolder(const std::filesystem::path& folder,
                                                     const DetectionDemoOptions& options = {});

}  // namespace fovea::core
