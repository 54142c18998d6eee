#include "fovea/core/project/image_folder_export.h"

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

    auto classes = store.classes();
    if (!classes) return classes.error();
    // Class folder names, unique even when two class names become the same safe name.
    std::unordered_map<ClassId, std::string> classFolders;
    {
        NameRegistry names;
        for (const ClassInfo& info : classes.value()) {
            bool renamed = false;
            classFolders[info.id] = names.claim(out, folderSafeName(info.name), renamed);
        }
    }
    auto images = store.images();
    if (!images) return images.error();

    ImageFolderExportReport report;
    std::vector<const ImageRecord*> chosen;
    for (const ImageRecord& image : images.value()) {
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
    switch (options.splitFolders) {
        case SplitFolders::Yes:
            report.bySplit = true;
            break;
        case SplitFolders::No:
            report.bySplit = false;
            break;
        case SplitFolders::Auto:
            for (const ImageRecord* image : chosen) report.bySplit |= image->split.has_value();
            break;
    }

    fs::create_directories(out, ec);
    if (ec) return Error{"Cannot create " + out.string() + ": " + ec.message()};
    NameRegistry fileNames;
    std::set<std::string> createdFolders;
    std::size_t done = 0;
    for (const ImageRecord* image : chosen) {
        if (import::cancelled(options.cancel)) {
            return Error{"Export cancelled; " + out.string() + " holds " +
                         std::to_string(report.exported) + " of the files"};
        }
        if (report.bySplit && !image->split) {
            ++report.skippedNoSplit;
            continue;
        }
        fs::path folder = out;
        if (report.bySplit) folder /= splitName(*image->split);
        folder /= classFolders[*image->classId];
        if (createdFolders.insert(folder.native()).second) {
            fs::create_directories(folder, ec);
            if (ec) return Error{"Cannot create " + folder.string() + ": " + ec.message()};
        }
        bool renamed = false;
        const fs::path target =
            folder / fileNames.claim(folder, image->path.filename().string(), renamed);
        bool copiedInstead = false;
        if (auto written = writeOne(image->path, target, options.method, copiedInstead); !written) {
            report.problems.push_back({image->path, written.error().message});
            continue;
        }
        ++report.exported;
        if (renamed) ++report.renamed;
        if (copiedInstead) ++report.copiedInsteadOfLinked;
        if (++done % kProgressEvery == 0) {
            import::reportProgress(options.progress, ImportProgress::Phase::Saving, done,
                                   chosen.size());
        }
    }
    import::reportProgress(options.progress, ImportProgress::Phase::Saving, chosen.size(),
                           chosen.size());
    return report;
}

}  // namespace fovea::core
