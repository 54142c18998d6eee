#pragma once

// Temporary folders and small image files on disk for the project tests.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/project/project_store.h"
#include "temp_folder.h"

namespace fovea::test {

// The shared temporary-folder helper, under the name these tests have always used.
using TempDir = fovea::test::TempFolder;

// A small image whose pixels depend on `seed`, written with OpenCV in the format of the
// extension (.png, .jpg, ...); folders are created.
void writeImage(const std::filesystem::path& file, int width = 8, int height = 6, int seed = 0);
void writeText(const std::filesystem::path& file, const std::string& content);
std::string readText(const std::filesystem::path& file);

// The store or a failed test (throws with the error message, which gtest reports).
core::ProjectStore createProject(const std::filesystem::path& dir);
core::ProjectStore openProject(const std::filesystem::path& dir);

// Adds images by path through applyImport, without files on disk (for store-only tests).
// Returns their ids in order.
std::vector<core::ImageId> addFakeImages(core::ProjectStore& store,
                                         const std::vector<std::filesystem::path>& paths,
                                         const std::optional<std::string>& className = {},
                                         std::optional<core::Split> split = {});

// The image of the project with this path, or a failed test.
core::ImageRecord imageAt(const core::ProjectStore& store, const std::filesystem::path& path);
// Class name of an image, "" when unlabeled.
std::string labelOf(const core::ProjectStore& store, const core::ImageRecord& image);
core::ClassId classIdOf(const core::ProjectStore& store, const std::string& name);

}  // namespace fovea::test
