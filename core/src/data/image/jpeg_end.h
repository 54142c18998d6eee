#pragma once

// Whether a JPEG's data reaches its end-of-image marker: libjpeg decodes a file cut short with
// only a warning, so the probe and the decoder check it themselves. Private to
// core/src/data/image.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

enum class JpegEnd { Complete, Truncated, Corrupt };

// libjpeg decodes a JPEG cut short with only a warning ("Premature end of JPEG file") and fills
// the missing rows with grey, so OpenCV returns a plausible image. A complete JPEG has an EOI
// marker (FF D9) after its first scan: entropy-coded data never contains FF D9 (an FF there is
// stuffed as FF 00), so finding one anywhere after the first SOS proves the data was not cut.
// Searching backwards finds it at once in the usual file, and still accepts data appended after
// EOI (phone "motion photos" append a whole video, some tools pad with zeros), which a strict
// "ends with FF D9" would refuse.
JpegEnd checkJpegEnd(const std::vector<std::uint8_t>& bytes);

// The error for a file that is not Complete, naming it; none for a complete one.
std::optional<Error> jpegEndError(JpegEnd end, const std::string& name);

}  // namespace fovea::core
