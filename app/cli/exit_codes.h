#pragma once

#include "fovea/core/result.h"

namespace fovea::cli {

// Exit codes scripts can rely on (documented in the README).
enum ExitCode : int {
    kExitSuccess = 0,
    kExitFailure = 1,        // something went wrong while running
    kExitUsage = 2,          // bad command line
    kExitBadData = 3,        // no usable images, one class only, unreadable weights, ...
    kExitInterrupted = 130,  // stopped by Ctrl-C (SIGINT) or SIGTERM after writing a checkpoint
};

// The exit code of a failure of this kind.
inline int exitCodeFor(core::ErrorKind kind) {
    switch (kind) {
        case core::ErrorKind::Usage:
            return kExitUsage;
        case core::ErrorKind::BadData:
            return kExitBadData;
        case core::ErrorKind::Cancelled:
            return kExitInterrupted;
        case core::ErrorKind::Io:
        case core::ErrorKind::Internal:
            return kExitFailure;
    }
    return kExitFailure;
}

}  // namespace fovea::cli
