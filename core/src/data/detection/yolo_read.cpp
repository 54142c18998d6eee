// YOLO txt labels (one `class cx cy w h` line per box, fractions of the upright image) ->
// BoxAnnotations.
#include <algorithm>
#include <set>
#include <system_error>

#include "annotation_text.h"
#include "box_checks.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/detection/box_annotations.h"
#include "fovea/core/image/image_probe.h"
#include "fovea/core/project/folder_walk.h"
#include "upright_size.h"

namespace fovea::core::detection {

using namespace box_formats;

namespace {

namespace fs = std::filesystem;

constexpr const char* kClassesTxt = "classes.txt";

// classes.txt beside the labels or the images, else the nearest data.yaml (Ultralytics keeps it
// at the dataset's root, above images/train and labels/train).
fs::path findClassNames(const fs::path& imagesFolder, const fs::path& labelsFolder) {
    std::error_code ec;
    for (const fs::path& folder : {labelsFolder, imagesFolder}) {
        if (fs::is_regular_file(folder / kClassesTxt, ec)) return folder / kClassesTxt;
    }
    for (const fs::path& start : {labelsFolder, imagesFolder}) {
        fs::path folder = fs::absolute(start, ec).lexically_normal();
        if (!folder.has_filename()) folder = folder.parent_path();
        for (int up = 0; up < 3 && !folder.empty(); ++up, folder = folder.parent_path()) {
            for (const char* name : {"data.yaml", "data.yml", "dataset.yaml"}) {
                if (fs::is_regular_file(folder / name, ec)) return folder / name;
            }
            if (folder == folder.parent_path()) break;
        }
    }
    return {};
}

// The files below `root` (relative paths, sorted) that `wanted` picks; unlistable folders are
// problems.
std::vector<fs::path> listFiles(const fs::path& root,
                                const std::function<bool(const fs::path&)>& wanted,
                                std::vector<BoxProblem>& problems) {
    std::vector<fs::path> files;
    FolderWalkVisitor visitor;
    visitor.wantsFile = wanted;
    visitor.visitFile = [&](const WalkedFile& file) {
        files.push_back(file.path.lexically_relative(root));
    };
    for (const FolderWalkProblem& problem : walkFolder(root, visitor).problems) {
        problems.push_back({problem.folder, 0,
                            std::string(problem.partly ? "could not list all of this folder ("
                                                       : "could not list this folder (") +
                                problem.error.message() + ")"});
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct Names {
    std::vector<std::string> names;  // empty: none given, classes are named by their index
    std::string from;                // for messages: "3 names in classes.txt"
};

class YoloLabelReader {
  public:
    YoloLabelReader(const Names& names, std::vector<BoxProblem>& problems)
        : m_names(names), m_problems(problems) {}

    // The boxes of `labelFile`, for an upright width x height image.
    std::vector<Box> read(const fs::path& labelFile, std::string_view text, int width, int height) {
        std::vector<Box> boxes;
        int number = 0;
        for (std::size_t start = 0; start < text.size();) {
            const std::size_t end = std::min(text.find('\n', start), text.size());
            const std::string_view line = text.substr(start, end - start);
            start = end + 1;
            ++number;
            if (trim(line).empty()) continue;
            std::string refused;
            if (auto box = parseLine(line, width, height, refused)) {
                boxes.push_back(std::move(*box));
            } else {
                m_problems.push_back({labelFile, number, refused});
            }
        }
        return boxes;
    }

    long long largestIndex() const { return m_largestIndex; }

  private:
    std::optional<Box> parseLine(std::string_view line, int width, int height,
                                 std::string& refused) {
        const std::vector<std::string_view> fields = splitFields(line);
        if (fields.size() != 5) {
            refused =
                fields.size() > 5 && fields.size() % 2 == 1
                    ? "expected a box `class cx cy w h`, found " + std::to_string(fields.size()) +
                          " values (a segmentation polygon?); only boxes are read"
                    : "expected 5 values `class cx cy w h`, found " + std::to_string(fields.size());
            return std::nullopt;
        }
        const std::optional<long long> index = parseInteger(fields[0]);
        if (!index || *index < 0) {
            refused = "class \"" + std::string(fields[0]) + "\" is not a class index (0, 1, 2...)";
            return std::nullopt;
        }
        if (!m_names.names.empty() && *index >= static_cast<long long>(m_names.names.size())) {
            refused = "class " + std::to_string(*index) + " is out of range (" + m_names.from + ")";
            return std::nullopt;
        }
        static constexpr const char* kFieldNames[] = {"cx", "cy", "w", "h"};
        double values[4] = {};
        for (int i = 0; i < 4; ++i) {
            const std::optional<double> value = parseNumber(fields[i + 1]);
            if (!value) {
                refused = std::string(kFieldNames[i]) + " \"" + std::string(fields[i + 1]) +
                          "\" is not a number";
                return std::nullopt;
            }
            // The same half-pixel tolerance as box edges, in fractions of this image.
            const double tolerance = kEdgeTolerancePixels / (i % 2 == 0 ? width : height);
            if (*value < -tolerance || *value > 1 + tolerance) {
                refused = std::string(kFieldNames[i]) + " " + std::string(fields[i + 1]) +
                          " is outside 0..1 (YOLO values are fractions of the image's width and "
                          "height)";
                return std::nullopt;
            }
            values[i] = *value;
        }
        m_largestIndex = std::max(m_largestIndex, *index);
        Box box;
        box.className = m_names.names.empty() ? std::to_string(*index)
                                              : m_names.names[static_cast<std::size_t>(*index)];
        box.x = static_cast<float>((values[0] - values[2] / 2) * width);
        box.y = static_cast<float>((values[1] - values[3] / 2) * height);
        box.w = static_cast<float>(values[2] * width);
        box.h = static_cast<float>(values[3] * height);
        if (auto outside = fitToImage(box, width, height)) {
            refused = *outside;
            return std::nullopt;
        }
        return box;
    }

    const Names& m_names;
    std::vector<BoxProblem>& m_problems;
    long long m_largestIndex = -1;
};

}  // namespace

Result<BoxAnnotations> readYoloFolder(const fs::path& imagesFolder, const fs::path& labelsFolder,
                                      const fs::path& classNamesFile) {
    std::error_code ec;
    for (const fs::path& folder : {imagesFolder, labelsFolder}) {
        if (!fs::is_directory(folder, ec)) {
            return Error{folder.string() + ": not a folder", ErrorKind::Usage};
        }
    }
    BoxAnnotations result;
    Names names;
    result.classesFrom =
        classNamesFile.empty() ? findClassNames(imagesFolder, labelsFolder) : classNamesFile;
    if (!result.classesFrom.empty()) {
        Result<std::vector<std::string>> read = readYoloClassNames(result.classesFrom);
        if (!read) return read.error();
        names.names = std::move(read).value();
        names.from = std::to_string(names.names.size()) + " names in " +
                     result.classesFrom.filename().string();
    }

    const std::vector<fs::path> images = listFiles(
        imagesFolder, [](const fs::path& file) { return hasImageExtension(file); },
        result.problems);
    YoloLabelReader reader(names, result.problems);
    std::set<fs::path> usedLabels;
    for (const fs::path& image : images) {
        const fs::path relativeLabel = fs::path(image).replace_extension(".txt");
        const fs::path labelFile = labelsFolder / relativeLabel;
        if (!usedLabels.insert(relativeLabel).second) {
            result.problems.push_back(
                {imagesFolder / image, 0,
                 "image skipped: another image with the same name and a different extension "
                 "already takes the label file " +
                     labelFile.string()});
            continue;
        }
        const Result<UprightSize> size = probeUprightSize(imagesFolder / image);
        if (!size) {
            // The probe's message already names the file.
            result.problems.push_back({imagesFolder / image, 0, size.error().message});
            continue;
        }
        ImageBoxes entry{image, size.value().width, size.value().height, {}, {}, 0};
        if (fs::exists(labelFile, ec)) {
            entry.source = labelFile;
            Result<std::string> text = files::readWholeFile(labelFile);
            if (!text) {
                result.problems.push_back({labelFile, 0, text.error().message});
                continue;
            }
            entry.boxes =
                reader.read(labelFile, withoutBom(text.value()), entry.width, entry.height);
        }
        result.images.push_back(std::move(entry));
    }

    // Label files no image claims: usually images deleted or renamed after labelling.
    const fs::path namesFile = result.classesFrom.lexically_normal();
    for (const fs::path& label : listFiles(
             labelsFolder, [](const fs::path& file) { return file.extension() == ".txt"; },
             result.problems)) {
        const fs::path labelFile = labelsFolder / label;
        if (usedLabels.count(label) == 0 && label != kClassesTxt &&
            labelFile.lexically_normal() != namesFile) {
            result.problems.push_back(
                {labelFile, 0,
                 "label file skipped: no image named " + label.stem().string() + ".* in " +
                     (imagesFolder / label.parent_path()).lexically_normal().string()});
        }
    }

    if (names.names.empty()) {
        for (long long i = 0; i <= reader.largestIndex(); ++i) {
            result.classes.push_back(std::to_string(i));
        }
    } else {
        result.classes = names.names;
    }
    return result;
}

}  // namespace fovea::core::detection
