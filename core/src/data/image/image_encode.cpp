#include "fovea/core/image/image_encode.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cctype>
#include <string>
#include <vector>

#include "fovea/core/atomic_file.h"

namespace fovea::core {

Result<void> writeRgbImage(const std::filesystem::path& file, const cv::Mat& rgb) {
    if (rgb.empty() || rgb.type() != CV_8UC3) {
        return Error{file.string() + ": not an 8-bit RGB image to write"};
    }
    std::string extension = file.extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::vector<uchar> encoded;
    try {
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);  // OpenCV's encoders take BGR
        if (extension.empty() || !cv::haveImageWriter(extension) ||
            !cv::imencode(extension, bgr, encoded)) {
            return Error{file.string() +
                         ": cannot write this format (use .png, .jpg, .bmp, .webp or .tif)"};
        }
    } catch (const cv::Exception& e) {
        return Error{file.string() + ": " + e.what()};
    }
    return files::writeFileAtomically(
        file, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
}

}  // namespace fovea::core
