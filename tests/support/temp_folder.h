#pragma once

// The one temporary-folder helper of the tests: a fresh, empty folder under the system's
// temporary directory, removed with everything in it when the object goes.

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fovea::test {

class TempFolder {
  public:
    // `prefix` names the folder (e.g. "fovea-run-settings"), so leftovers are recognisable.
    explicit TempFolder(const std::string& prefix = "fovea-test") {
        std::string pattern =
            (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed: " + pattern);
        // Canonical, so tests comparing paths are not fooled by a symlinked /tmp.
        m_path = std::filesystem::canonical(pattern);
    }
    ~TempFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::filesystem::path& name) const {
        return m_path / name;
    }

  private:
    std::filesystem::path m_path;
};

}  // namespace fovea::test
