#pragma once

#include <string>

#include "fovea/core/blas_probe.h"
#include "fovea/core/torch_runtime.h"

namespace fovea::core {

// Everything `fovea-cli info` and the About dialog show.
struct SystemInfo {
    std::string foveaVersion;
    TorchRuntimeInfo torch;
    BlasInfo blas;
    std::string openCvVersion;
    int availableCores = 0;
};

SystemInfo collectSystemInfo();

}  // namespace fovea::core
