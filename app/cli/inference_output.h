#pragma once

// How eval and predict say in what precision the network ran, and how the lower precision
// compared with fp32 on the images checked.
#include <string>

#include "fovea/core/session/inference_settings.h"

namespace fovea::cli {

// "" in fp32; else e.g. "Ran in bf16: top-1 agrees with fp32 on 31 of 32 images checked\n".
std::string precisionNote(const core::InferenceFacts& facts);

}  // namespace fovea::cli
