#pragma once

// Test networks and images for evaluation and prediction: a network whose logits are known in
// closed form, and small solid-colour PNG files to feed it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fovea/core/models/network.h"
#include "temp_folder.h"

namespace fovea::test {

// Logits = kScale x the mean of each input channel: with unit-scale preprocessing (x / 255) a
// solid RGB colour (r, g, b) gives exactly kScale * (r, g, b) / 255, one class per channel.
class ColourNetworkImpl : public core::NetworkImpl {
  public:
    static constexpr float kScale = 4.0f;
    static constexpr int kSize = 8;

    ColourNetworkImpl() : NetworkImpl("colour_test", core::unitScalePreprocessing(kSize), 3) {
        setBlocks({{"head", {"scale"}}});
        m_scale = register_parameter("scale", torch::full({1}, kScale));
    }
    int64_t featureDim() const override { return 3; }

  protected:
    torch::Tensor runBlock(size_t, torch::Tensor x) override { return x.mean({2, 3}) * m_scale; }
    std::string installHead(std::shared_ptr<torch::nn::Module>) override { return "scale"; }
    void initHeadLinear(torch::nn::Module&) const override {}

  private:
    torch::Tensor m_scale;
};

inline std::shared_ptr<ColourNetworkImpl> makeColourNetwork() {
    return std::make_shared<ColourNetworkImpl>();
}

// The logits ColourNetworkImpl gives a solid (r, g, b) image, computed independently.
inline std::array<double, 3> colourLogits(int r, int g, int b) {
    const double s = ColourNetworkImpl::kScale;
    return {s * r / 255.0, s * g / 255.0, s * b / 255.0};
}

// An 8x8 PNG of one RGB colour (OpenCV writes BGR, hence the order).
inline std::filesystem::path writeSolidPng(const std::filesystem::path& file, int r, int g, int b,
                                           int size = ColourNetworkImpl::kSize) {
    std::filesystem::create_directories(file.parent_path());
    const cv::Mat pixels(size, size, CV_8UC3, cv::Scalar(b, g, r));
    EXPECT_TRUE(cv::imwrite(file.string(), pixels)) << file;
    return file;
}

// A file with an image name that is not an image.
inline std::filesystem::path writeBrokenImage(const std::filesystem::path& file) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream{file} << "not a PNG, just a note that was renamed\n";
    return file;
}

}  // namespace fovea::test
