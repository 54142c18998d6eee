#pragma once

// Which process is recording a run folder: running.json (run_folder_layout.h) holds its pid,
// host and start. The run folder writes it while it records; the run list and a second
// resume read it, to tell a running run from one whose process died. Free of LibTorch.

#include <filesystem>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

struct RunActivity {
    bool marked = false;  // running.json exists and is readable
    // Marked by a process that is alive: on this host, its pid exists; on another host (a
    // shared folder) nothing can be asked, so the run counts as live while its files changed
    // within the last 30 minutes.
    bool live = false;
    std::string host;
    long pid = 0;
};

RunActivity runActivity(const std::filesystem::path& runFolder);

// Writes running.json for this process (atomically).
Result<void> markRunActive(const std::filesystem::path& runFolder);
// Removes running.json when this process wrote it.
void unmarkRunActive(const std::filesystem::path& runFolder);

}  // namespace fovea::core
