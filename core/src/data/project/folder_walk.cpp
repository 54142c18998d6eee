#include "fovea/core/project/folder_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <set>
#include <string>
#include <utility>

#include "import_common.h"

namespace fovea::core {
namespace fs = std::filesystem;
namespace {

using FolderId = std::pair<std::uint64_t, std::uint64_t>;  // device, inode

struct PendingFolder {
    fs::path path;
    fs::path relative;  // below the root, as walked
};

struct LinkedFolder {
    PendingFolder folder;
    FolderId id;
};

struct Entry {
    std::string name;
    unsigned char type = DT_UNKNOWN;
};

FolderId folderId(const struct stat& info) {
    return {static_cast<std::uint64_t>(info.st_dev), static_cast<std::uint64_t>(info.st_ino)};
}

std::error_code lastError() { return {errno, std::generic_category()}; }

class FolderWalker {
  public:
    explicit FolderWalker(const FolderWalkVisitor& visitor) : m_visitor(visitor) {}

    FolderWalkResult walk(const fs::path& root) {
        struct stat info {};
        if (::stat(root.c_str(), &info) != 0) {
            m_result.problems.push_back({root, lastError()});
            return m_result;
        }
        if (!S_ISDIR(info.st_mode)) {
            m_result.problems.push_back({root, std::make_error_code(std::errc::not_a_directory)});
            return m_result;
        }
        m_visited.insert(folderId(info));
        m_pending.push_back({root, {}});
        while (nextFolder()) {
            if (m_visitor.stop && m_visitor.stop()) {
                m_result.stopped = true;
                break;
            }
            const PendingFolder folder = std::move(m_pending.back());
            m_pending.pop_back();
            if (m_visitor.enterFolder && !m_visitor.enterFolder(folder.path, folder.relative)) {
                continue;
            }
            walkOne(folder);
        }
        return m_result;
    }

  private:
    // Makes m_pending hold the next folder to walk; false when the walk is over. Folders met
    // through links wait until every folder reachable without one is walked.
    bool nextFolder() {
        while (m_pending.empty() && !m_linked.empty()) {
            LinkedFolder linked = std::move(m_linked.front());
            m_linked.pop_front();
            if (m_visited.insert(linked.id).second) m_pending.push_back(std::move(linked.folder));
        }
        return !m_pending.empty();
    }

    // POSIX rather than std::filesystem: readdir gives most entries' type for free, and
    // fstatat on the folder's descriptor does not resolve the whole path again for every
    // file; at 100,000 files those path lookups dominated the scan.
    void walkOne(const PendingFolder& folder) {
        const int fd = ::open(folder.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR* listing = fd >= 0 ? ::fdopendir(fd) : nullptr;
        if (!listing) {
            m_result.problems.push_back({folder.path, lastError()});
            if (fd >= 0) ::close(fd);
            return;
        }
        std::vector<PendingFolder> subfolders;
        for (const Entry& entry : listEntries(listing, folder.path)) {
            visitEntry(fd, folder, entry, subfolders);
        }
        ::closedir(listing);  // closes fd too
        // Reversed onto the stack, so sub-folders are walked in name order.
        m_pending.insert(m_pending.end(), std::make_move_iterator(subfolders.rbegin()),
                         std::make_move_iterator(subfolders.rend()));
    }

    // The folder's visible entries sorted by name, so which of two links to one folder is
    // walked does not depend on the order the file system lists them in.
    std::vector<Entry> listEntries(DIR* listing, const fs::path& folder) {
        std::vector<Entry> entries;
        errno = 0;
        while (const dirent* entry = ::readdir(listing)) {
            if (entry->d_name[0] != '.') entries.push_back({entry->d_name, entry->d_type});
            errno = 0;
        }
        if (errno != 0) m_result.problems.push_back({folder, lastError(), true});
        std::sort(entries.begin(), entries.end(),
                  [](const Entry& a, const Entry& b) { return a.name < b.name; });
        return entries;
    }

    void visitEntry(int fd, const PendingFolder& folder, const Entry& entry,
                    std::vector<PendingFolder>& subfolders) {
        const bool maybeFile =
            entry.type == DT_REG || entry.type == DT_LNK || entry.type == DT_UNKNOWN;
        const bool maybeFolder =
            entry.type == DT_DIR || entry.type == DT_LNK || entry.type == DT_UNKNOWN;
        if (!maybeFile && !maybeFolder) return;
        fs::path path = folder.path / entry.name;
        const bool wanted = maybeFile && (!m_visitor.wantsFile || m_visitor.wantsFile(path));
        if (!wanted && !maybeFolder) return;
        struct stat info {};
        if (::fstatat(fd, entry.name.c_str(), &info, 0) != 0) return;  // dangling, or removed
        if (S_ISDIR(info.st_mode)) {
            PendingFolder child{std::move(path), folder.relative / entry.name};
            if (isLink(fd, entry)) {
                m_linked.push_back({std::move(child), folderId(info)});
            } else if (m_visited.insert(folderId(info)).second) {
                subfolders.push_back(std::move(child));
            }
        } else if (wanted && S_ISREG(info.st_mode) && m_visitor.visitFile) {
            const import::FileFacts facts = import::factsFromStat(info);
            m_visitor.visitFile({std::move(path), facts.size, facts.mtimeNs});
        }
    }

    static bool isLink(int fd, const Entry& entry) {
        if (entry.type != DT_UNKNOWN) return entry.type == DT_LNK;
        struct stat info {};
        return ::fstatat(fd, entry.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
               S_ISLNK(info.st_mode);
    }

    const FolderWalkVisitor& m_visitor;
    FolderWalkResult m_result;
    std::set<FolderId> m_visited;
    std::vector<PendingFolder> m_pending;  // a stack: depth-first
    std::deque<LinkedFolder> m_linked;     // met through a link; walked once m_pending is empty
};

}  // namespace

FolderWalkResult walkFolder(const fs::path& root, const FolderWalkVisitor& visitor) {
    return FolderWalker(visitor).walk(root);
}

}  // namespace fovea::core
