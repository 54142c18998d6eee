#include "fovea/core/project/fashion_mnist.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>
#include <set>

#include "fovea/core/project/folder_import.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

bool datasetInstalled() {
    return fs::exists(fs::path(kFashionMnistDir) / "t10k-images-idx3-ubyte.gz");
}

void writeGz(const fs::path& file, const std::vector<std::uint8_t>& bytes) {
    gzFile gz = gzopen(file.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    if (!bytes.empty()) {
        ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
                  static_cast<int>(bytes.size()));
    }
    gzclose(gz);
}

TEST(FashionMnist, WritesAnImageFolderThatImportsWithTheIdxContent) {
    if (!datasetInstalled()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    TempDir dir;
    FashionMnistFolderOptions options;
    options.classes = {0, 3, 7, 9};
    options.imagesPerClass = 20;
    options.unlabeledImages = 10;
    options.seed = 11;
    auto files = writeFashionMnistFolder(dir / "fmnist", options);
    ASSERT_TRUE(files.ok()) << files.error().message;
    ASSERT_EQ(files.value().size(), 90u);

    ProjectStore store = test::createProject(dir / "project");
    auto report = importFolder(store, dir / "fmnist");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().added, 90u);
    EXPECT_TRUE(report.value().unreadable.empty());
    // Created sorted by name, as ImageFolder does.
    EXPECT_EQ(report.value().classesCreated,
              (std::vector<std::string>{"Ankle_boot", "Dress", "Sneaker", "T-shirt_top"}));
    ImageFilter unlabeled;
    unlabeled.labeled = Require::No;
    EXPECT_EQ(store.imageCount(unlabeled).value(), 10);
    const auto counts = store.classCounts().value();
    for (const auto& perClass : counts) {
        if (perClass.classId) {
            EXPECT_EQ(perClass.total, 20);
        }
    }

    auto data = readFashionMnist(FashionMnistPart::Test);
    ASSERT_TRUE(data.ok()) << data.error().message;
    std::set<int> sources;
    for (const FashionMnistFile& file : files.value()) {
        EXPECT_TRUE(sources.insert(file.sourceIndex).second) << "an image was written twice";
        EXPECT_EQ(data.value().labels[file.sourceIndex], file.label);
        const ImageRecord image = test::imageAt(store, file.path);
        EXPECT_EQ(image.width, 28);
        EXPECT_EQ(image.height, 28);
        EXPECT_EQ(test::labelOf(store, image),
                  file.labeled ? fashionMnistClassNames()[file.label] : "");
        const cv::Mat pixels = cv::imread(file.path.string(), cv::IMREAD_UNCHANGED);
        ASSERT_EQ(pixels.type(), CV_8UC1);
        ASSERT_TRUE(pixels.isContinuous());
        const std::uint8_t* expected =
            data.value().images.pixels.data() + static_cast<std::size_t>(file.sourceIndex) * 784;
        EXPECT_TRUE(std::equal(expected, expected + 784, pixels.data)) << file.path;
    }
}

TEST(FashionMnist, SeedDecidesWhichImages) {
    if (!datasetInstalled()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    TempDir dir;
    FashionMnistFolderOptions options;
    options.classes = {1};
    options.imagesPerClass = 5;
    auto indices = [&](const std::string& folder, std::uint64_t seed) {
        options.seed = seed;
        std::vector<int> result;
        const auto files = writeFashionMnistFolder(dir / folder, options).value();
        for (const auto& file : files) {
            result.push_back(file.sourceIndex);
        }
        return result;
    };
    EXPECT_EQ(indices("a", 1), indices("b", 1));
    EXPECT_NE(indices("a", 1), indices("c", 2));
}

TEST(FashionMnist, RefusesBadOptions) {
    if (!datasetInstalled()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    TempDir dir;
    FashionMnistFolderOptions options;
    options.classes = {10};
    EXPECT_FALSE(writeFashionMnistFolder(dir / "x", options).ok());
    options.classes = {2, 2};
    EXPECT_FALSE(writeFashionMnistFolder(dir / "x", options).ok());
    options.classes = {2};
    options.imagesPerClass = 1001;  // the test part has 1000 per class
    auto tooMany = writeFashionMnistFolder(dir / "x", options);
    ASSERT_FALSE(tooMany.ok());
    EXPECT_NE(tooMany.error().message.find("Pullover has only 1000"), std::string::npos);
}

TEST(FashionMnist, IdxErrorsNameTheFile) {
    TempDir dir;
    auto missing = readIdxImages(dir / "nothing.gz");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("nothing.gz not found"), std::string::npos);

    writeGz(dir / "labels-as-images.gz", {0, 0, 8, 1, 0, 0, 0, 1, 4});
    auto wrongMagic = readIdxImages(dir / "labels-as-images.gz");
    ASSERT_FALSE(wrongMagic.ok());
    EXPECT_NE(wrongMagic.error().message.find("labels-as-images.gz: not an IDX image file "
                                              "(magic number 0x00000801, expected 0x00000803)"),
              std::string::npos)
        << wrongMagic.error().message;

    // Declares 2 images of 2x2 but holds 5 bytes.
    writeGz(dir / "short.gz", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5});
    auto truncated = readIdxImages(dir / "short.gz");
    ASSERT_FALSE(truncated.ok());
    EXPECT_NE(truncated.error().message.find("short.gz: truncated"), std::string::npos);

    writeGz(dir / "absurd.gz", {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28});
    auto absurd = readIdxImages(dir / "absurd.gz");
    ASSERT_FALSE(absurd.ok());
    EXPECT_NE(absurd.error().message.find("implausible"), std::string::npos);

    writeGz(dir / "labels.gz", {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3});
    auto labels = readIdxLabels(dir / "labels.gz");
    ASSERT_TRUE(labels.ok()) << labels.error().message;
    EXPECT_EQ(labels.value(), (std::vector<std::uint8_t>{1, 2, 3}));

    test::writeText(dir / "corrupt.gz", std::string("\x1f\x8b\x08\x00garbage garbage", 19));
    auto corrupt = readIdxLabels(dir / "corrupt.gz");
    ASSERT_FALSE(corrupt.ok());
    EXPECT_NE(corrupt.error().message.find("corrupt.gz"), std::string::npos);

    auto part = readFashionMnist(FashionMnistPart::Test, dir.path());
    ASSERT_FALSE(part.ok());
    EXPECT_NE(part.error().message.find("t10k-images-idx3-ubyte.gz not found"), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
