#include "fovea/core/health/image_fingerprint.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <bitset>
#include <vector>

#include "fovea/core/download/sha256.h"
#include "fovea/core/image/image_decode.h"

namespace fovea::core {

std::uint64_t perceptualHash(const cv::Mat& rgb) {
    cv::Mat grey;
    cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    cv::Mat small;
    cv::resize(grey, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    cv::Mat frequencies;
    small.convertTo(small, CV_32F);
    cv::dct(small, frequencies);
    std::vector<float> low;
    low.reserve(64);
    for (int row = 0; row < 8; ++row) {
        for (int column = 0; column < 8; ++column)
            low.push_back(frequencies.at<float>(row, column));
    }
    // The median without the DC term, which only says how bright the picture is.
    std::vector<float> sorted(low.begin() + 1, low.end());
    std::nth_element(sorted.begin(), sorted.begin() + 31, sorted.end());
    const float median = sorted[31];
    std::uint64_t hash = 0;
    for (std::size_t bit = 0; bit < 64; ++bit) {
        if (low[bit] > median) hash |= std::uint64_t{1} << bit;
    }
    return hash;
}

int hashDistance(std::uint64_t a, std::uint64_t b) {
    return static_cast<int>(std::bitset<64>(a ^ b).count());
}

Result<ImageFingerprint> fingerprintImage(const std::filesystem::path& file) {
    auto decoded = decodeImage(file);
    if (!decoded) return decoded.error();
    auto digest = sha256OfFile(file);
    if (!digest) return digest.error();
    ImageFingerprint fingerprint;
    fingerprint.contentHash = std::move(digest).value();
    fingerprint.perceptualHash = perceptualHash(decoded.value().rgb);
    fingerprint.width = decoded.value().rgb.cols;
    fingerprint.height = decoded.value().rgb.rows;
    return fingerprint;
}

}  // namespace fovea::core
