#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fovea/core/models/network_fwd.h"
#include "fovea/core/result.h"

namespace fovea::core {

// A trained network as Fovea keeps it (RUN_DIR/model.safetensors): the weights, and in the
// metadata the architecture, class labels (JSON array, output order), preprocessing (JSON),
// frozen blocks and head options, so it can be rebuilt exactly.
struct TrainedModel {
    NetworkPtr network;
    std::vector<std::string> classNames;
    std::map<std::string, std::string> metadata;  // everything in the file's metadata
};

Result<void> saveTrainedModel(const std::filesystem::path& file, const NetworkImpl& network,
                              const std::vector<std::string>& classNames,
                              const std::map<std::string, std::string>& extraMetadata = {});
Result<TrainedModel> loadTrainedModel(const std::filesystem::path& file);

// The architecture the model was built as (its network's), for callers without LibTorch.
std::string architectureOf(const TrainedModel& model);

}  // namespace fovea::core
