// Pascal VOC XML (one file per image) -> BoxAnnotations.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <pugixml.hpp>

#include "annotation_text.h"
#include "box_checks.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/detection/box_annotations.h"
#include "fovea/core/project/folder_walk.h"

namespace fovea::core::detection {

using namespace box_formats;

namespace {

namespace fs = std::filesystem;

bool isXml(const fs::path& file) {
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".xml";
}

class VocFileReader {
  public:
    VocFileReader(fs::path file, const std::string& text, BoxAnnotations& result)
        : m_file(std::move(file)), m_text(text), m_result(result) {}

    // The image of one VOC file, or nullopt (with a problem) when the file cannot be used.
    std::optional<ImageBoxes> read(const fs::path& relativeFolder) {
        pugi::xml_document document;
        const pugi::xml_parse_result parsed = document.load_buffer(m_text.data(), m_text.size());
        if (!parsed) {
            problem(lineAtOffset(m_text, static_cast<std::size_t>(parsed.offset)),
                    std::string("not valid XML (") + parsed.description() + ")");
            return std::nullopt;
        }
        const pugi::xml_node root = document.child("annotation");
        if (!root) {
            problem(lineOf(document.document_element()),
                    "not a Pascal VOC file (no <annotation> root element)");
            return std::nullopt;
        }
        const std::string filename(trim(root.child_value("filename")));
        if (filename.empty()) {
            problem(lineOf(root), "file skipped: <filename> (the image's name) is missing");
            return std::nullopt;
        }
        const pugi::xml_node size = root.child("size");
        const std::optional<long long> width = parseInteger(trim(size.child_value("width")));
        const std::optional<long long> height = parseInteger(trim(size.child_value("height")));
        if (!width || !height || *width < 1 || *height < 1 || *width > 1000000 ||
            *height > 1000000) {
            problem(lineOf(size ? size : root),
                    "file skipped: <size> needs a positive whole <width> and <height>");
            return std::nullopt;
        }
        ImageBoxes image{(relativeFolder / filename).lexically_normal(),
                         static_cast<int>(*width),
                         static_cast<int>(*height),
                         {},
                         m_file,
                         0};
        for (const pugi::xml_node object : root.children("object")) {
            if (auto box = readObject(object, image.width, image.height)) {
                classIndex(m_result.classes, box->className);
                image.boxes.push_back(std::move(*box));
            }
        }
        return image;
    }

  private:
    int lineOf(const pugi::xml_node node) const {
        return node ? lineAtOffset(m_text, static_cast<std::size_t>(node.offset_debug())) : 0;
    }

    void problem(int line, std::string message) {
        m_result.problems.push_back({m_file, line, std::move(message)});
    }

    std::optional<Box> readObject(const pugi::xml_node object, int width, int height) {
        Box box;
        box.className = std::string(trim(object.child_value("name")));
        if (box.className.empty()) {
            problem(lineOf(object), "object skipped: <name> (its class) is missing");
            return std::nullopt;
        }
        const pugi::xml_node bndbox = object.child("bndbox");
        if (!bndbox) {
            problem(lineOf(object), "object \"" + box.className + "\" skipped: no <bndbox>");
            return std::nullopt;
        }
        double corners[4] = {};
        static constexpr const char* kCorners[] = {"xmin", "ymin", "xmax", "ymax"};
        for (int i = 0; i < 4; ++i) {
            const pugi::xml_node corner = bndbox.child(kCorners[i]);
            const std::optional<double> value = parseNumber(trim(corner.child_value()));
            if (!value) {
                problem(
                    lineOf(corner ? corner : bndbox),
                    "object \"" + box.className + "\" skipped: <" + kCorners[i] + "> " +
                        (corner ? "\"" + std::string(corner.child_value()) + "\" is not a number"
                                : "is missing"));
                return std::nullopt;
            }
            corners[i] = *value;
        }
        // VOC counts pixels from 1 and its max corner is the last pixel inside the box, so the
        // box spans [xmin - 1, xmax] in our continuous coordinates: x = xmin - 1,
        // w = xmax - xmin + 1 (Detectron2's pascal_voc loader and py-faster-rcnn subtract 1 from
        // the min corner the same way; a whole-image box is 1,1,W,H -> 0,0,W,H). A min corner
        // of 0, which tools counting from 0 write, is read as the image's edge.
        const double left = corners[0] >= 0 ? std::max(corners[0] - 1, 0.0) : corners[0] - 1;
        const double top = corners[1] >= 0 ? std::max(corners[1] - 1, 0.0) : corners[1] - 1;
        box.x = static_cast<float>(left);
        box.y = static_cast<float>(top);
        box.w = static_cast<float>(corners[2] - left);
        box.h = static_cast<float>(corners[3] - top);
        const std::string_view difficult = trim(object.child_value("difficult"));
        box.difficult = difficult == "1" || difficult == "true";
        if (auto refused = fitToImage(box, width, height)) {
            problem(lineOf(bndbox), *refused);
            return std::nullopt;
        }
        return box;
    }

    fs::path m_file;
    const std::string& m_text;
    BoxAnnotations& m_result;
};

}  // namespace

Result<BoxAnnotations> readVocFolder(const fs::path& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        return Error{folder.string() + ": not a folder", ErrorKind::Usage};
    }
    BoxAnnotations result;
    std::vector<fs::path> xmlFiles;
    FolderWalkVisitor visitor;
    visitor.wantsFile = isXml;
    visitor.visitFile = [&](const WalkedFile& file) { xmlFiles.push_back(file.path); };
    for (const FolderWalkProblem& problem : walkFolder(folder, visitor).problems) {
        result.problems.push_back(
            {problem.folder, 0, "could not list this folder (" + problem.error.message() + ")"});
    }
    std::sort(xmlFiles.begin(), xmlFiles.end());
    for (const fs::path& file : xmlFiles) {
        Result<std::string> text = files::readWholeFile(file);
        if (!text) {
            result.problems.push_back({file, 0, text.error().message});
            continue;
        }
        const fs::path relativeFolder = file.lexically_relative(folder).parent_path();
        if (auto image = VocFileReader(file, text.value(), result).read(relativeFolder)) {
            result.images.push_back(std::move(*image));
        }
    }
    std::sort(result.images.begin(), result.images.end(),
              [](const ImageBoxes& a, const ImageBoxes& b) { return a.image < b.image; });
    return result;
}

}  // namespace fovea::core::detection
