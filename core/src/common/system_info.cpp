#include "fovea/core/system_info.h"

#include "fovea/core/opencv_runtime.h"
#include "fovea/core/threads.h"
#include "fovea/core/version.h"

namespace fovea::core {

SystemInfo collectSystemInfo() {
    SystemInfo info;
    info.foveaVersion = kFoveaVersion;
    info.torch = queryTorchRuntime();
    info.blas = probeBlas();
    info.openCvVersion = openCvVersion();
    info.availableCores = availableCores();
    return info;
}

}  // namespace fovea::core
