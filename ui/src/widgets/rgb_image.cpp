#include "widgets/rgb_image.h"

#include <opencv2/core/mat.hpp>

namespace fovea::ui {

QImage imageFromRgb(const cv::Mat& rgb) {
    return QImage(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step),
                  QImage::Format_RGB888)
        .copy();
}

}  // namespace fovea::ui
