// BoxAnnotations -> YOLO txt label files and classes.txt.
#include <algorithm>

#include "annotation_text.h"
#include "annotation_writing.h"
#include "fovea/core/detection/box_annotations.h"

namespace fovea::core::detection {

using namespace box_formats;

namespace fs = std::filesystem;

Result<WriteSummary> writeYolo(const BoxAnnotations& annotations, const fs::path& labelsFolder) {
    if (auto writable = checkWritable(annotations); !writable) return writable.error();
    WriteSummary summary;
    std::string names;
    for (const std::string& name : annotations.classes) names += name + "\n";
    if (auto written = writeAnnotationFile(labelsFolder / "classes.txt", names); !written) {
        return written.error();
    }
    ++summary.files;
    for (const ImageBoxes& image : annotations.images) {
        std::string lines;
        const double width = image.width;
        const double height = image.height;
        for (const Box& box : image.boxes) {
            if (box.crowd || box.difficult) {
                ++summary.leftOut;
                continue;
            }
            const auto index =
                std::find(annotations.classes.begin(), annotations.classes.end(), box.className) -
                annotations.classes.begin();
            lines += std::to_string(index) + " " + formatFixed((box.x + box.w / 2.0) / width, 6) +
                     " " + formatFixed((box.y + box.h / 2.0) / height, 6) + " " +
                     formatFixed(box.w / width, 6) + " " + formatFixed(box.h / height, 6) + "\n";
            ++summary.boxes;
        }
        const fs::path file = labelsFolder / fs::path(image.image).replace_extension(".txt");
        if (auto written = writeAnnotationFile(file, lines); !written) return written.error();
        ++summary.files;
    }
    return summary;
}

}  // namespace fovea::core::detection
