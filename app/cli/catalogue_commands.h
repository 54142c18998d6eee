#pragma once

#include <string>

namespace fovea::cli {

// `fovea-cli models`: architectures with input size, parameters, multiply-accumulates and
// weight sources (offline or downloadable).
int runModels(bool json);
// `fovea-cli layers --arch NAME`: the named blocks (what freezing works on) with parameters.
int runLayers(const std::string& architecture, bool json);

}  // namespace fovea::cli
