#include "fovea/core/opencv_runtime.h"

#include <opencv2/core/utility.hpp>

namespace fovea::core {

// The library loaded at run time, which may differ from the headers built against.
std::string openCvVersion() { return cv::getVersionString(); }

}  // namespace fovea::core
