#pragma once

// A detection project's boxes written back as the files people use (issue 24, point 1):
// ProjectStore -> BoxAnnotations -> the writers of box_annotations.h. Importing what this
// writes into a new project gives the same boxes.

#include <filesystem>
#include <optional>

#include "fovea/core/detection/box_annotations.h"
#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::core {

struct DetectionExportOptions {
    // Image paths are written relative to this folder; images outside it are left out (with a
    // problem). Empty: the deepest folder holding every exported image.
    std::filesystem::path imagesRoot;
    std::optional<Split> split;    // only the images of this split
    bool includeExcluded = false;  // excluded images are left out of export, as of training
};

// The project's annotated images (background images included; never-annotated and missing
// images left out) and their boxes, classes in display order. Sizes are the images' upright
// sizes read from their headers; an image whose header cannot be read is a problem and left
// out.
Result<detection::BoxAnnotations> projectBoxAnnotations(const ProjectStore& store,
                                                        const DetectionExportOptions& options);

// Writes them: COCO to the JSON file `out`, YOLO label files and classes.txt below the folder
// `out`, VOC XML files below the folder `out`; image paths relative to the images root. Put
// the files in (or below, as annotations/ or labels/) that root, and importDetectionFolder on
// it reads them back. `problems` (optional) receives what was left out.
Result<detection::WriteSummary> exportDetection(const ProjectStore& store, BoxFormat format,
                                                const std::filesystem::path& out,
                                                const DetectionExportOptions& options,
                                                std::vector<detection::BoxProblem>* problems);

}  // namespace fovea::core
