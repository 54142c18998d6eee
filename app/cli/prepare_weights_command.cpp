#include "prepare_weights_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "exit_codes.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/offline_default.h"

namespace fovea::cli {

int runPrepareOfflineWeights(const PrepareWeightsOptions& options) {
    nlohmann::json result = {{"output", options.output.string()}};
    bool converted = false;
    if (options.force || !core::readSafetensors(options.output)) {
        auto written = core::writeOfflineDefaultWeights(options.npmPrefix, options.output);
        if (!written) {
            if (options.json) {
                std::cout << nlohmann::json{{"error", written.error().message}}.dump(2) << "\n";
            }
            std::cerr << "fovea-cli: " << written.error().message << "\n";
            return kExitBadData;
        }
        converted = true;
    }
    result["converted"] = converted;
    if (options.json) {
        std::cout << result.dump(2) << "\n";
    } else {
        std::cout << (converted ? "Converted the offline default weights to "
                                : "Offline default weights already prepared: ")
                  << options.output.string() << "\n";
    }
    return kExitSuccess;
}

}  // namespace fovea::cli
