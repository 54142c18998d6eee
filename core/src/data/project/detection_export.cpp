// A detection project -> COCO, YOLO or VOC files (detection_export.h).

#include "fovea/core/project/detection_export.h"

#include <unordered_map>

#include "../detection/upright_size.h"
#include "project_paths.h"

namespace fovea::core {
namespace fs = std::filesystem;
using detection::BoxAnnotations;
using detection::ImageBoxes;

namespace {

// The deepest folder holding every path (lexically).
fs::path commonFolder(const std::vector<ImageBoxes>& images) {
    if (images.empty()) return {};
    fs::path common = images.front().image.parent_path();
    for (const ImageBoxes& image : images) {
        while (!common.empty() && !paths::isInside(image.image, common)) {
            const fs::path up = common.parent_path();
            if (up == common) break;
            common = up;
        }
    }
    return common;
}

// Makes the absolute image paths relative to `root`; images outside it are problems and left
// out (the writers take no "..": a file that climbs out of its dataset does not travel).
void relativise(BoxAnnotations& annotations, const fs::path& root) {
    std::vector<ImageBoxes> kept;
    for (ImageBoxes& image : annotations.images) {
        if (!paths::isInside(image.image, root)) {
            annotations.problems.push_back(
                {image.image, 0, "left out: the image is not below " + root.string()});
            continue;
        }
        image.image = image.image.lexically_relative(root);
        kept.push_back(std::move(image));
    }
    annotations.images = std::move(kept);
}

}  // namespace

Result<BoxAnnotations> projectBoxAnnotations(const ProjectStore& store,
                                             const DetectionExportOptions& options) {
    auto classes = store.classes();
    if (!classes) return classes.error();
    BoxAnnotations result;
    std::unordered_map<ClassId, std::string> names;
    for (const ClassInfo& info : classes.value()) {
        names[info.id] = info.name;
        result.classes.push_back(info.name);
    }
    ImageFilter filter;
    filter.annotated = Require::Yes;
    filter.missing = Require::No;
    filter.excluded = options.includeExcluded ? Require::Any : Require::No;
    filter.split = options.split;
    auto images = store.images(filter);
    if (!images) return images.error();
    for (const ImageRecord& record : images.value()) {
        auto size = detection::box_formats::probeUprightSize(record.path);
        if (!size) {
            result.problems.push_back({record.path, 0, "left out: " + size.error().message});
            continue;
        }
        auto boxes = store.boxes(record.id);
        if (!boxes) return boxes.error();
        ImageBoxes image;
        image.image = record.path;
        image.width = size.value().width;
        image.height = size.value().height;
        for (const ProjectBox& box : boxes.value()) {
            image.boxes.push_back(
                {names[box.classId], box.x, box.y, box.w, box.h, box.crowd, box.difficult});
        }
        result.images.push_back(std::move(image));
    }
    return result;
}

Result<detection::WriteSummary> exportDetection(const ProjectStore& store, BoxFormat format,
                                                const fs::path& out,
                                                const DetectionExportOptions& options,
                                                std::vector<detection::BoxProblem>* problems) {
    auto annotations = projectBoxAnnotations(store, options);
    if (!annotations) return annotations.error();
    BoxAnnotations& boxes = annotations.value();
    const fs::path target = paths::normalisedAbsolute(out);
    fs::path root =
        options.imagesRoot.empty() ? fs::path() : paths::normalisedAbsolute(options.imagesRoot);
    if (root.empty()) root = commonFolder(boxes.images);
    relativise(boxes, root);
    Result<detection::WriteSummary> written = Error{"no box format given"};
    switch (format) {
        case BoxFormat::Coco:
            written = detection::writeCoco(boxes, target);
            break;
        case BoxFormat::Yolo:
            written = detection::writeYolo(boxes, target);
            break;
        case BoxFormat::Voc:
            written = detection::writeVoc(boxes, target);
            break;
        case BoxFormat::Auto:
            return Error{"Name the box format to export: coco, yolo or voc", ErrorKind::Usage};
    }
    if (problems) problems->insert(problems->end(), boxes.problems.begin(), boxes.problems.end());
    return written;
}

}  // namespace fovea::core
