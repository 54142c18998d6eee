#include "fovea/core/session/run_images.h"

#include <nlohmann/json.hpp>

#include "fovea/core/atomic_file.h"

namespace fovea::core {

namespace fs = std::filesystem;

namespace {

constexpr int kRunImagesVersion = 1;

nlohmann::json toJson(const std::vector<DataImage>& images) {
    nlohmann::json list = nlohmann::json::array();
    for (const DataImage& image : images) {
        list.push_back(
            {{"id", image.id}, {"path", image.path.string()}, {"class", image.className}});
    }
    return list;
}

Result<std::vector<DataImage>> imagesFromJson(const nlohmann::json& json, const char* key,
                                              const fs::path& file) {
    std::vector<DataImage> images;
    const auto list = json.find(key);
    if (list == json.end()) return images;
    if (!list->is_array()) return Error{file.string() + ": '" + key + "' is not a list"};
    try {
        for (const auto& entry : *list) {
            images.push_back({entry.at("id").get<std::int64_t>(),
                              fs::path(entry.at("path").get<std::string>()),
                              entry.at("class").get<std::string>()});
        }
    } catch (const nlohmann::json::exception&) {
        return Error{file.string() + ": an entry of '" + key +
                     "' lacks its id, path or class, or has the wrong type"};
    }
    return images;
}

}  // namespace

Result<void> writeRunImages(const fs::path& runFolder, const RunImages& images) {
    const nlohmann::json json = {{"version", kRunImagesVersion},
                                 {"train", toJson(images.train)},
                                 {"validation", toJson(images.validation)}};
    // One entry per line would double the size of large runs for little gain in readability.
    return files::writeFileAtomically(
        runFolder / kRunImagesFile,
        json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

Result<std::optional<RunImages>> readRunImages(const fs::path& runFolder) {
    const fs::path file = runFolder / kRunImagesFile;
    std::error_code error;
    if (!fs::exists(file, error)) return std::optional<RunImages>{};
    auto text = files::readWholeFile(file);
    if (!text) return text.error();
    const auto json = nlohmann::json::parse(text.value(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return Error{file.string() + " is damaged: not a JSON object"};
    }
    const auto version = json.find("version");
    if (version == json.end() || !version->is_number_integer() ||
        version->get<int>() != kRunImagesVersion) {
        return Error{file.string() + ": not a version this Fovea reads (written by a newer one?)"};
    }
    RunImages images;
    auto train = imagesFromJson(json, "train", file);
    if (!train) return train.error();
    auto validation = imagesFromJson(json, "validation", file);
    if (!validation) return validation.error();
    images.train = std::move(train).value();
    images.validation = std::move(validation).value();
    return std::optional<RunImages>(std::move(images));
}

}  // namespace fovea::core
