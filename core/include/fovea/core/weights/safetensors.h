#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core {

// A safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header size N, N bytes of JSON, then the tensors' bytes. The JSON maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end)} (offsets relative to the byte buffer) and
// may hold "__metadata__", a string -> string map (Fovea stores labels and preprocessing there).
// Supported dtypes: F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL.
struct SafetensorsFile {
    StateDict tensors;  // CPU, contiguous, in the order of their bytes in the file
    std::map<std::string, std::string> metadata;
};

// Reads and validates a whole file: the header size must fit the file and stay under 100 MB,
// the JSON must be an object of well-formed entries with known dtypes, every tensor's byte
// range must match its shape and dtype, and the ranges must tile the byte buffer exactly (no
// overlap, gap or trailing bytes), as the reference implementation requires. Any violation is
// an Error naming the file and the problem.
Result<SafetensorsFile> readSafetensors(const std::filesystem::path& file);

// Writes `tensors` (moved to the CPU and made contiguous; unsupported dtypes are an error) in
// name order, little endian, with `metadata` as "__metadata__" when it is not empty. The file
// is written to a temporary file in the same folder, flushed and fsync'ed, then renamed over
// `file`, so a reader sees either the old file or the complete new one, and a failed write
// leaves any existing `file` untouched. No tensor may be named "__metadata__".
Result<void> writeSafetensors(const std::filesystem::path& file, const StateDict& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace fovea::core
