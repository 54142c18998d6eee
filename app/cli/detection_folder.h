#pragma once

// A folder of images with the box files people bring (COCO JSON, YOLO txt, Pascal VOC XML next
// to the images) where a detection project is expected (issue 24, point 6): `train --data
// FOLDER` imports it into a detection project inside the run folder (RUN/project, which the
// run's config.json names, so resume, eval and the workbench find its boxes), and `eval --data
// FOLDER` into a temporary project that is removed afterwards.

#include <filesystem>
#include <string>

#include "fovea/core/project/detection_import.h"
#include "fovea/core/result.h"

namespace fovea::cli {

// The project folder `train --data FOLDER` imports into, inside the run folder.
inline constexpr const char* kImportedProjectFolder = "project";

// A folder that is not a project and holds box files findBoxFiles recognises.
bool isBoxFolder(const std::filesystem::path& folder);

// Imports `folder` into the detection project `project` (created when missing; importing the
// same files again changes nothing). Without `json`, one line on stderr says what came in and
// each problem follows it.
core::Result<core::DetectionImportReport> importBoxFolder(const std::filesystem::path& folder,
                                                          const std::filesystem::path& project,
                                                          bool json);

// A folder under the system's temporary folder, removed with this object.
class TemporaryProjectFolder {
  public:
    TemporaryProjectFolder();
    ~TemporaryProjectFolder();
    TemporaryProjectFolder(const TemporaryProjectFolder&) = delete;
    TemporaryProjectFolder& operator=(const TemporaryProjectFolder&) = delete;
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

}  // namespace fovea::cli
