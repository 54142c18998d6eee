#pragma once

#include <optional>
#include <string>

namespace fovea::core {

// Number of CPU cores this process may run on (its affinity mask, not the machine's total).
int availableCores();

// The intra-op thread count Fovea wants: OMP_NUM_THREADS when it holds a positive integer,
// otherwise every available core. Pure, so it can be tested without touching the environment.
int chooseIntraOpThreads(const std::optional<std::string>& ompNumThreads, int cores);

// Applies chooseIntraOpThreads() to LibTorch (and through OpenMP to OpenBLAS). LibTorch starts
// with one intra-op thread on Debian's build, so both executables call this at start-up.
// Returns the count now in force.
int configureIntraOpThreads();

// The intra-op thread count LibTorch uses now.
int intraOpThreads();

}  // namespace fovea::core
