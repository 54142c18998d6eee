// Regression test for a memory blow-up found while analysing image_fuzzer's crash (a 62984x5
// JPEG, see tests/core/data/transforms/rotate_wide_image_test.cpp): a legal but extreme strip (the
// probe allows up to 65535x1) went through Resize(256) as torchvision would, into an image of
// gigapixels (40000x16 -> 640000x256, 0.5 GB; 62984x5 -> 2.4 GB), allocated from a file of a few
// kilobytes. It must be a clear error for that image instead.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <string>

#include "fovea/core/loader/image_batch_loader.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

long peakMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

TEST(LoadEvaluationTensor, ThinStripIsRefusedBeforeResizingToGigapixels) {
    const test::TempFolder folder("fovea-thin-strip");
    const std::filesystem::path file = folder / "strip.png";
    ASSERT_TRUE(cv::imwrite(file.string(), cv::Mat(16, 40000, CV_8UC3, cv::Scalar(10, 80, 200))));
    const long before = peakMiB();
    const auto result = loadEvaluationTensor(file, Preprocessing{});
    const long grown = peakMiB() - before;
    ASSERT_FALSE(result.ok()) << "a 40000x16 image was resized to a shorter side of 256";
    const std::string& message = result.error().message;
    EXPECT_EQ(message.rfind(file.string() + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("40000x16 image resized to a shorter side of 256 would be 640000x256"),
              std::string::npos)
        << message;
    EXPECT_LT(grown, 100) << "peak memory grew by " << grown << " MiB";
}

TEST(LoadEvaluationTensor, WidePanoramaWithinTheLimitStillLoads) {
    // The control: 20000x100 becomes 51200x256 (13 MP), well within the limit.
    const test::TempFolder folder("fovea-panorama");
    const std::filesystem::path file = folder / "panorama.png";
    ASSERT_TRUE(cv::imwrite(file.string(), cv::Mat(100, 20000, CV_8UC3, cv::Scalar(1, 2, 3))));
    const auto result = loadEvaluationTensor(file, Preprocessing{});
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result.value().sizes(), (std::vector<std::int64_t>{1, 3, 224, 224}));
}

}  // namespace
}  // namespace fovea::core
