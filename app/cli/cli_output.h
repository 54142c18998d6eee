#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace fovea::cli {

// One line on stderr ("fovea-cli: ..."), and with --json the same error as the command's one
// JSON object on stdout, so scripts always get JSON. Returns `exitCode`.
int reportError(bool json, int exitCode, const std::string& message);

// Prints the command's result: the JSON object with --json, else `text`.
void printResult(bool json, const nlohmann::json& result, const std::string& text);

// Progress of long work on stderr: a bar redrawn in place with ETA on a terminal, plain lines
// (at most one every few seconds, plus the last) when stderr is a file or a pipe.
class ProgressDisplay {
  public:
    ProgressDisplay();
    // `fraction` of the whole work done, `label` what is being done, `detail` figures.
    void update(double fraction, const std::string& label, const std::string& detail,
                double etaSeconds);
    // A stage of work over images: "embedding 120/500 images"; total 0 when its length is not
    // known (the stage's name alone).
    void updateStage(const std::string& stage, std::int64_t done, std::int64_t total);
    // Ends the bar's line (on a terminal) before normal output continues.
    void finishLine();
    void line(const std::string& text);  // a message between updates

  private:
    bool m_terminal;
    bool m_open = false;
    std::chrono::steady_clock::time_point m_lastPlain;
};

std::string formatDuration(double seconds);  // "1h02m", "3m05s", "42s"

}  // namespace fovea::cli
