#include "fovea/core/weights_import/offline_default.h"

#include <nlohmann/json.hpp>

#include "fovea/core/download/downloader.h"
#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/keras_mobilenet_import.h"

namespace fovea::core {
namespace fs = std::filesystem;

namespace {
const char* const kArchitecture = "mobilenet_v2_keras";
}

fs::path offlineDefaultWeightsPath() {
    return dataDirectory() / "weights" / kOfflineDefaultWeightsFile;
}

fs::path defaultNsfwjsPrefix() { return dataDirectory() / "npm"; }

Result<void> writeOfflineDefaultWeights(const fs::path& npmPrefix, const fs::path& target) {
    auto imported =
        importNsfwjsMobileNetV2(npmPrefix / "node_modules/nsfwjs/dist/models/mobilenet_v2");
    if (!imported) return imported.error();
    const ImportedWeights& weights = imported.value();
    const Preprocessing& p = weights.preprocessing;
    const nlohmann::json preprocessing = {{"resize_shorter_side", p.resizeShorterSide},
                                          {"crop_size", p.cropSize},
                                          {"bicubic", p.bicubic},
                                          {"mean", p.mean},
                                          {"std", p.std}};
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error{target.parent_path().string() + ": " + ec.message()};
    return writeSafetensors(target, weights.stateDict,
                            {{"fovea.architecture", kArchitecture},
                             {"fovea.labels", nlohmann::json(weights.classLabels).dump()},
                             {"fovea.preprocessing", preprocessing.dump()},
                             {"fovea.last_imagenet_block", weights.lastImageNetBlock},
                             {"fovea.source", "npm package nsfwjs@4.4.0 (MIT)"}});
}

Result<NetworkPtr> loadOfflineDefaultNetwork(int64_t numClasses, const fs::path& weights) {
    if (!fs::exists(weights)) {
        return Error{weights.string() +
                     ": the offline default weights are missing; packaging/setup.sh installs "
                     "nsfwjs and `fovea-cli prepare-offline-weights` converts it"};
    }
    auto file = readSafetensors(weights);
    if (!file) return file.error();
    const auto& metadata = file.value().metadata;
    const auto architecture = metadata.find("fovea.architecture");
    if (architecture == metadata.end() || architecture->second != kArchitecture) {
        return Error{weights.string() + ": not Fovea's offline default weights (no " +
                     kArchitecture + " architecture in its metadata)"};
    }
    const auto labels = metadata.find("fovea.labels");
    const int64_t fileClasses =
        labels == metadata.end()
            ? 0
            : static_cast<int64_t>(nlohmann::json::parse(labels->second, nullptr, false).size());

    auto created = createNetwork(kArchitecture, fileClasses > 0 ? fileClasses : 5);
    if (!created) return created.error();
    NetworkPtr network = created.value();
    auto loaded = loadStateDict(*network, file.value().tensors, weights.string());
    if (!loaded) return loaded.error();

    network->replaceHead({numClasses});
    const auto last = metadata.find("fovea.last_imagenet_block");
    network->setFrozenBlocks(
        blocksUpTo(*network, last == metadata.end() ? "block10" : last->second));
    return network;
}

}  // namespace fovea::core
