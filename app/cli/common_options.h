#pragma once

// Flags that several commands share, spelled, checked and explained the same everywhere.
#include <CLI/CLI.hpp>

#include <string>

namespace fovea::cli {

// --device auto|cpu|cuda (auto: CUDA when available).
inline CLI::Option* addDeviceOption(CLI::App* command, std::string& device) {
    return command->add_option("--device", device, "auto | cpu | cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
        ->capture_default_str();
}

// --json: the command prints exactly one JSON object (errors too).
inline CLI::Option* addJsonFlag(CLI::App* command, bool& json) {
    return command->add_flag("--json", json, "Print one JSON object");
}

}  // namespace fovea::cli
