#include "cli_output.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace fovea::cli {

int reportError(bool json, int exitCode, const std::string& message) {
    std::cerr << "fovea-cli: " << message << "\n";
    if (json) {
        std::cout << nlohmann::json{{"error", message}, {"exit_code", exitCode}}.dump(2) << "\n";
    }
    return exitCode;
}

void printResult(bool json, const nlohmann::json& result, const std::string& text) {
    if (json) {
        std::cout << result.dump(2) << "\n";
    } else {
        std::cout << text;
    }
    std::cout.flush();
}

std::string formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long total = std::lround(seconds);
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "%ldh%02ldm", total / 3600, (total % 3600) / 60);
    } else if (total >= 60) {
        std::snprintf(text, sizeof text, "%ldm%02lds", total / 60, total % 60);
    } else {
        std::snprintf(text, sizeof text, "%lds", total);
    }
    return text;
}

ProgressDisplay::ProgressDisplay() : m_terminal(::isatty(STDERR_FILENO) == 1) {}

void ProgressDisplay::update(double fraction, const std::string& label, const std::string& detail,
                             double etaSeconds) {
    fraction = std::min(1.0, std::max(0.0, fraction));
    if (m_terminal) {
        constexpr int kWidth = 24;
        const int filled = static_cast<int>(fraction * kWidth);
        std::string bar(static_cast<std::size_t>(filled), '=');
        if (filled < kWidth) bar += '>';
        bar.resize(kWidth, ' ');
        std::fprintf(stderr, "\r\033[K%s [%s] %3d%% %s ETA %s", label.c_str(), bar.c_str(),
                     static_cast<int>(fraction * 100), detail.c_str(),
                     formatDuration(etaSeconds).c_str());
        std::fflush(stderr);
        m_open = true;
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (fraction < 1.0 && now - m_lastPlain < std::chrono::seconds(5)) return;
    m_lastPlain = now;
    std::fprintf(stderr, "%s %d%% %s ETA %s\n", label.c_str(), static_cast<int>(fraction * 100),
                 detail.c_str(), formatDuration(etaSeconds).c_str());
}

void ProgressDisplay::updateStage(const std::string& stage, std::int64_t done, std::int64_t total) {
    update(
        total > 0 ? double(done) / double(total) : 0, stage,
        total > 0 ? std::to_string(done) + "/" + std::to_string(total) + " images" : std::string(),
        0);
}

void ProgressDisplay::finishLine() {
    if (m_open) std::fputc('\n', stderr);
    m_open = false;
}

void ProgressDisplay::line(const std::string& text) {
    finishLine();
    std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace fovea::cli
