#pragma once

#include <filesystem>

#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core {

// Reads a weight file of any format Fovea knows, chosen by its content, not its name: a zip
// archive ("PK\x03\x04") or a pickle (first byte 0x80) goes to readPth(), a file whose JSON
// header starts at byte 8 goes to readSafetensors() (its metadata is dropped). Anything else
// is an Error such as "x.bin: not a PyTorch .pth or safetensors file".
Result<StateDict> readWeightFile(const std::filesystem::path& file);

}  // namespace fovea::core
