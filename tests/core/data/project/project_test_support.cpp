#include "project_test_support.h"

#include <stdlib.h>

#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <stdexcept>

namespace fovea::test {
namespace fs = std::filesystem;

namespace {

cv::Mat testImage(int width, int height, int seed) {
    cv::Mat image(height, width, CV_8UC3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            image.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(x * 30 + seed), static_cast<uchar>(y * 40 + seed * 7),
                          static_cast<uchar>(seed * 13));
        }
    }
    return image;
}

}  // namespace

void writeImage(const fs::path& file, int width, int height, int seed) {
    fs::create_directories(file.parent_path());
    if (!cv::imwrite(file.string(), testImage(width, height, seed))) {
        throw std::runtime_error("cannot write " + file.string());
    }
}

void writeText(const fs::path& file, const std::string& content) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::string readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

core::ProjectStore createProject(const fs::path& dir) {
    auto store = core::ProjectStore::create(dir);
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(store).value();
}

core::ProjectStore openProject(const fs::path& dir) {
    auto store = core::ProjectStore::open(dir);
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(store).value();
}

std::vector<core::ImageId> addFakeImages(core::ProjectStore& store,
                                         const std::vector<fs::path>& paths,
                                         const std::optional<std::string>& className,
                                         std::optional<core::Split> split) {
    core::ImportBatch batch;
    for (const auto& path : paths) {
        core::ImportItem item;
        item.path = path.is_absolute() ? path : store.directory() / path;
        item.header = core::ProbedHeader{4, 3, std::nullopt};
        item.className = className;
        item.split = split;
        item.splitGiven = true;
        batch.items.push_back(item);
    }
    auto applied = store.applyImport(batch);
    if (!applied) throw std::runtime_error(applied.error().message);
    auto all = store.images();
    if (!all) throw std::runtime_error(all.error().message);
    std::vector<core::ImageId> ids;
    for (const auto& path : paths) {
        const fs::path absolute = path.is_absolute() ? path : store.directory() / path;
        for (const auto& image : all.value()) {
            if (image.path == absolute) ids.push_back(image.id);
        }
    }
    return ids;
}

core::ImageRecord imageAt(const core::ProjectStore& store, const fs::path& path) {
    auto all = store.images();
    if (!all) throw std::runtime_error(all.error().message);
    for (const auto& image : all.value()) {
        if (image.path == path) return image;
    }
    throw std::runtime_error("no image " + path.string() + " in the project");
}

std::string labelOf(const core::ProjectStore& store, const core::ImageRecord& image) {
    if (!image.classId) return "";
    auto classes = store.classes();
    if (!classes) throw std::runtime_error(classes.error().message);
    for (const auto& info : classes.value()) {
        if (info.id == *image.classId) return info.name;
    }
    throw std::runtime_error("image has an unknown class id");
}

core::ClassId classIdOf(const core::ProjectStore& store, const std::string& name) {
    auto classes = store.classes();
    if (!classes) throw std::runtime_error(classes.error().message);
    for (const auto& info : classes.value()) {
        if (info.name == name) return info.id;
    }
    throw std::runtime_error("no class " + name);
}

}  // namespace fovea::test
