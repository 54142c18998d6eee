#pragma once

// What both nsfwjs conversions are checked against: nsfwjs itself (TensorFlow.js CPU backend in
// Node) on the test photos, and the same pixels prepared as the app prepares them.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/models/preprocessing.h"

namespace fovea::test {

// One of nsfwjs' bundled models.
struct NsfwjsModel {
    std::string folder;    // under node_modules/nsfwjs/dist/models/, e.g. "mobilenet_v2"
    std::string tfjsName;  // nsfwjs.load's name, e.g. "MobileNetV2"
    std::int64_t size = 0;
};
inline const NsfwjsModel kNsfwjsMobileNetV2{"mobilenet_v2", "MobileNetV2", 224};
inline const NsfwjsModel kNsfwjsInceptionV3{"inception_v3", "InceptionV3", 299};

std::filesystem::path nsfwjsModelDir(const std::filesystem::path& prefix, const NsfwjsModel& model);
// <npm prefix> from FOVEA_NSFWJS_DIR, or empty when `model` is not installed there.
std::filesystem::path nsfwjsPrefix(const NsfwjsModel& model);
// The installed model's folder: nsfwjsModelDir(nsfwjsPrefix(model), model).
std::filesystem::path nsfwjsModelDir(const NsfwjsModel& model);

// Skips where no npm folder is configured; fails where one is configured but empty, since
// packaging/setup.sh should have filled it (the test build points FOVEA_NSFWJS_DIR there).
#define SKIP_WITHOUT_NSFWJS(model)                                                               \
    if (const char* configured = std::getenv("FOVEA_NSFWJS_DIR"); !configured || !*configured) { \
        GTEST_SKIP() << "FOVEA_NSFWJS_DIR is not set: no nsfwjs to compare with";                \
    } else if (fovea::test::nsfwjsPrefix(model).empty()) {                                       \
        FAIL() << configured << " holds no nsfwjs@4.4.0: run packaging/setup.sh";                \
    }

struct NsfwjsPhotos {
    std::vector<std::string> names;
    std::vector<char> pixels;     // [N, size, size, 3] uint8 RGB, as nsfwjs got them
    torch::Tensor probabilities;  // [N, 5] float32: nsfwjs' output
    std::int64_t count() const { return static_cast<std::int64_t>(names.size()); }
};

// Decodes the test photos at the model's size (make_nsfwjs_inputs.py; `count` 0: all of them)
// into `folder` and runs them through nsfwjs in Node. Skips the test where there is no Node.js
// or no photo decoder; fails it where a step fails. Callers return when
// IsSkipped() || HasFatalFailure().
void runNsfwjs(const NsfwjsModel& model, const std::filesystem::path& folder, int count,
               NsfwjsPhotos& photos);

// The photos' pixels as the app feeds them to a network with `preprocessing`: x / 255, then
// (x - mean) / std, as [N, 3, size, size] float32.
torch::Tensor appInput(const NsfwjsPhotos& photos, std::int64_t size,
                       const core::Preprocessing& preprocessing);

}  // namespace fovea::test
