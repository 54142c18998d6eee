#include "fovea/core/project/fashion_mnist.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <system_error>

namespace fovea::core {
namespace fs = std::filesystem;
namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned byte data, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned byte data, 1 dimension
// Refused before allocating: far above any IDX dataset, far below what a corrupt header
// could ask for.
constexpr std::uint32_t kMaxItems = 10'000'000;
constexpr std::uint32_t kMaxSide = 4096;
constexpr int kSide = 28;
constexpr int kClassCount = 10;

struct GzCloser {
    void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

std::string missingHint(const fs::path& file) {
    return file.parent_path() == fs::path(kFashionMnistDir)
               ? " (install the Debian package dataset-fashion-mnist)"
               : "";
}

Result<GzFile> openGz(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return Error{file.string() + " not found" + missingHint(file)};
    GzFile gz(gzopen(file.c_str(), "rb"));
    if (!gz) return Error{"Cannot open " + file.string() + ": " + std::strerror(errno)};
    return gz;
}

Result<void> readExactly(gzFile_s* gz, std::uint8_t* data, std::size_t size, const fs::path& file,
                         const char* what) {
    std::size_t total = 0;
    while (total < size) {
        const auto chunk = static_cast<unsigned>(std::min<std::size_t>(size - total, 1u << 30));
        const int read = gzread(gz, data + total, chunk);
        if (read < 0) {
            int code = 0;
            return Error{file.string() + ": not a readable gzip file (" + gzerror(gz, &code) + ")"};
        }
        if (read == 0) {
            return Error{file.string() + ": truncated: " + what + " needs " + std::to_string(size) +
                         " bytes, the file has " + std::to_string(total)};
        }
        total += static_cast<std::size_t>(read);
    }
    return {};
}

Result<void> expectEnd(gzFile_s* gz, const fs::path& file) {
    std::uint8_t extra = 0;
    const int read = gzread(gz, &extra, 1);
    if (read < 0) {
        int code = 0;
        return Error{file.string() + ": not a readable gzip file (" + gzerror(gz, &code) + ")"};
    }
    if (read > 0) return Error{file.string() + ": more data than its header declares"};
    return {};
}

std::uint32_t bigEndian(const std::uint8_t* bytes) {
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

std::string hex(std::uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

// splitmix64 as a generator: the same sequence on every platform, unlike std::shuffle with
// the standard distributions.
class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

  private:
    std::uint64_t m_state;
};

void shuffle(std::vector<int>& values, SplitMix64& random) {
    for (std::size_t i = values.size(); i > 1; --i) {
        std::swap(values[i - 1], values[random.next() % i]);
    }
}

Result<void> writePng(const FashionMnist& data, int index, const fs::path& file) {
    const std::size_t size = static_cast<std::size_t>(kSide) * kSide;
    // cv::Mat over the dataset's bytes: imwrite only reads them.
    const cv::Mat image(kSide, kSide, CV_8UC1,
                        const_cast<std::uint8_t*>(data.images.pixels.data() + index * size));
    try {
        if (!cv::imwrite(file.string(), image)) return Error{"Cannot write " + file.string()};
    } catch (const cv::Exception& e) {
        return Error{"Cannot write " + file.string() + ": " + e.what()};
    }
    return {};
}

}  // namespace

const std::array<const char*, 10>& fashionMnistClassNames() {
    // The published names, with '/' and spaces replaced so that they are folder names.
    static const std::array<const char*, 10> names = {
        "T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle_boot"};
    return names;
}

Result<IdxImages> readIdxImages(const fs::path& file) {
    auto gz = openGz(file);
    if (!gz) return gz.error();
    // The magic number first, so that a wrong file is named as such rather than "truncated".
    std::uint8_t header[16];
    if (auto read = readExactly(gz.value().get(), header, 4, file, "the magic number"); !read) {
        return read.error();
    }
    const std::uint32_t magic = bigEndian(header);
    if (magic != kImagesMagic) {
        return Error{file.string() + ": not an IDX image file (magic number " + hex(magic) +
                     ", expected " + hex(kImagesMagic) + ")"};
    }
    if (auto read = readExactly(gz.value().get(), header + 4, 12, file, "the header"); !read) {
        return read.error();
    }
    const std::uint32_t count = bigEndian(header + 4);
    const std::uint32_t rows = bigEndian(header + 8);
    const std::uint32_t cols = bigEndian(header + 12);
    if (count > kMaxItems || rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide) {
        return Error{file.string() + ": implausible sizes in the header (" + std::to_string(count) +
                     " images of " + std::to_string(rows) + "x" + std::to_string(cols) + ")"};
    }
    IdxImages images;
    images.count = static_cast<int>(count);
    images.rows = static_cast<int>(rows);
    images.cols = static_cast<int>(cols);
    images.pixels.resize(static_cast<std::size_t>(count) * rows * cols);
    if (auto read = readExactly(gz.value().get(), images.pixels.data(), images.pixels.size(), file,
                                "the images");
        !read) {
        return read.error();
    }
    if (auto end = expectEnd(gz.value().get(), file); !end) return end.error();
    return images;
}

Result<std::vector<std::uint8_t>> readIdxLabels(const fs::path& file) {
    auto gz = openGz(file);
    if (!gz) return gz.error();
    std::uint8_t header[8];
    if (auto read = readExactly(gz.value().get(), header, 4, file, "the magic number"); !read) {
        return read.error();
    }
    const std::uint32_t magic = bigEndian(header);
    if (magic != kLabelsMagic) {
        return Error{file.string() + ": not an IDX label file (magic number " + hex(magic) +
                     ", expected " + hex(kLabelsMagic) + ")"};
    }
    if (auto read = readExactly(gz.value().get(), header + 4, 4, file, "the header"); !read) {
        return read.error();
    }
    const std::uint32_t count = bigEndian(header + 4);
    if (count > kMaxItems) {
        return Error{file.string() + ": implausible label count " + std::to_string(count)};
    }
    std::vector<std::uint8_t> labels(count);
    if (auto read = readExactly(gz.value().get(), labels.data(), labels.size(), file, "the labels");
        !read) {
        return read.error();
    }
    if (auto end = expectEnd(gz.value().get(), file); !end) return end.error();
    return labels;
}

Result<FashionMnist> readFashionMnist(FashionMnistPart part, const fs::path& dir) {
    const std::string prefix = part == FashionMnistPart::Train ? "train" : "t10k";
    const fs::path imagesFile = dir / (prefix + "-images-idx3-ubyte.gz");
    const fs::path labelsFile = dir / (prefix + "-labels-idx1-ubyte.gz");
    auto images = readIdxImages(imagesFile);
    if (!images) return images.error();
    auto labels = readIdxLabels(labelsFile);
    if (!labels) return labels.error();
    if (images.value().rows != kSide || images.value().cols != kSide) {
        return Error{imagesFile.string() + ": Fashion-MNIST images are 28x28, this file has " +
                     std::to_string(images.value().rows) + "x" +
                     std::to_string(images.value().cols)};
    }
    if (labels.value().size() != static_cast<std::size_t>(images.value().count)) {
        return Error{labelsFile.string() + " has " + std::to_string(labels.value().size()) +
                     " labels for the " + std::to_string(images.value().count) + " images of " +
                     imagesFile.string()};
    }
    for (std::size_t i = 0; i < labels.value().size(); ++i) {
        if (labels.value()[i] >= kClassCount) {
            return Error{labelsFile.string() + ": label " + std::to_string(labels.value()[i]) +
                         " of item " + std::to_string(i) + " is not a Fashion-MNIST class (0-9)"};
        }
    }
    return FashionMnist{std::move(images).value(), std::move(labels).value()};
}

Result<std::vector<FashionMnistFile>> writeFashionMnistFolder(
    const fs::path& outDir, const FashionMnistFolderOptions& options) {
    std::vector<int> classes = options.classes;
    if (classes.empty()) {
        for (int c = 0; c < kClassCount; ++c) classes.push_back(c);
    }
    std::set<int> unique;
    for (int c : classes) {
        if (c < 0 || c >= kClassCount) {
            return Error{"Fashion-MNIST has classes 0 to 9; " + std::to_string(c) + " is not one"};
        }
        if (!unique.insert(c).second) {
            return Error{"Fashion-MNIST class " + std::to_string(c) + " is chosen twice"};
        }
    }
    if (options.imagesPerClass < 0 || options.unlabeledImages < 0) {
        return Error{"Image counts for the Fashion-MNIST folder cannot be negative"};
    }
    auto data = readFashionMnist(options.part, options.dataDir);
    if (!data) return data.error();

    SplitMix64 random(options.seed);
    std::vector<std::vector<int>> byClass(kClassCount);
    for (std::size_t i = 0; i < data.value().labels.size(); ++i) {
        byClass[data.value().labels[i]].push_back(static_cast<int>(i));
    }
    std::vector<std::pair<int, int>> labeled;  // (class, index)
    std::vector<int> rest;                     // not picked, of the chosen classes
    for (int c : classes) {
        std::vector<int>& indices = byClass[static_cast<std::size_t>(c)];
        shuffle(indices, random);
        if (indices.size() < static_cast<std::size_t>(options.imagesPerClass)) {
            return Error{"Fashion-MNIST class " + std::string(fashionMnistClassNames()[c]) +
                         " has only " + std::to_string(indices.size()) + " images in this part"};
        }
        const auto take = static_cast<std::size_t>(options.imagesPerClass);
        for (std::size_t i = 0; i < take; ++i) labeled.push_back({c, indices[i]});
        rest.insert(rest.end(), indices.begin() + static_cast<std::ptrdiff_t>(take), indices.end());
    }
    if (rest.size() < static_cast<std::size_t>(options.unlabeledImages)) {
        return Error{"Not enough Fashion-MNIST images left for " +
                     std::to_string(options.unlabeledImages) + " unlabeled images"};
    }
    shuffle(rest, random);

    const std::string part = options.part == FashionMnistPart::Train ? "train" : "test";
    const auto fileName = [&](int index) {
        char name[64];
        std::snprintf(name, sizeof name, "fmnist-%s-%05d.png", part.c_str(), index);
        return std::string(name);
    };
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec) return Error{"Cannot create " + outDir.string() + ": " + ec.message()};
    std::vector<FashionMnistFile> files;
    for (int c : classes) {
        fs::create_directories(outDir / fashionMnistClassNames()[c], ec);
        if (ec) return Error{"Cannot create a folder in " + outDir.string() + ": " + ec.message()};
    }
    for (const auto& [c, index] : labeled) {
        const fs::path file = outDir / fashionMnistClassNames()[c] / fileName(index);
        if (auto written = writePng(data.value(), index, file); !written) return written.error();
        files.push_back({file, index, c, true});
    }
    for (int i = 0; i < options.unlabeledImages; ++i) {
        const int index = rest[static_cast<std::size_t>(i)];
        const fs::path file = outDir / fileName(index);
        if (auto written = writePng(data.value(), index, file); !written) return written.error();
        files.push_back({file, index, data.value().labels[static_cast<std::size_t>(index)], false});
    }
    return files;
}

}  // namespace fovea::core
