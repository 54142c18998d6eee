#include "fovea/core/training/run_activity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "fovea/core/atomic_file.h"
#include "fovea/core/training/run_folder_layout.h"
#include "run_files.h"

namespace fovea::core {

namespace fs = std::filesystem;

namespace {

std::string hostName() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

bool processExists(long pid) {
    if (pid <= 0) return false;
    // Signal 0 checks without sending; EPERM means it exists but belongs to someone else.
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Whether any of the run's files changed within `window` (a run on another machine).
bool changedRecently(const fs::path& runFolder, std::chrono::minutes window) {
    std::error_code error;
    const auto now = fs::file_time_type::clock::now();
    for (const char* name :
         {run_layout::kLogFile, run_layout::kMetricsFile, run_layout::kRunningFile}) {
        const auto written = fs::last_write_time(runFolder / name, error);
        if (!error && now - written < window) return true;
    }
    return false;
}

}  // namespace

RunActivity runActivity(const fs::path& runFolder) {
    RunActivity activity;
    std::ifstream stream(runFolder / run_layout::kRunningFile);
    if (!stream) return activity;
    const auto json = nlohmann::json::parse(stream, nullptr, false);
    if (!json.is_object()) return activity;
    activity.marked = true;
    activity.host = json.value("host", std::string());
    activity.pid = json.value("pid", 0L);
    activity.live = activity.host == hostName()
                        ? processExists(activity.pid)
                        : changedRecently(runFolder, std::chrono::minutes(30));
    return activity;
}

Result<void> markRunActive(const fs::path& runFolder) {
    const nlohmann::json marker = {{"pid", static_cast<long>(getpid())},
                                   {"host", hostName()},
                                   {"started", run_detail::utcTimestamp()}};
    return files::writeFileAtomically(runFolder / run_layout::kRunningFile, marker.dump() + "\n");
}

void unmarkRunActive(const fs::path& runFolder) {
    const RunActivity activity = runActivity(runFolder);
    if (!activity.marked || activity.pid != static_cast<long>(getpid()) ||
        activity.host != hostName()) {
        return;
    }
    std::error_code ignored;
    fs::remove(runFolder / run_layout::kRunningFile, ignored);
}

}  // namespace fovea::core
