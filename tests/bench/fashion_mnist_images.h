#pragma once
// The benchmarks' data: Fashion-MNIST PNGs written from Debian's dataset-fashion-mnist, as the
// labeled images a loader takes (ids numbered in the order written).
#include <vector>

#include "fovea/core/loader/labeled_image.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/result.h"

namespace fovea::test {

inline core::Result<std::vector<core::LabeledImage>> writeFashionMnistImages(
    const std::filesystem::path& folder, const core::FashionMnistFolderOptions& options) {
    auto written = core::writeFashionMnistFolder(folder, options);
    if (!written) {
        return core::Error{written.error().message + " (install dataset-fashion-mnist)"};
    }
    std::vector<core::LabeledImage> images;
    for (const auto& file : written.value()) {
        images.push_back({static_cast<std::int64_t>(images.size()), file.path, file.label});
    }
    return images;
}

}  // namespace fovea::test
