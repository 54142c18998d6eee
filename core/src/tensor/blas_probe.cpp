#include "fovea/core/blas_probe.h"

#include <ATen/Context.h>
#include <dlfcn.h>

#include <filesystem>
#include <fstream>

namespace fovea::core {
namespace {

// OpenBLAS exports these C functions; looking them up at run time avoids linking OpenBLAS and
// finds it however it was loaded (libblas.so.3 alternative or directly).
using ConfigFn = const char* (*)();
using ParallelFn = int (*)();

std::string libraryOf(void* symbol) {
    Dl_info info{};
    if (symbol && dladdr(symbol, &info) && info.dli_fname) {
        std::error_code ec;
        const auto resolved = std::filesystem::canonical(info.dli_fname, ec);
        return ec ? std::string(info.dli_fname) : resolved.string();
    }
    return {};
}

// The resolved path of the first mapped libblas.so* (what update-alternatives chose).
std::string mappedBlasLibrary() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        const auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        const std::string path = line.substr(slash);
        if (path.find("/libblas.so") == std::string::npos) continue;
        std::error_code ec;
        const auto resolved = std::filesystem::canonical(path, ec);
        return ec ? path : resolved.string();
    }
    return {};
}

}  // namespace

BlasInfo probeBlas() {
    BlasInfo info;
    if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        std::string threading = "unknown threading";
        if (auto parallel =
                reinterpret_cast<ParallelFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"))) {
            switch (parallel()) {
                case 0:
                    threading = "sequential";
                    break;
                case 1:
                    threading = "pthreads";
                    break;
                case 2:
                    threading = "openmp";
                    break;
                default:
                    break;
            }
        }
        std::string core;
        if (auto corename =
                reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) {
            core = std::string(", ") + corename();
        }
        info.name = std::string(config()) + " (" + threading + core + ")";
        info.library = libraryOf(reinterpret_cast<void*>(config));
        return info;
    }
    if (dlsym(RTLD_DEFAULT, "mkl_get_version_string")) {
        info.name = "Intel MKL";
        info.library = libraryOf(dlsym(RTLD_DEFAULT, "mkl_get_version_string"));
        return info;
    }
    if (at::hasMKL()) {
        // pytorch.org builds and torch wheels link MKL statically and hide its symbols.
        info.name = "Intel MKL (inside LibTorch)";
        return info;
    }
    info.library = mappedBlasLibrary();
    if (info.library.empty()) {
        info.name = "none found (LibTorch may use its own kernels)";
    } else if (info.library.find("/blas/") != std::string::npos) {
        // Debian's netlib reference implementation lives in .../blas/libblas.so.3.
        info.name = "reference BLAS (install libopenblas0-openmp)";
        info.slow = true;
    } else {
        info.name = "unknown BLAS";
    }
    return info;
}

}  // namespace fovea::core
