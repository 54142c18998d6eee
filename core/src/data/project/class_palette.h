#pragma once

// Colours for new classes. Private to core/src/data/project.

#include <string>
#include <vector>

namespace fovea::core::palette {

// The first colour of the palette that none of `used` has; past the palette, distinct hues
// spaced by the golden angle. Always "#rrggbb", lower case.
std::string nextClassColour(const std::vector<std::string>& used);

// True for "#rrggbb" (either case).
bool isColour(const std::string& text);

}  // namespace fovea::core::palette
