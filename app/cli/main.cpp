// fovea-cli: the headless workbench. Each subcommand prints text for people or, with --json,
// exactly one JSON object for scripts; exit codes are in exit_codes.h.
#include <CLI/CLI.hpp>
#include <iostream>

#include "exit_codes.h"
#include "fovea/core/system_info.h"
#include "fovea/core/threads.h"
#include "fovea/core/version.h"
#include "info_command.h"

namespace {

int runInfo(bool json) {
    const auto info = fovea::core::collectSystemInfo();
    if (json) {
        std::cout << fovea::cli::systemInfoJson(info).dump(2) << "\n";
    } else {
        std::cout << fovea::cli::systemInfoText(info);
    }
    return fovea::cli::kExitSuccess;
}

}  // namespace

int main(int argc, char** argv) {
    fovea::core::configureIntraOpThreads();

    CLI::App app{"Fovea: transfer learning workbench (headless)", "fovea-cli"};
    app.set_version_flag("--version", std::string("fovea-cli ") + fovea::core::kFoveaVersion);
    app.require_subcommand(1);

    bool infoJson = false;
    auto* info = app.add_subcommand("info", "Show versions, devices, threads and BLAS in use");
    info->add_flag("--json", infoJson, "Print one JSON object");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // Help and --version are "errors" with exit code 0 in CLI11.
        const int code = app.exit(error);
        return code == 0 ? fovea::cli::kExitSuccess : fovea::cli::kExitUsage;
    }

    try {
        if (info->parsed()) return runInfo(infoJson);
    } catch (const std::exception& error) {
        std::cerr << "fovea-cli: " << error.what() << "\n";
        return fovea::cli::kExitFailure;
    }
    return fovea::cli::kExitUsage;
}
