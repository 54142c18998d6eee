#pragma once

// Helpers for the end-to-end tests that drive fovea-cli as a script would: run it with --json
// and read the one JSON object it prints, and keep it running in the background to signal it.
// Each test's scratch folder is a TempFolder (temp_folder.h).
#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace fovea::test {

// What one `fovea-cli ... --json` printed: `json` is the parsed stdout when it is exactly one
// JSON value (whitespace around it allowed), else discarded; `output` is stdout as printed.
struct JsonRun {
    int exitCode = -1;  // -1 when the process did not exit normally
    nlohmann::json json = nlohmann::json(nlohmann::json::value_t::discarded);
    std::string output;
};

JsonRun parseJsonRun(int exitCode, std::string output);

// Runs fovea-cli to the end; `environment` as for runProcess ("NAME=value", "-NAME").
JsonRun runCliJson(const std::vector<std::string>& args,
                   const std::vector<std::string>& environment = {});

// Whether `run` printed one JSON object (not an array, a number, nothing or two objects).
inline bool printedOneObject(const JsonRun& run) { return run.json.is_object(); }

// fovea-cli (or any program) running in the background with stdout and stderr sent to files,
// so the test can signal it and read what it printed once it has exited. The destructor kills
// (SIGKILL) and reaps it when it is still running, so a failed assertion leaves no orphan.
class ChildProcess {
  public:
    ChildProcess(const std::string& program, const std::vector<std::string>& args,
                 const std::vector<std::string>& environment,
                 const std::filesystem::path& stdoutFile, const std::filesystem::path& stderrFile);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool running();               // false once it has exited (it is reaped then)
    void sendSignal(int signal);  // no-op once it has exited
    // Blocks until it exits. The exit status, or -N when it was ended by signal N.
    int wait();

  private:
    void record(int status);

    pid_t m_pid = -1;
    bool m_exited = false;
    int m_status = 0;
};

// Polls `path` every few milliseconds until it exists; false after `timeout` or when `child`
// exits first (checked too, so a crash does not cost the whole timeout).
bool waitForFile(const std::filesystem::path& path, ChildProcess& child,
                 std::chrono::milliseconds timeout);

std::string readWholeFile(const std::filesystem::path& file);

// The data rows of a CSV file with a header line: every non-empty line after the first.
std::vector<std::string> csvDataRows(const std::filesystem::path& file);

}  // namespace fovea::test
