#pragma once

#include <string>
#include <vector>

namespace fovea::test {

struct ProcessResult {
    int exitCode = -1;   // -1 when the process did not exit normally
    std::string output;  // stdout (and stderr when mergeStderr)
};

// Runs `program args...` without a shell, with extra "NAME=value" entries added to (or, as
// "-NAME", removed from) the environment. Blocks until it exits.
ProcessResult runProcess(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& environment = {},
                         bool mergeStderr = false);

// The source tree's root (FOVEA_SOURCE_DIR, set by ctest), for scripts and data the tests use.
std::string foveaSourceDir();

// Path of a Fovea executable in the build tree (FOVEA_BIN_DIR is set by ctest).
std::string foveaBinary(const std::string& name);

}  // namespace fovea::test
