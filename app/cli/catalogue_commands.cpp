#include "catalogue_commands.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli_output.h"
#include "exit_codes.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/weights_import/offline_default.h"

namespace fovea::cli {

int runModels(bool json) {
    nlohmann::json list = nlohmann::json::array();
    std::ostringstream text;
    char line[256];
    std::snprintf(line, sizeof line, "%-20s %-12s %6s %12s %9s  %s\n", "ARCHITECTURE", "FAMILY",
                  "INPUT", "PARAMETERS", "GMACS", "WEIGHTS");
    text << line;
    for (const auto& a : core::architectures()) {
        nlohmann::json sources = nlohmann::json::array();
        std::string weights;
        const auto offline = core::offlineWeightsPath(a.name);
        if (a.name == "mobilenet_v2_keras" || a.name == "inception_v3_keras") {
            const bool present = std::filesystem::exists(offline);
            sources.push_back(
                {{"name", "offline"}, {"path", offline.string()}, {"available", present}});
            weights = present ? "offline" : "offline (run prepare-offline-weights)";
        }
        for (const auto& source : core::weightSourcesFor(a.name)) {
            if (source.url.empty()) continue;
            sources.push_back({{"name", source.name},
                               {"url", source.url},
                               {"imagenet_top1", source.imagenetTop1}});
            weights += (weights.empty() ? "" : ", ") + source.name;
        }
        list.push_back({{"name", a.name},
                        {"family", a.family},
                        {"paper", a.paper},
                        {"input_size", a.preprocessing.cropSize},
                        {"resize_shorter_side", a.preprocessing.resizeShorterSide},
                        {"parameters", a.parameters},
                        {"multiply_accumulates", a.multiplyAccumulates},
                        {"weights", sources}});
        std::snprintf(line, sizeof line, "%-20s %-12s %6d %12lld %9.2f  %s\n", a.name.c_str(),
                      a.family.c_str(), a.preprocessing.cropSize,
                      static_cast<long long>(a.parameters), a.multiplyAccumulates / 1e9,
                      weights.c_str());
        text << line;
    }
    printResult(json, {{"models", list}}, text.str());
    return kExitSuccess;
}

int runLayers(const std::string& architecture, bool json) {
    auto network = core::createNetwork(architecture, 1000);
    if (!network) return reportError(json, kExitUsage, network.error().message);
    nlohmann::json blocks = nlohmann::json::array();
    std::ostringstream text;
    char line[256];
    std::snprintf(line, sizeof line, "%-16s %12s  %s\n", "BLOCK", "PARAMETERS", "MODULES");
    text << line;
    for (const auto& block : network.value()->blocks()) {
        const auto count = core::countBlockParameters(*network.value(), block);
        blocks.push_back(
            {{"name", block.name}, {"parameters", count}, {"modules", block.modulePaths}});
        std::string modules;
        for (const auto& path : block.modulePaths) modules += (modules.empty() ? "" : " ") + path;
        std::snprintf(line, sizeof line, "%-16s %12lld  %s\n", block.name.c_str(),
                      static_cast<long long>(count), modules.c_str());
        text << line;
    }
    printResult(json,
                {{"architecture", architecture},
                 {"blocks", blocks},
                 {"parameters", core::countParameters(*network.value()).total}},
                text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
