#include "fovea/core/project/image_folder_export.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <system_error>
#include <unordered_map>

#include "import_common.h"
#include "project_paths.h"

namespace fovea::core {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kProgressEvery = 256;

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// Names are compared case-insensitively so that the tree also survives a copy to a
// case-insensitive filesystem (macOS, Windows, FAT/exFAT drives).
class NameRegistry {
  public:
    // `wanted` if free in `folder`, else stem_2.ext, stem_3.ext, ...
    std::string claim(const fs::path& folder, const std::string& wanted, bool& renamed) {
        auto& used = m_used[folder.native()];
        renamed = false;
        if (used.insert(lower(wanted)).second) return wanted;
        const fs::path path(wanted);
        const std::string stem = path.stem().string();
        const std::string extension = path.extension().string();
        for (int n = 2;; ++n) {
            std::string candidate = stem + "_" + std::to_string(n) + extension;
            if (used.insert(lower(candidate)).second) {
                renamed = true;
                return candidate;
            }
        }
    }

  private:
    std::unordered_map<std::string, std::set<std::string>> m_used;
};

Result<void> writeOne(const fs::path& source, const fs::path& target, ExportMethod method,
                      bool& copiedInstead) {
    std::error_code ec;
    copiedInstead = false;
    switch (method) {
        case ExportMethod::HardLink:
            fs::create_hard_link(source, target, ec);
            if (!ec) return {};
            // Across filesystems (or where links are not allowed) the tree is still wanted.
            if (ec != std::errc::cross_device_link && ec != std::errc::operation_not_permitted &&
                ec != std::errc::operation_not_supported && ec != std::errc::too_many_links) {
                break;
            }
            ec.clear();
            copiedInstead = true;
            [[fallthrough]];
        case ExportMethod::Copy:
            fs::copy_file(source, target, fs::copy_options::none, ec);
            break;
        case ExportMethod::SymLink:
            fs::create_symlink(source, target, ec);
            break;
    }
    if (ec) return Error{"Cannot write " + target.string() + ": " + ec.message()};
    return {};
}

// Refuses an output folder that holds files, or that a rescan of an imported folder would read.
Result<void> checkExportFolder(const ProjectStore& store, const fs::path& out) {
    std::error_code ec;
    if (fs::exists(out, ec)) {
        if (!fs::is_directory(out, ec)) return Error{out.string() + " exists and is not a folder"};
        if (!fs::is_empty(out, ec)) {
            return Error{"Export folder " + out.string() +
                         " is not empty; choose a new or empty folder (nothing is overwritten)"};
        }
    }
    auto roots = store.importRoots();
    if (!roots) return roots.error();
    for (const ImportRoot& root : roots.value()) {
        if (paths::isInside(out, root.path)) {
            return Error{"Export folder " + out.string() + " is inside the imported folder " +
                         root.path.string() +
                         ", where a rescan would import the exported files; choose a folder "
                         "outside it"};
        }
    }
    return {};
}

// Class folder names, unique even when two class names become the same safe name.
Result<std::unordered_map<ClassId, std::string>> classFolderNames(const ProjectStore& store,
                                                                  const fs::path& out) {
    auto classes = store.classes();
    if (!classes) return classes.error();
    std::unordered_map<ClassId, std::string> classFolders;
    NameRegistry names;
    for (const ClassInfo& info : classes.value()) {
        bool renamed = false;
        classFolders[info.id] = names.claim(out, folderSafeName(info.name), renamed);
    }
    return classFolders;
}

// The images training could use; the others are counted in `report` by why they are left out.
std::vector<const ImageRecord*> chooseImages(const std::vector<ImageRecord>& images,
                                             ImageFolderExportReport& report) {
    std::vector<const ImageRecord*> chosen;
    for (const ImageRecord& image : images) {
        if (!image.classId) {
            ++report.skippedUnlabeled;
        } else if (image.excluded) {
            ++report.skippedExcluded;
        } else if (image.missing) {
            ++report.skippedMissing;
        } else if (image.error) {
            ++report.skippedFailed;
        } else {
            chosen.push_back(&image);
        }
    }
    return chosen;
}

bool writesSplitFolders(SplitFolders option, const std::vector<const ImageRecord*>& chosen) {
    switch (option) {
        case SplitFolders::Yes:
            return true;
        case SplitFolders::No:
            return false;
        case SplitFolders::Auto:
            break;
    }
    return std::any_of(chosen.begin(), chosen.end(),
                       [](const ImageRecord* image) { return image->split.has_value(); });
}

// Writes the chosen images into out/[<split>/]<class>/, creating each folder once.
class TreeWriter {
  public:
    TreeWriter(const fs::path& out, std::unordered_map<ClassId, std::string>& classFolders,
               ExportMethod method, ImageFolderExportReport& report)
        : m_out(out), m_classFolders(classFolders), m_method(method), m_report(report) {}

    // Whether the file was written; a file that cannot be is a problem in the report, not an
    // error that stops the export.
    Result<bool> write(const ImageRecord& image) {
        if (m_report.bySplit && !image.split) {
            ++m_report.skippedNoSplit;
            return false;
        }
        fs::path folder = m_out;
        if (m_report.bySplit) folder /= splitName(*image.split);
        folder /= m_classFolders[*image.classId];
        if (m_createdFolders.insert(folder.native()).second) {
            std::error_code ec;
            fs::create_directories(folder, ec);
            if (ec) return Error{"Cannot create " + folder.string() + ": " + ec.message()};
        }
        bool renamed = false;
        const fs::path target =
            folder / m_fileNames.claim(folder, image.path.filename().string(), renamed);
        bool copiedInstead = false;
        if (auto written = writeOne(image.path, target, m_method, copiedInstead); !written) {
            m_report.problems.push_back({image.path, written.error().message});
            return false;
        }
        ++m_report.exported;
        if (renamed) ++m_report.renamed;
        if (copiedInstead) ++m_report.copiedInsteadOfLinked;
        return true;
    }

  private:
    const fs::path& m_out;
    std::unordered_map<ClassId, std::string>& m_classFolders;
    const ExportMethod m_method;
    ImageFolderExportReport& m_report;
    NameRegistry m_fileNames;
    std::set<std::string> m_createdFolders;
};

}  // namespace

std::string folderSafeName(const std::string& name) {
    std::string safe;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        const bool reserved = c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' ||
                              c == '"' || c == '<' || c == '>' || c == '|';
        safe += (u < 0x20 || u == 0x7f || reserved) ? '_' : c;
    }
    while (!safe.empty() && (safe.back() == '.' || safe.back() == ' ')) safe.pop_back();
    if (safe.empty()) safe = "_";
    // A leading dot hides the folder (and Fovea's own import skips hidden folders).
    if (safe[0] == '.') safe[0] = '_';
    return safe;
}

Result<ImageFolderExportReport> exportImageFolder(const ProjectStore& store, const fs::path& outDir,
                                                  const ImageFolderExportOptions& options) {
    const fs::path out = paths::normalisedAbsolute(outDir);
    if (auto usable = checkExportFolder(store, out); !usable) return usable.error();
    auto classFolders = classFolderNames(store, out);
    if (!classFolders) return classFolders.error();
    auto images = store.images();
    if (!images) return images.error();

    ImageFolderExportReport report;
    const std::vector<const ImageRecord*> chosen = chooseImages(images.value(), report);
    report.bySplit = writesSplitFolders(options.splitFolders, chosen);

    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) return Error{"Cannot create " + out.string() + ": " + ec.message()};
    TreeWriter writer(out, classFolders.value(), options.method, report);
    std::size_t done = 0;
    for (const ImageRecord* image : chosen) {
        if (import::cancelled(options.cancel)) {
            return Error{"Export cancelled; " + out.string() + " holds " +
                         std::to_string(report.exported) + " of the files"};
        }
        auto written = writer.write(*image);
        if (!written) return written.error();
        if (written.value() && ++done % kProgressEvery == 0) {
            import::reportProgress(options.progress, ImportProgress::Phase::Saving, done,
                                   chosen.size());
        }
    }
    import::reportProgress(options.progress, ImportProgress::Phase::Saving, chosen.size(),
                           chosen.size());
    return report;
}

}  // namespace fovea::core
