#include "project_paths.h"

#include <system_error>

namespace fovea::core::paths {
namespace fs = std::filesystem;

fs::path normalisedAbsolute(const fs::path& path) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec);
    if (ec) absolute = path;
    absolute = absolute.lexically_normal();
    // "dir/" normalises to "dir/" (an empty last component); drop it so comparisons and
    // stored strings have one spelling per folder.
    if (!absolute.has_filename() && absolute.has_relative_path()) {
        absolute = absolute.parent_path();
    }
    return absolute;
}

bool isInside(const fs::path& path, const fs::path& folder) {
    auto p = path.begin();
    for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
        if (f->empty()) continue;  // a trailing separator
        if (p == path.end() || *p != *f) return false;
    }
    return true;
}

std::string toStored(const fs::path& absolute, const fs::path& project) {
    if (isInside(absolute, project) && absolute != project) {
        return absolute.lexically_relative(project).generic_string();
    }
    return absolute.generic_string();
}

fs::path fromStored(const std::string& stored, const fs::path& project) {
    fs::path path(stored);
    if (path.is_absolute()) return path;
    return project / path;
}

}  // namespace fovea::core::paths
