#include "fovea/core/weights_import/offline_default.h"

#include <nlohmann/json.hpp>

#include "fovea/core/download/downloader.h"
#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/models/preprocessing_json.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/keras_inception_import.h"
#include "fovea/core/weights_import/keras_mobilenet_import.h"

namespace fovea::core {
namespace fs = std::filesystem;

namespace {

Result<void> writeImported(const ImportedWeights& weights, const std::string& architecture,
                           const fs::path& target) {
    const nlohmann::json preprocessing = toJson(weights.preprocessing);
    return writeSafetensors(target, weights.stateDict,
                            {{"fovea.architecture", architecture},
                             {"fovea.labels", nlohmann::json(weights.classLabels).dump()},
                             {"fovea.preprocessing", preprocessing.dump()},
                             {"fovea.last_imagenet_block", weights.lastImageNetBlock},
                             {"fovea.source", "npm package nsfwjs@4.4.0 (MIT)"}});
}

}  // namespace

fs::path offlineWeightsPath(const std::string& architecture) {
    return dataDirectory() / "weights" / (architecture + "-nsfwjs.safetensors");
}

fs::path offlineDefaultWeightsPath() {
    return dataDirectory() / "weights" / kOfflineDefaultWeightsFile;
}

fs::path defaultNsfwjsPrefix() { return dataDirectory() / "npm"; }

Result<std::vector<fs::path>> writeOfflineWeights(const fs::path& npmPrefix,
                                                  const fs::path& folder) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return Error{folder.string() + ": " + ec.message()};
    const fs::path models = npmPrefix / "node_modules/nsfwjs/dist/models";
    std::vector<fs::path> written;
    auto mobileNet = importNsfwjsMobileNetV2(models / "mobilenet_v2");
    if (!mobileNet) return mobileNet.error();
    written.push_back(folder / kOfflineDefaultWeightsFile);
    if (auto ok = writeImported(mobileNet.value(), "mobilenet_v2_keras", written.back()); !ok) {
        return ok.error();
    }
    auto inception = importNsfwjsInceptionV3(models / "inception_v3");
    if (!inception) return inception.error();
    written.push_back(folder / "inception_v3_keras-nsfwjs.safetensors");
    if (auto ok = writeImported(inception.value(), "inception_v3_keras", written.back()); !ok) {
        return ok.error();
    }
    return written;
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
    if (architecture == metadata.end() || (architecture->second != "mobilenet_v2_keras" &&
                                           architecture->second != "inception_v3_keras")) {
        return Error{weights.string() +
                     ": not one of Fovea's converted offline weights (its metadata names no "
                     "mobilenet_v2_keras or inception_v3_keras architecture)"};
    }
    const auto labels = metadata.find("fovea.labels");
    const int64_t fileClasses =
        labels == metadata.end()
            ? 0
            : static_cast<int64_t>(nlohmann::json::parse(labels->second, nullptr, false).size());

    auto created = createNetwork(architecture->second, fileClasses > 0 ? fileClasses : 5);
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
