#pragma once

namespace fovea::cli {

// Exit codes scripts can rely on (documented in the README).
enum ExitCode : int {
    kExitSuccess = 0,
    kExitFailure = 1,        // something went wrong while running
    kExitUsage = 2,          // bad command line
    kExitBadData = 3,        // no usable images, one class only, unreadable weights, ...
    kExitInterrupted = 130,  // stopped by Ctrl-C (SIGINT) or SIGTERM after writing a checkpoint
};

}  // namespace fovea::cli
