// A folder of images and box files -> a detection project (detection_import.h).

#include "fovea/core/project/detection_import.h"

#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

#include "../detection/upright_size.h"
#include "folder_scan.h"
#include "import_common.h"
#include "project_paths.h"

namespace fovea::core {
namespace fs = std::filesystem;
using detection::BoxAnnotations;
using detection::BoxProblem;
using detection::ImageBoxes;

namespace {

// One file's (or folder's) boxes and where the images it names may be.
struct BoxSource {
    BoxAnnotations annotations;
    std::vector<fs::path> bases;  // tried in order for a relative image path
    fs::path file;                // for problems about the whole source
    std::optional<Split> split;   // from the file's name (COCO)
    bool checkSizes = true;       // COCO and VOC state sizes; YOLO's come from the images
};

// "instances_train2017" -> train: a word of the name, digits at its end dropped.
std::optional<Split> splitInName(const std::string& name) {
    std::string word;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        const char c = i < name.size() ? name[i] : '_';
        if (std::isalpha(static_cast<unsigned char>(c))) {
            word += c;
            continue;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) && !word.empty()) continue;
        if (auto split = parseSplitName(word)) return split;
        word.clear();
    }
    return std::nullopt;
}

// The first folder of `relative` (below the import folder) named as a split: images/val/x.jpg.
std::optional<Split> splitInPath(const fs::path& relative) {
    for (const fs::path& part : relative.parent_path()) {
        if (auto split = parseSplitName(part.string())) return split;
    }
    return std::nullopt;
}

Result<std::vector<BoxSource>> readSources(const BoxFiles& files, const fs::path& folder,
                                           std::vector<BoxProblem>& problems) {
    std::vector<BoxSource> sources;
    switch (files.format) {
        case BoxFormat::Coco:
            for (const fs::path& json : files.cocoFiles) {
                auto read = detection::readCoco(json);
                if (!read) {
                    // A file that is not COCO at all: the others still import.
                    problems.push_back({json, 0, read.error().message});
                    continue;
                }
                sources.push_back({std::move(read).value(),
                                   {json.parent_path(), folder, folder / "images"},
                                   json,
                                   splitInName(json.stem().string()),
                                   true});
            }
            return sources;
        case BoxFormat::Voc: {
            auto read = detection::readVocFolder(files.labels);
            if (!read) return read.error();
            sources.push_back({std::move(read).value(),
                               {files.labels, folder, folder / "JPEGImages", folder / "images"},
                               files.labels,
                               std::nullopt,
                               true});
            return sources;
        }
        case BoxFormat::Yolo:
        case BoxFormat::Auto: {
            auto read = detection::readYoloFolder(files.images, files.labels);
            if (!read) return read.error();
            sources.push_back(
                {std::move(read).value(), {files.images}, files.labels, std::nullopt, false});
            return sources;
        }
    }
    return sources;
}

// The image files below the import folder, found by path and by file name.
class ImageIndex {
  public:
    explicit ImageIndex(const std::vector<import::FoundFile>& files) {
        for (std::size_t i = 0; i < files.size(); ++i) {
            m_byPath.emplace(files[i].path.generic_string(), i);
            m_byName[files[i].path.filename().string()].push_back(i);
        }
    }

    std::optional<std::size_t> byPath(const fs::path& path) const {
        const auto found = m_byPath.find(path.generic_string());
        if (found == m_byPath.end()) return std::nullopt;
        return found->second;
    }

    const std::vector<std::size_t>& byName(const std::string& name) const {
        static const std::vector<std::size_t> kNone;
        const auto found = m_byName.find(name);
        return found == m_byName.end() ? kNone : found->second;
    }

  private:
    std::unordered_map<std::string, std::size_t> m_byPath;
    std::unordered_map<std::string, std::vector<std::size_t>> m_byName;
};

// What the box files say about one image file.
struct Annotated {
    std::vector<ImportedBox> boxes;
    std::optional<Split> split;
};

class Resolver {
  public:
    Resolver(const fs::path& folder, const std::vector<import::FoundFile>& files,
             std::vector<BoxProblem>& problems)
        : m_folder(folder), m_files(files), m_index(files), m_problems(problems) {}

    // Finds the image file of every entry; entries whose file is missing, ambiguous, given
    // twice or of another size than the box file says are problems, and skipped.
    std::map<std::string, Annotated> resolve(const std::vector<BoxSource>& sources) {
        std::map<std::string, Annotated> annotated;  // absolute generic path -> boxes
        for (const BoxSource& source : sources) {
            for (const ImageBoxes& image : source.annotations.images) {
                const fs::path where = image.source.empty() ? source.file : image.source;
                auto path = find(image.image, source.bases, where, image.line);
                if (!path) continue;
                const std::string key = path->generic_string();
                if (annotated.count(key) != 0) {
                    m_problems.push_back({where, image.line,
                                          "image " + image.image.generic_string() +
                                              " is described twice; the first is kept"});
                    continue;
                }
                if (source.checkSizes && !sameSize(*path, image, where)) continue;
                Annotated entry;
                entry.split =
                    source.split ? source.split : splitInPath(path->lexically_relative(m_folder));
                for (const detection::Box& box : image.boxes) {
                    entry.boxes.push_back(
                        {box.className, box.x, box.y, box.w, box.h, box.crowd, box.difficult});
                }
                annotated.emplace(key, std::move(entry));
            }
        }
        return annotated;
    }

  private:
    std::optional<fs::path> find(const fs::path& named, const std::vector<fs::path>& bases,
                                 const fs::path& where, int line) {
        std::error_code ec;
        for (const fs::path& base : bases) {
            const fs::path candidate = (base / named).lexically_normal();
            if (m_index.byPath(candidate) || fs::is_regular_file(candidate, ec)) return candidate;
        }
        const auto& sameName = m_index.byName(named.filename().string());
        if (sameName.size() == 1) return m_files[sameName.front()].path;
        m_problems.push_back(
            {where, line,
             sameName.empty() ? "image " + named.generic_string() + " is not there (looked below " +
                                    m_folder.string() + "); its boxes were skipped"
                              : "image " + named.generic_string() + " matches " +
                                    std::to_string(sameName.size()) + " files named " +
                                    named.filename().string() + " below " + m_folder.string() +
                                    "; its boxes were skipped"});
        return std::nullopt;
    }

    // COCO and VOC state each image's size: boxes drawn on another size (often a photo turned
    // by its EXIF orientation after labelling) would land in the wrong place.
    bool sameSize(const fs::path& path, const ImageBoxes& image, const fs::path& where) {
        auto size = detection::box_formats::probeUprightSize(path);
        if (!size) {
            m_problems.push_back({where, image.line, size.error().message});
            return false;
        }
        if (size.value().width == image.width && size.value().height == image.height) return true;
        m_problems.push_back({where, image.line,
                              "image " + image.image.generic_string() + " is " +
                                  std::to_string(image.width) + "x" + std::to_string(image.height) +
                                  " in the box file but " + std::to_string(size.value().width) +
                                  "x" + std::to_string(size.value().height) +
                                  " on disk (after EXIF orientation); its " +
                                  std::to_string(image.boxes.size()) + " boxes were skipped"});
        return false;
    }

    fs::path m_folder;
    const std::vector<import::FoundFile>& m_files;
    ImageIndex m_index;
    std::vector<BoxProblem>& m_problems;
};

// The import as a batch: every image file below the folder, and images the box files name
// elsewhere; boxes where the files give them. New and changed files are listed in `toProbe`.
ImportBatch planBatch(const fs::path& folder, const std::vector<import::FoundFile>& files,
                      std::map<std::string, Annotated>& annotated,
                      const std::vector<KnownImage>& known, std::vector<std::size_t>& toProbe,
                      DetectionImportReport& report) {
    ImportBatch batch;
    batch.existingLabels = ExistingLabels::Keep;
    const import::KnownByPath index = import::indexKnown(known);
    std::set<std::string> listed;
    auto add = [&](const fs::path& path, std::uintmax_t size, std::int64_t mtimeNs) {
        const std::string key = path.generic_string();
        listed.insert(key);
        ImportItem item;
        item.path = path;
        item.fileSize = size;
        item.mtimeNs = mtimeNs;
        const auto knownAt = index.find(key);
        const bool changed = knownAt == index.end() || known[knownAt->second].fileSize != size ||
                             known[knownAt->second].mtimeNs != mtimeNs;
        if (changed) toProbe.push_back(batch.items.size());
        const auto boxes = annotated.find(key);
        if (boxes != annotated.end()) {
            item.split = boxes->second.split;
            report.background += boxes->second.boxes.empty() ? 1 : 0;
            item.boxes = std::move(boxes->second.boxes);
        } else {
            item.split = splitInPath(path.lexically_relative(folder));
            ++report.notAnnotated;
        }
        item.splitGiven = item.split.has_value();
        batch.items.push_back(std::move(item));
    };
    for (const import::FoundFile& file : files) add(file.path, file.size, file.mtimeNs);
    // Images a box file names outside the folder (an absolute or ../ path).
    for (const auto& [key, entry] : annotated) {
        if (listed.count(key) != 0) continue;
        const auto facts = import::statPath(key);
        if (!facts) continue;  // found a moment ago: gone since
        add(fs::path(key), facts->size, facts->mtimeNs);
    }
    batch.importRoot = folder;
    // Remembered flat: a rescan adds new images without labels, as a detection project wants.
    batch.importRootLayout = FolderLayout::Flat;
    return batch;
}

}  // namespace

Result<DetectionImportReport> importDetectionFolder(ProjectStore& store, const fs::path& rawFolder,
                                                    const DetectionImportOptions& options) {
    const fs::path folder = paths::normalisedAbsolute(rawFolder);
    if (store.projectTask() != ProjectTask::Detection) {
        return Error{store.directory().string() +
                         " is a classification project; boxes are imported into a detection "
                         "project",
                     ErrorKind::Usage};
    }
    auto files = findBoxFiles(folder, options.format);
    if (!files) return files.error();
    DetectionImportReport report;
    report.files = files.value();

    auto scan = import::scanFolder(folder, FolderLayout::Flat, options.progress, options.cancel);
    if (!scan) return scan.error();
    for (const ImportProblem& problem : scan.value().problems) {
        report.problems.push_back({problem.path, 0, problem.message});
    }
    report.found = scan.value().files.size();

    auto sources = readSources(files.value(), folder, report.problems);
    if (!sources) return sources.error();
    std::vector<std::string> classOrder;
    for (BoxSource& source : sources.value()) {
        for (const std::string& name : source.annotations.classes) {
            if (std::find(classOrder.begin(), classOrder.end(), name) == classOrder.end()) {
                classOrder.push_back(name);
            }
        }
        report.problems.insert(report.problems.end(), source.annotations.problems.begin(),
                               source.annotations.problems.end());
    }
    if (import::cancelled(options.cancel)) return import::cancelledError();

    std::map<std::string, Annotated> annotated =
        Resolver(folder, scan.value().files, report.problems).resolve(sources.value());
    auto known = store.knownImages();
    if (!known) return known.error();
    std::vector<std::size_t> toProbe;
    ImportBatch batch =
        planBatch(folder, scan.value().files, annotated, known.value(), toProbe, report);
    batch.classOrder = classOrder;
    if (auto probed = import::probeItems(batch.items, toProbe, options.progress, options.cancel);
        !probed) {
        return probed.error();
    }
    if (import::cancelled(options.cancel)) return import::cancelledError();
    import::reportProgress(options.progress, ImportProgress::Phase::Saving, 0, 1);
    auto applied = store.applyImport(batch);
    if (!applied) return applied.error();
    import::reportProgress(options.progress, ImportProgress::Phase::Saving, 1, 1);

    report.added = applied.value().added;
    report.updated = applied.value().updated;
    report.annotated = applied.value().annotationsApplied;
    report.boxes = applied.value().boxesWritten;
    report.classesCreated = applied.value().classesCreated;
    for (const ImportConflict& conflict : applied.value().conflicts) {
        report.problems.push_back({conflict.path, 0, conflict.message});
    }
    // Unreadable images, unless a reader already said so (YOLO probes its images itself).
    std::set<fs::path> reported;
    for (const BoxProblem& problem : report.problems) reported.insert(problem.file);
    for (const ImportItem& item : batch.items) {
        if (item.header && item.header->error && reported.count(item.path) == 0) {
            report.problems.push_back({item.path, 0, *item.header->error});
        }
    }
    return report;
}

}  // namespace fovea::core
