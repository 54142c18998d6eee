#pragma once

#include <QImage>

// Declared, not included: no ui header pulls in OpenCV (the .cpp files that convert include it).
namespace cv {
class Mat;
}

namespace fovea::ui {

// An 8-bit RGB cv::Mat (core's decoded images, Grad-CAM overlays) as a QImage that owns a copy
// of the pixels, so it outlives the Mat and may cross threads.
QImage imageFromRgb(const cv::Mat& rgb);

}  // namespace fovea::ui
