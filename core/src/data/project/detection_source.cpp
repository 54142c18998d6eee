// Where a folder's box files are, and which format they are in (detection_import.h).

#include <algorithm>
#include <fstream>
#include <system_error>

#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/folder_walk.h"
#include "project_paths.h"

namespace fovea::core {
namespace fs = std::filesystem;
namespace {

bool isFolder(const fs::path& path) {
    std::error_code ec;
    return fs::is_directory(path, ec);
}

bool isFile(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

std::string lowerExtension(const fs::path& file) {
    std::string extension = file.extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension;
}

// A COCO instances file has a top-level "images" list, near the start in every writer we know
// (after "info" and "licenses"). Only the first megabyte is read: a 400 MB file whose "images"
// comes later still counts, and the reader has the last word.
bool looksLikeCoco(const fs::path& file) {
    constexpr std::size_t kPeekBytes = 1 << 20;
    std::ifstream in(file, std::ios::binary);
    std::string head(kPeekBytes, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    const auto read = static_cast<std::size_t>(in.gcount());
    head.resize(read);
    return head.find("\"images\"") != std::string::npos || read == kPeekBytes;
}

std::vector<fs::path> cocoFilesIn(const fs::path& folder) {
    std::vector<fs::path> files;
    for (const fs::path& dir : {folder, folder / "annotations"}) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const fs::path file = it->path();
            if (lowerExtension(file) == ".json" && isFile(file) && looksLikeCoco(file)) {
                files.push_back(file);
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// True when a walk of `folder` meets a file `wanted` picks (stops at the first).
bool hasFile(const fs::path& folder, const std::function<bool(const fs::path&)>& wanted) {
    bool found = false;
    FolderWalkVisitor visitor;
    visitor.wantsFile = [&](const fs::path& file) {
        if (wanted(file)) found = true;
        return false;
    };
    visitor.stop = [&] { return found; };
    walkFolder(folder, visitor);
    return found;
}

bool isXml(const fs::path& file) { return lowerExtension(file) == ".xml"; }

bool isYoloLabel(const fs::path& file) {
    return lowerExtension(file) == ".txt" && file.filename() != "classes.txt";
}

BoxFiles vocFiles(const fs::path& folder) {
    BoxFiles files;
    files.format = BoxFormat::Voc;
    files.labels = isFolder(folder / "Annotations") ? folder / "Annotations" : folder;
    files.images = folder;
    return files;
}

// Ultralytics: images/<split>/x.jpg with labels/<split>/x.txt; a labels/ folder with the images
// in the folder itself; darknet and LabelImg: x.txt beside x.jpg.
BoxFiles yoloFiles(const fs::path& folder) {
    BoxFiles files;
    files.format = BoxFormat::Yolo;
    if (isFolder(folder / "images") && isFolder(folder / "labels")) {
        files.images = folder / "images";
        files.labels = folder / "labels";
    } else {
        files.images = folder;
        files.labels = isFolder(folder / "labels") ? folder / "labels" : folder;
    }
    return files;
}

bool hasYoloNames(const fs::path& folder) {
    for (const char* name : {"classes.txt", "data.yaml", "data.yml", "dataset.yaml"}) {
        if (isFile(folder / name)) return true;
    }
    return false;
}

}  // namespace

const char* boxFormatName(BoxFormat format) {
    switch (format) {
        case BoxFormat::Auto:
            return "auto";
        case BoxFormat::Coco:
            return "coco";
        case BoxFormat::Yolo:
            return "yolo";
        case BoxFormat::Voc:
            return "voc";
    }
    return "auto";
}

std::optional<BoxFormat> parseBoxFormatName(std::string_view name) {
    for (BoxFormat format : {BoxFormat::Auto, BoxFormat::Coco, BoxFormat::Yolo, BoxFormat::Voc}) {
        if (name == boxFormatName(format)) return format;
    }
    return std::nullopt;
}

Result<BoxFiles> findBoxFiles(const fs::path& rawFolder, BoxFormat format) {
    const fs::path folder = paths::normalisedAbsolute(rawFolder);
    if (!isFolder(folder)) return Error{folder.string() + ": not a folder", ErrorKind::Usage};
    if (format == BoxFormat::Coco || format == BoxFormat::Auto) {
        BoxFiles files;
        files.format = BoxFormat::Coco;
        files.images = folder;
        files.cocoFiles = cocoFilesIn(folder);
        if (!files.cocoFiles.empty()) return files;
        if (format == BoxFormat::Coco) {
            return Error{"No COCO JSON file (with an \"images\" list) in " + folder.string() +
                             " or its annotations/ folder",
                         ErrorKind::BadData};
        }
    }
    if (format == BoxFormat::Voc) return vocFiles(folder);
    if (format == BoxFormat::Yolo) return yoloFiles(folder);
    if (isFolder(folder / "Annotations") || hasFile(folder, isXml)) return vocFiles(folder);
    if (isFolder(folder / "labels") || hasYoloNames(folder) || hasFile(folder, isYoloLabel)) {
        return yoloFiles(folder);
    }
    return Error{"No box files found in " + folder.string() +
                     ": looked for a COCO .json (here or in annotations/), Pascal VOC .xml "
                     "files and YOLO labels (labels/, .txt beside the images, classes.txt or "
                     "data.yaml). Name the format with --format coco|yolo|voc.",
                 ErrorKind::BadData};
}

}  // namespace fovea::core
