#pragma once

#include <map>
#include <string>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core {

// A network of `architecture` with `classCount` outputs holding `weights` (a model's state
// dict): the head recorded in the metadata ("fovea.head") is rebuilt first. Errors name `source`.
Result<NetworkPtr> networkWithWeights(const std::string& architecture, size_t classCount,
                                      const std::map<std::string, std::string>& metadata,
                                      const StateDict& weights, const std::string& source);

}  // namespace fovea::core
