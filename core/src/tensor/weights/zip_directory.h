#pragma once

#include "byte_source.h"
#include "fovea/core/result.h"

namespace fovea::core::weights_detail {

// PyTorchStreamReader allocates each record's declared uncompressed size before it extracts
// it, so a hostile archive could ask for terabytes. This walks the zip central directory the
// same way miniz finds it (last end-of-central-directory record, zip64 when marked) and accepts
// the archive only when every entry's sizes and offset fit inside the file and the entries'
// uncompressed sizes together do too (so entries pointing at shared data cannot multiply it).
// torch.save stores records uncompressed, so a real .pth never needs more. The error is the
// problem only.
Result<void> checkZipDirectory(FileSource& file);

}  // namespace fovea::core::weights_detail
