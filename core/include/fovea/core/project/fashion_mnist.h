#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

// Where Debian's dataset-fashion-mnist package installs the IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The ten classes in label order, spelled to be folder names (Xiao, Rasul, Vollgraf 2017,
// "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms").
const std::array<const char*, 10>& fashionMnistClassNames();

// An IDX3 image file (magic 0x00000803): `count` images of rows x cols bytes, row-major, as
// stored (Fashion-MNIST: 0 is the background, 255 the brightest part of the garment).
struct IdxImages {
    int count = 0;
    int rows = 0;
    int cols = 0;
    std::vector<std::uint8_t> pixels;  // count * rows * cols
};

// Read through zlib (a plain, uncompressed file works too). Errors name the file: missing,
// not gzip/corrupt, wrong magic number, sizes that do not match the data.
Result<IdxImages> readIdxImages(const std::filesystem::path& file);
// An IDX1 label file (magic 0x00000801): one byte per item.
Result<std::vector<std::uint8_t>> readIdxLabels(const std::filesystem::path& file);

enum class FashionMnistPart { Train, Test };  // 60000 or 10000 images

struct FashionMnist {
    IdxImages images;                  // 28 x 28
    std::vector<std::uint8_t> labels;  // 0..9, one per image
};

// Both files of one part, checked against each other (same count, 28x28, labels < 10).
Result<FashionMnist> readFashionMnist(FashionMnistPart part,
                                      const std::filesystem::path& dir = kFashionMnistDir);

struct FashionMnistFolderOptions {
    std::filesystem::path dataDir = kFashionMnistDir;
    FashionMnistPart part = FashionMnistPart::Test;
    std::vector<int> classes;  // label numbers 0..9; empty: all ten
    int imagesPerClass = 20;
    int unlabeledImages = 0;  // extra images of the chosen classes written flat in the root
    std::uint64_t seed = 0;   // which images are picked
};

struct FashionMnistFile {
    std::filesystem::path path;
    int sourceIndex = 0;   // index in the IDX part
    int label = 0;         // the true class, also for the unlabeled ones
    bool labeled = false;  // written in its class folder (else flat in the root)
};

// Writes PNG images (8-bit grey, 28x28) in ImageFolder layout: outDir/<class name>/<file>,
// and the unlabeled ones as outDir/<file>. File names are fmnist-<part>-<index>.png, so a
// second run with the same options rewrites the same files. Deterministic for a seed.
Result<std::vector<FashionMnistFile>> writeFashionMnistFolder(
    const std::filesystem::path& outDir, const FashionMnistFolderOptions& options = {});

}  // namespace fovea::core
