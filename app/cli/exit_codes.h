#pragma once

#include "fovea/core/session/run_failure.h"

namespace fovea::cli {

// Exit codes scripts can rely on (documented in the README).
enum ExitCode : int {
    kExitSuccess = 0,
    kExitFailure = 1,        // something went wrong while running
    kExitUsage = 2,          // bad command line
    kExitBadData = 3,        // no usable images, one class only, unreadable weights, ...
    kExitInterrupted = 130,  // stopped by Ctrl-C (SIGINT) or SIGTERM after writing a checkpoint
};

// How a failed run (or reading one back) maps to the exit codes.
inline int exitCodeFor(core::RunFailure failure) {
    switch (failure) {
        case core::RunFailure::Usage:
            return kExitUsage;
        case core::RunFailure::BadData:
            return kExitBadData;
        case core::RunFailure::Failure:
            return kExitFailure;
    }
    return kExitFailure;
}

}  // namespace fovea::cli
