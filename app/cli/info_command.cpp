#include "info_command.h"

#include <sstream>

namespace fovea::cli {

nlohmann::json systemInfoJson(const core::SystemInfo& info) {
    nlohmann::json devices = nlohmann::json::array();
    for (const auto& device : info.torch.cudaDevices) {
        devices.push_back({{"index", device.index},
                           {"name", device.name},
                           {"total_memory_bytes", device.totalMemoryBytes},
                           {"compute_capability", std::to_string(device.computeMajor) + "." +
                                                      std::to_string(device.computeMinor)}});
    }
    return {
        {"fovea_version", info.foveaVersion},
        {"libtorch_version", info.torch.libtorchVersion},
        {"cuda", {{"available", info.torch.cudaAvailable}, {"devices", devices}}},
        {"default_device", info.torch.cudaAvailable ? "cuda" : "cpu"},
        {"threads",
         {{"intra_op", info.torch.intraOpThreads},
          {"inter_op", info.torch.interOpThreads},
          {"available_cores", info.availableCores},
          {"openmp_wait_policy", info.openMpWaitPolicy}}},
        {"blas",
         {{"name", info.blas.name}, {"library", info.blas.library}, {"slow", info.blas.slow}}},
        {"opencv_version", info.openCvVersion},
        {"qt_required", false},
    };
}

std::string systemInfoText(const core::SystemInfo& info) {
    std::ostringstream out;
    out << "Fovea " << info.foveaVersion << "\n";
    out << "  LibTorch   " << info.torch.libtorchVersion << "\n";
    if (info.torch.cudaAvailable) {
        out << "  CUDA       available, " << info.torch.cudaDevices.size() << " device(s)\n";
        for (const auto& device : info.torch.cudaDevices) {
            out << "             " << core::describeGpu(device) << "\n";
        }
    } else {
        out << "  CUDA       not available: training runs on the CPU\n";
    }
    out << "  Device     " << core::defaultDeviceLabel(info.torch) << "\n";
    out << "  Threads    " << info.torch.intraOpThreads << " intra-op (" << info.availableCores
        << " cores available; OMP_NUM_THREADS overrides), " << info.torch.interOpThreads
        << " inter-op; idle threads wait " << info.openMpWaitPolicy
        << " (OMP_WAIT_POLICY overrides)\n";
    out << "  BLAS       " << info.blas.name << "\n";
    if (!info.blas.library.empty()) out << "             " << info.blas.library << "\n";
    if (info.blas.slow) {
        out << "  WARNING    the reference BLAS makes training 20-35x slower: "
               "apt-get install libopenblas0-openmp\n";
    }
    out << "  OpenCV     " << info.openCvVersion << "\n";
    out << "  Qt         not needed by fovea-cli\n";
    return out.str();
}

}  // namespace fovea::cli
