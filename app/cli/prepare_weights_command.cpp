#include "prepare_weights_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "exit_codes.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/offline_default.h"

namespace fovea::cli {

int runPrepareOfflineWeights(const PrepareWeightsOptions& options) {
    const auto defaultFile = options.outputFolder / core::kOfflineDefaultWeightsFile;
    nlohmann::json files = nlohmann::json::array();
    bool converted = false;
    if (options.force || !core::readSafetensors(defaultFile)) {
        auto written = core::writeOfflineWeights(options.npmPrefix, options.outputFolder);
        if (!written) {
            if (options.json) {
                std::cout << nlohmann::json{{"error", written.error().message}}.dump(2) << "\n";
            }
            std::cerr << "fovea-cli: " << written.error().message << "\n";
            return kExitBadData;
        }
        for (const auto& file : written.value()) files.push_back(file.string());
        converted = true;
    }
    if (options.json) {
        std::cout << nlohmann::json{{"folder", options.outputFolder.string()},
                                    {"converted", converted},
                                    {"files", files}}
                         .dump(2)
                  << "\n";
    } else if (converted) {
        std::cout << "Converted the offline weights:\n";
        for (const auto& file : files) std::cout << "  " << file.get<std::string>() << "\n";
    } else {
        std::cout << "Offline weights already prepared in " << options.outputFolder.string()
                  << "\n";
    }
    return kExitSuccess;
}

}  // namespace fovea::cli
