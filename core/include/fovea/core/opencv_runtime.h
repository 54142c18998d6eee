#pragma once

#include <string>

namespace fovea::core {

// Version of the OpenCV library linked in (decoding and augmentation side of core).
std::string openCvVersion();

}  // namespace fovea::core
