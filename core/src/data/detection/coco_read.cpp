// COCO instances JSON -> BoxAnnotations (https://cocodataset.org/#format-data).
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "annotation_text.h"
#include "box_checks.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/detection/box_annotations.h"
#include "json_element_lines.h"

namespace fovea::core::detection {

using namespace box_formats;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Ids are integers in COCO, but some converters write strings: both are keys by their text.
std::optional<std::string> idKey(const json& object, const char* field) {
    const auto it = object.find(field);
    if (it == object.end()) return std::nullopt;
    if (it->is_number_integer()) return it->dump();
    if (it->is_string()) return it->get<std::string>();
    return std::nullopt;
}

// A positive whole number of pixels (COCO writes 640, some tools 640.0).
std::optional<int> pixelCount(const json& object, const char* field) {
    const auto it = object.find(field);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    const double value = it->get<double>();
    if (value < 1 || value > 1e6 || value != static_cast<double>(static_cast<int>(value))) {
        return std::nullopt;
    }
    return static_cast<int>(value);
}

// 0/1 or false/true; a missing field is 0.
std::optional<bool> flag(const json& object, const char* field) {
    const auto it = object.find(field);
    if (it == object.end() || it->is_null()) return false;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_number_integer() && (it->get<long long>() == 0 || it->get<long long>() == 1)) {
        return it->get<long long>() == 1;
    }
    return std::nullopt;
}

class CocoReader {
  public:
    CocoReader(fs::path file, const std::string& text)
        : m_file(std::move(file)), m_lines(topLevelArrayElementLines(text)) {}

    Result<BoxAnnotations> read(const json& root) {
        if (!root.is_object() || !root.contains("images") || !root["images"].is_array()) {
            return Error{m_file.string() +
                         ": not a COCO instances file (no \"images\" list at the top level)"};
        }
        for (const char* list : {"annotations", "categories"}) {
            if (root.contains(list) && !root[list].is_array()) {
                return Error{m_file.string() + ": \"" + list + "\" is not a list"};
            }
        }
        if (root.contains("categories")) readCategories(root["categories"]);
        readImages(root["images"]);
        if (root.contains("annotations")) readAnnotations(root["annotations"]);
        return std::move(m_result);
    }

  private:
    int lineOf(const char* list, std::size_t index) const {
        const auto it = m_lines.find(list);
        return it != m_lines.end() && index < it->second.size() ? it->second[index] : 0;
    }

    void problem(const char* list, std::size_t index, std::string message) {
        m_result.problems.push_back({m_file, lineOf(list, index), std::move(message)});
    }

    void readCategories(const json& categories) {
        std::map<long long, std::string> byId;  // COCO's class order is its id order
        for (std::size_t i = 0; i < categories.size(); ++i) {
            const json& category = categories[i];
            const auto id = category.is_object() ? category.find("id") : json::const_iterator{};
            const auto name = category.is_object() ? category.find("name") : json::const_iterator{};
            if (!category.is_object() || id == category.end() || !id->is_number_integer() ||
                name == category.end() || !name->is_string() ||
                trim(name->get_ref<const std::string&>()).empty()) {
                problem("categories", i,
                        "category skipped: it needs an integer \"id\" and a non-empty \"name\"");
                continue;
            }
            if (!byId.emplace(id->get<long long>(), std::string(trim(name->get<std::string>())))
                     .second) {
                problem("categories", i,
                        "category id " + id->dump() + " is given twice; the first is kept");
            }
        }
        for (const auto& [id, name] : byId) {
            m_categories[std::to_string(id)] = name;
            classIndex(m_result.classes, name);
        }
    }

    void readImages(const json& images) {
        for (std::size_t i = 0; i < images.size(); ++i) {
            const json& image = images[i];
            const std::optional<std::string> id =
                image.is_object() ? idKey(image, "id") : std::nullopt;
            const auto name = image.is_object() ? image.find("file_name") : json::const_iterator{};
            const std::optional<int> width =
                image.is_object() ? pixelCount(image, "width") : std::nullopt;
            const std::optional<int> height =
                image.is_object() ? pixelCount(image, "height") : std::nullopt;
            if (!id || name == image.end() || !name->is_string() ||
                name->get_ref<const std::string&>().empty() || !width || !height) {
                problem("images", i,
                        "image skipped: it needs an \"id\", a \"file_name\" and a positive whole "
                        "\"width\" and \"height\"");
                continue;
            }
            if (m_imageIndex.count(*id) != 0) {
                problem("images", i, "image id " + *id + " is given twice; the first is kept");
                continue;
            }
            m_imageIndex[*id] = m_result.images.size();
            m_result.images.push_back({fs::path(name->get<std::string>()).lexically_normal(),
                                       *width,
                                       *height,
                                       {},
                                       m_file,
                                       lineOf("images", i)});
        }
    }

    void readAnnotations(const json& annotations) {
        for (std::size_t i = 0; i < annotations.size(); ++i) {
            const json& annotation = annotations[i];
            if (!annotation.is_object()) {
                problem("annotations", i, "annotation skipped: it is not an object");
                continue;
            }
            const std::optional<std::string> imageId = idKey(annotation, "image_id");
            const auto image = imageId ? m_imageIndex.find(*imageId) : m_imageIndex.end();
            if (image == m_imageIndex.end()) {
                problem("annotations", i,
                        "annotation skipped: its image_id " +
                            (imageId ? *imageId : std::string("(missing)")) +
                            " is not in \"images\"");
                continue;
            }
            const std::optional<std::string> categoryId = idKey(annotation, "category_id");
            const auto category = categoryId ? m_categories.find(*categoryId) : m_categories.end();
            if (category == m_categories.end()) {
                problem("annotations", i,
                        "annotation skipped: its category_id " +
                            (categoryId ? *categoryId : std::string("(missing)")) +
                            " is not in \"categories\"");
                continue;
            }
            const auto bbox = annotation.find("bbox");
            if (bbox == annotation.end() || !bbox->is_array() || bbox->size() != 4 ||
                !std::all_of(bbox->begin(), bbox->end(),
                             [](const json& v) { return v.is_number(); })) {
                problem("annotations", i,
                        "annotation skipped: \"bbox\" must be four numbers [x, y, width, height]");
                continue;
            }
            const std::optional<bool> crowd = flag(annotation, "iscrowd");
            const std::optional<bool> difficult = flag(annotation, "difficult");
            if (!crowd || !difficult) {
                problem("annotations", i,
                        "annotation skipped: \"iscrowd\" and \"difficult\" must be 0 or 1");
                continue;
            }
            Box box{category->second,
                    (*bbox)[0].get<float>(),
                    (*bbox)[1].get<float>(),
                    (*bbox)[2].get<float>(),
                    (*bbox)[3].get<float>(),
                    *crowd,
                    *difficult};
            ImageBoxes& target = m_result.images[image->second];
            if (auto refused = fitToImage(box, target.width, target.height)) {
                problem("annotations", i,
                        *refused + " (image " + target.image.generic_string() + ")");
                continue;
            }
            target.boxes.push_back(std::move(box));
        }
    }

    fs::path m_file;
    std::map<std::string, std::vector<int>> m_lines;
    std::unordered_map<std::string, std::string> m_categories;  // id -> name
    std::unordered_map<std::string, std::size_t> m_imageIndex;  // id -> index in images
    BoxAnnotations m_result;
};

// nlohmann's message after its "parse error at line L, column C: " prefix.
std::string parseReason(const std::string& what) {
    const std::size_t column = what.find("column ");
    const std::size_t colon = what.find(": ", column == std::string::npos ? 0 : column);
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

Result<BoxAnnotations> readCoco(const fs::path& jsonFile) {
    Result<std::string> text = files::readWholeFile(jsonFile);
    if (!text) return text.error();
    json root;
    try {
        root = json::parse(text.value());
    } catch (const json::parse_error& e) {
        // byte is 1-based: the position of the character the parser stopped at.
        const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        const BoxProblem problem{jsonFile, lineAtOffset(text.value(), offset),
                                 "not valid JSON (column " +
                                     std::to_string(columnAtOffset(text.value(), offset)) + ": " +
                                     parseReason(e.what()) + ")"};
        return Error{describe(problem)};
    }
    return CocoReader(jsonFile, text.value()).read(root);
}

}  // namespace fovea::core::detection
