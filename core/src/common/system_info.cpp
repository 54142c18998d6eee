#include "fovea/core/system_info.h"

#include <cstdlib>

#include "fovea/core/opencv_runtime.h"
#include "fovea/core/threads.h"
#include "fovea/core/version.h"

namespace fovea::core {
namespace {

std::string openMpWaitPolicy() {
    if (const char* policy = std::getenv("OMP_WAIT_POLICY")) return policy;
    if (const char* spins = std::getenv("GOMP_SPINCOUNT"))
        return std::string("spin count ") + spins;
    return "libgomp's default (spin, then sleep)";
}

}  // namespace

SystemInfo collectSystemInfo() {
    SystemInfo info;
    info.foveaVersion = kFoveaVersion;
    info.torch = queryTorchRuntime();
    info.blas = probeBlas();
    info.openCvVersion = openCvVersion();
    info.availableCores = availableCores();
    info.openMpWaitPolicy = openMpWaitPolicy();
    return info;
}

}  // namespace fovea::core
