// BoxAnnotations -> one COCO instances JSON file.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "annotation_text.h"
#include "annotation_writing.h"
#include "fovea/core/detection/box_annotations.h"

namespace fovea::core::detection {

using namespace box_formats;

Result<WriteSummary> writeCoco(const BoxAnnotations& annotations,
                               const std::filesystem::path& jsonFile) {
    using nlohmann::json;
    if (auto writable = checkWritable(annotations); !writable) return writable.error();
    WriteSummary summary;
    json categories = json::array();
    for (std::size_t i = 0; i < annotations.classes.size(); ++i) {
        categories.push_back(
            {{"id", i + 1}, {"name", annotations.classes[i]}, {"supercategory", ""}});
    }
    json images = json::array();
    json boxes = json::array();
    for (std::size_t i = 0; i < annotations.images.size(); ++i) {
        const ImageBoxes& image = annotations.images[i];
        images.push_back({{"id", i + 1},
                          {"file_name", image.image.generic_string()},
                          {"width", image.width},
                          {"height", image.height}});
        for (const Box& box : image.boxes) {
            const auto category =
                std::find(annotations.classes.begin(), annotations.classes.end(), box.className) -
                annotations.classes.begin();
            json annotation = {
                {"id", boxes.size() + 1},
                {"image_id", i + 1},
                {"category_id", category + 1},
                {"bbox",
                 {tidyDouble(box.x), tidyDouble(box.y), tidyDouble(box.w), tidyDouble(box.h)}},
                {"area", tidyDouble(box.w * box.h)},
                {"iscrowd", box.crowd ? 1 : 0},
                {"segmentation", json::array()}};
            // Not COCO's: pycocotools ignores it, readCoco reads it back.
            if (box.difficult) annotation["difficult"] = 1;
            boxes.push_back(std::move(annotation));
        }
    }
    summary.boxes = boxes.size();
    const json root = {{"info", {{"description", "Object boxes written by Fovea"}}},
                       {"licenses", json::array()},
                       {"images", std::move(images)},
                       {"annotations", std::move(boxes)},
                       {"categories", std::move(categories)}};
    if (auto written = writeAnnotationFile(
            jsonFile, root.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
        !written) {
        return written.error();
    }
    summary.files = 1;
    return summary;
}

}  // namespace fovea::core::detection
