#pragma once

// Object-detection boxes in the files people bring (issue 24, point 1): COCO instances JSON,
// YOLO txt and Pascal VOC XML, read into one plain form and written back. Readers never stop at
// a bad entry: each malformed line, object or out-of-image box is a BoxProblem naming the file
// and line, is skipped, and the rest imports. A Result error means nothing could be read at all
// (a missing folder, a COCO file that is not JSON).
//
// Coordinates everywhere: floats in image pixels of the image as shown (after EXIF orientation),
// origin at the top-left corner of the top-left pixel, so a box covering the whole of a 640x480
// image is x=0, y=0, w=640, h=480. Each format's own convention is converted at its reader and
// writer (see there).

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core::detection {

struct Box {
    std::string className;
    float x = 0;  // left edge, pixels
    float y = 0;  // top edge, pixels
    float w = 0;  // width, pixels (> 0)
    float h = 0;  // height, pixels (> 0)
    // COCO iscrowd=1: one box around a group of objects. Kept, as torchvision's and
    // pycocotools' COCO readers keep it: evaluation neither counts it as missed nor matches
    // detections on it against a false positive; training usually leaves it out.
    bool crowd = false;
    // VOC difficult=1: an object annotated but not scored by VOC evaluation. Kept likewise.
    bool difficult = false;
};

struct ImageBoxes {
    // Relative to the folder the format's images live in (COCO: file_name as written; YOLO: the
    // images folder; VOC: the XML's folder below the walked folder / <filename>). Generic form.
    std::filesystem::path image;
    int width = 0;  // pixels, after EXIF orientation
    int height = 0;
    std::vector<Box> boxes;  // in file order; an image without boxes is a background image
    // Where the image is described, for problems found later (an importer that cannot find the
    // image file): the annotation file (YOLO: the label file, empty for an image without one)
    // and the 1-based line of its entry (COCO: its "images" element; 0 when the whole file is
    // about it, as for VOC and YOLO).
    std::filesystem::path source;
    int line = 0;
};

// One thing a reader skipped, or a writer could not express.
struct BoxProblem {
    std::filesystem::path file;  // the annotation file (or image, for an unreadable one)
    int line = 0;                // 1-based line in `file`; 0 when not about one line
    std::string message;         // complete, without the file and line (describe() adds them)
};

// "FILE, line N: message" (or "FILE: message" when line is 0): one line for a list or a log.
std::string describe(const BoxProblem& problem);

struct BoxAnnotations {
    // Class names: COCO categories in id order, YOLO's names in index order (or "0", "1", ...
    // without a names file), VOC names in order of first appearance (files in path order).
    std::vector<std::string> classes;
    std::vector<ImageBoxes> images;     // sorted by image path, except COCO: file order
    std::vector<BoxProblem> problems;   // what was skipped, in reading order
    std::filesystem::path classesFrom;  // YOLO: the classes.txt or data.yaml used; else empty
};

// Boxes whose edges stick out of the image by at most this many pixels are clipped to it
// silently (float rounding and 1-based VOC corners produce such boxes from correct labels); an
// edge further out is a problem and the box is skipped, as is a box of zero or negative size.
constexpr float kEdgeTolerancePixels = 0.5f;

// --- COCO instances JSON (https://cocodataset.org/#format-data) ---
// images: id, file_name, width, height; annotations: image_id, category_id, bbox [x, y, w, h]
// (already in our convention), iscrowd; categories: id, name. Fields it does not use
// (segmentation, area, licenses, info) are ignored. A non-standard "difficult": 1 is read back
// (writeCoco writes it). Bad JSON is an Error whose message names the file, line and column.
Result<BoxAnnotations> readCoco(const std::filesystem::path& jsonFile);

// --- YOLO txt (Ultralytics / darknet) ---
// One label file per image: `labelsFolder / (image path below imagesFolder, extension .txt)`;
// labelsFolder may be imagesFolder itself (darknet, LabelImg). Each line `class cx cy w h`,
// class a 0-based index, the rest fractions 0..1 of the upright image's width and height. An
// image without a label file is a background image (as Ultralytics reads it); a label file
// without an image is a problem. Image sizes come from their headers (probed, not decoded).
// Class names: `classNamesFile` when given, else the first found of classes.txt in labelsFolder
// then imagesFolder, then data.yaml in those folders, their parents and their grandparents.
Result<BoxAnnotations> readYoloFolder(const std::filesystem::path& imagesFolder,
                                      const std::filesystem::path& labelsFolder,
                                      const std::filesystem::path& classNamesFile = {});

// A classes.txt (one name a line) or a data.yaml's `names:` (a flow list [a, b], a block list of
// `- a` lines, or Ultralytics' `0: a` mapping); other YAML is not read. Errors name the line.
Result<std::vector<std::string>> readYoloClassNames(const std::filesystem::path& file);

// --- Pascal VOC XML (one file per image, as LabelImg and the VOC devkit write) ---
// Reads every .xml below `folder`: <filename>, <size><width><height>, and per <object> its
// <name>, <difficult> and <bndbox> <xmin> <ymin> <xmax> <ymax> in 1-based pixel indices.
Result<BoxAnnotations> readVocFolder(const std::filesystem::path& folder);

// What a writer did. Each file is replaced atomically (readers see the old or the new file).
struct WriteSummary {
    std::size_t files = 0;    // annotation files written
    std::size_t boxes = 0;    // boxes written
    std::size_t leftOut = 0;  // boxes the format cannot hold (see writeYolo)
};

// One COCO JSON file: image ids 1..N and annotation ids 1..M in order, category ids 1..K in
// `classes` order (0 stays free for torchvision's background), area = w * h, no segmentation.
Result<WriteSummary> writeCoco(const BoxAnnotations& annotations,
                               const std::filesystem::path& jsonFile);

// One .txt per image below `labelsFolder` (empty for a background image) and classes.txt.
// Values with 6 decimals, as Ultralytics writes them. YOLO has no crowd or difficult flag, so
// such boxes are left out (as Ultralytics' COCO and VOC converters do) and counted in leftOut.
Result<WriteSummary> writeYolo(const BoxAnnotations& annotations,
                               const std::filesystem::path& labelsFolder);

// One .xml per image below `folder` (image path with extension .xml). VOC holds whole pixels:
// corners are rounded. VOC has no crowd flag: crowd boxes are written as difficult, the flag
// VOC evaluation reads the same way (not scored).
Result<WriteSummary> writeVoc(const BoxAnnotations& annotations,
                              const std::filesystem::path& folder);

}  // namespace fovea::core::detection
