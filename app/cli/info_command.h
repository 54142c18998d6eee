#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "fovea/core/system_info.h"

namespace fovea::cli {

// `fovea-cli info`: what Fovea runs on. Split from printing so both forms share one source.
nlohmann::json systemInfoJson(const core::SystemInfo& info);
std::string systemInfoText(const core::SystemInfo& info);

}  // namespace fovea::cli
