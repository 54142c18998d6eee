#pragma once

// Importing a folder of images and the box files people bring (COCO JSON, YOLO txt, Pascal VOC
// XML; issue 24, point 1) into a detection project. The files are read by the readers of
// box_annotations.h; this adds finding them, finding the images they name, and saving it all
// in one transaction. Problems never stop an import: each is reported with its file and line,
// and the rest imports.

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/detection/box_annotations.h"
#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::core {

enum class BoxFormat { Auto, Coco, Yolo, Voc };

// "auto", "coco", "yolo", "voc": the command-line spelling.
const char* boxFormatName(BoxFormat format);
std::optional<BoxFormat> parseBoxFormatName(std::string_view name);

// Where a folder's box files are (findBoxFiles).
struct BoxFiles {
    BoxFormat format = BoxFormat::Coco;  // never Auto
    // COCO: the instances JSON files (the folder's own *.json and those in annotations/, each
    // holding a top-level "images" list). VOC: one folder of XML files (Annotations/ when there
    // is one, else the folder). YOLO: the labels folder (labels/ beside images/, else
    // labels/, else the image folder itself) and the images folder.
    std::vector<std::filesystem::path> cocoFiles;
    std::filesystem::path labels;
    std::filesystem::path images;
};

// Finds the box files of `folder` in `format`, or with Auto the first format found in the order
// COCO, VOC, YOLO. Usage errors name what was looked for.
Result<BoxFiles> findBoxFiles(const std::filesystem::path& folder, BoxFormat format);

struct DetectionImportOptions {
    BoxFormat format = BoxFormat::Auto;
    ImportProgressCallback progress;
    // Checked between files; a cancelled import changes nothing in the project.
    const std::atomic<bool>* cancel = nullptr;
};

struct DetectionImportReport {
    BoxFiles files;                // what was read
    std::size_t found = 0;         // image files below the folder
    std::size_t added = 0;         // images new to the project
    std::size_t updated = 0;       // known images whose file changed and was probed again
    std::size_t annotated = 0;     // images whose boxes the files gave (background included)
    std::size_t background = 0;    // of `annotated`: images the files give no box
    std::size_t boxes = 0;         // boxes stored
    std::size_t notAnnotated = 0;  // images below the folder the files say nothing about
    std::vector<std::string> classesCreated;  // in creation (= display) order
    // Everything skipped, per file and line: the readers' problems, images the files name that
    // are not there, images whose size disagrees with the file, unreadable images.
    std::vector<detection::BoxProblem> problems;
};

// Imports the images below `folder` (as importFolder does, without labels) and the boxes of its
// box files into `store`, a detection project. Images the files name are looked for relative to
// the file's folder, `folder`, and its images/ or JPEGImages/ sub-folder, then by file name
// below `folder` (when one image alone has that name). An image the files name gets exactly the
// files' boxes, replacing what the project had (so importing again changes nothing); other
// images keep theirs. Classes are created in the files' order (YOLO index order, COCO id
// order). A split is taken from the COCO file's name (instances_train2017.json) or from a
// folder of the image's path (images/val/...), for images new to the project. One transaction.
Result<DetectionImportReport> importDetectionFolder(ProjectStore& store,
                                                    const std::filesystem::path& folder,
                                                    const DetectionImportOptions& options = {});

}  // namespace fovea::core
