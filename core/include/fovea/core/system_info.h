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
    // How OpenMP's idle threads wait: OMP_WAIT_POLICY when set, else "spin count N" from
    // GOMP_SPINCOUNT (10000 unless the user set it; see core/src/process).
    std::string openMpWaitPolicy;
};

SystemInfo collectSystemInfo();

}  // namespace fovea::core
