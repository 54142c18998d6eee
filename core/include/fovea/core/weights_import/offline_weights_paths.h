#pragma once

// Where the offline default weights live (torch-free; offline_default.h converts and loads them).

#include <filesystem>
#include <string>

namespace fovea::core {

// dataDirectory()/weights/<architecture>-nsfwjs.safetensors, for the two converted networks
// "mobilenet_v2_keras" (the default) and "inception_v3_keras".
std::filesystem::path offlineWeightsPath(const std::string& architecture);
std::filesystem::path offlineDefaultWeightsPath();  // the MobileNetV2 one

// The npm prefix packaging/setup.sh installs nsfwjs into: dataDirectory()/npm.
std::filesystem::path defaultNsfwjsPrefix();

}  // namespace fovea::core
