// BoxAnnotations -> one Pascal VOC XML file per image.
#include <algorithm>
#include <array>
#include <cmath>
#include <pugixml.hpp>
#include <sstream>

#include "annotation_writing.h"
#include "fovea/core/detection/box_annotations.h"

namespace fovea::core::detection {

using namespace box_formats;

namespace fs = std::filesystem;

namespace {

void addText(pugi::xml_node parent, const char* name, const std::string& value) {
    parent.append_child(name).text().set(value.c_str());
}

// Whole-pixel corners, the inverse of readVocFolder's rule: our edges [x, x + w] round to the
// nearest pixel borders, the min corner becomes a 1-based pixel index (+1), the max corner is
// the last pixel inside. At least one pixel wide, inside the image.
std::array<long, 4> vocCorners(const Box& box, int width, int height) {
    const long left = std::clamp(std::lround(box.x), 0L, static_cast<long>(width) - 1);
    const long top = std::clamp(std::lround(box.y), 0L, static_cast<long>(height) - 1);
    const long right = std::clamp(std::lround(box.x + box.w), left + 1, static_cast<long>(width));
    const long bottom = std::clamp(std::lround(box.y + box.h), top + 1, static_cast<long>(height));
    return {left + 1, top + 1, right, bottom};
}

std::string vocXml(const ImageBoxes& image, WriteSummary& summary) {
    pugi::xml_document document;
    pugi::xml_node root = document.append_child("annotation");
    addText(root, "folder", image.image.parent_path().generic_string());
    addText(root, "filename", image.image.filename().string());
    pugi::xml_node size = root.append_child("size");
    addText(size, "width", std::to_string(image.width));
    addText(size, "height", std::to_string(image.height));
    addText(size, "depth", "3");
    addText(root, "segmented", "0");
    for (const Box& box : image.boxes) {
        pugi::xml_node object = root.append_child("object");
        addText(object, "name", box.className);
        addText(object, "pose", "Unspecified");
        addText(object, "truncated", "0");
        // VOC's only "do not score" flag; crowd boxes take it too.
        addText(object, "difficult", box.difficult || box.crowd ? "1" : "0");
        const std::array<long, 4> corners = vocCorners(box, image.width, image.height);
        pugi::xml_node bndbox = object.append_child("bndbox");
        addText(bndbox, "xmin", std::to_string(corners[0]));
        addText(bndbox, "ymin", std::to_string(corners[1]));
        addText(bndbox, "xmax", std::to_string(corners[2]));
        addText(bndbox, "ymax", std::to_string(corners[3]));
        ++summary.boxes;
    }
    std::ostringstream out;
    document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    return out.str();
}

}  // namespace

Result<WriteSummary> writeVoc(const BoxAnnotations& annotations, const fs::path& folder) {
    if (auto writable = checkWritable(annotations); !writable) return writable.error();
    WriteSummary summary;
    for (const ImageBoxes& image : annotations.images) {
        const fs::path file = folder / fs::path(image.image).replace_extension(".xml");
        if (auto written = writeAnnotationFile(file, vocXml(image, summary)); !written) {
            return written.error();
        }
        ++summary.files;
    }
    return summary;
}

}  // namespace fovea::core::detection
