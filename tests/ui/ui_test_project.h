#pragma once

// A small real project for GUI tests: Fashion-MNIST PNGs in ImageFolder layout (from Debian's
// dataset-fashion-mnist), some left unlabeled in the root, and one broken file.

#include <QString>
#include <filesystem>
#include <fstream>

#include "fovea/core/project/fashion_mnist.h"

namespace fovea::test {

struct UiTestImages {
    QString folder;
    int labeled = 0;
    int unlabeled = 0;
    int broken = 0;
};

// Writes `classes` x `perClass` labeled images, `unlabeled` images in the root and one file
// that is not an image ("broken.png") under `dir`.
inline UiTestImages writeUiTestImages(const QString& dir, int classes = 3, int perClass = 6,
                                      int unlabeled = 4) {
    core::FashionMnistFolderOptions options;
    for (int c = 0; c < classes; ++c) options.classes.push_back(c);
    options.imagesPerClass = perClass;
    options.unlabeledImages = unlabeled;
    options.seed = 7;
    const std::filesystem::path root = dir.toStdString();
    auto written = core::writeFashionMnistFolder(root, options);
    if (!written) return {};
    std::ofstream(root / "broken.png") << "this is not a PNG file";
    return {dir, classes * perClass, unlabeled, 1};
}

}  // namespace fovea::test
