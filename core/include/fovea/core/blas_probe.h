#pragma once

#include <string>

namespace fovea::core {

// Which BLAS library the process actually runs with. Debian picks libblas.so.3 through
// update-alternatives at run time, so the build-time configuration of LibTorch does not tell.
struct BlasInfo {
    std::string name;     // e.g. "OpenBLAS 0.3.21 (openmp, Haswell)" or "reference BLAS"
    std::string library;  // resolved path of the loaded shared object, when known
    bool slow = false;    // the netlib reference implementation: 20-35x slower for LibTorch
};

BlasInfo probeBlas();

}  // namespace fovea::core
