#include "data_source.h"

#include "fovea/core/project/folder_import.h"

namespace fovea::cli {

core::Result<OpenedData> openData(const std::filesystem::path& data,
                                  const std::filesystem::path& projectFolder) {
    std::error_code error;
    if (!std::filesystem::is_directory(data, error)) {
        return core::Error{data.string() +
                           ": not a folder (expected an image folder or a project)"};
    }
    if (core::ProjectStore::exists(data)) {
        auto store = core::ProjectStore::open(data);
        if (!store) return store.error();
        return OpenedData{std::move(store).value(), std::nullopt};
    }
    auto store = core::ProjectStore::exists(projectFolder)
                     ? core::ProjectStore::open(projectFolder)
                     : core::ProjectStore::create(projectFolder);
    if (!store) return store.error();
    auto report = core::importFolder(store.value(), data);
    if (!report) return report.error();
    return OpenedData{std::move(store).value(), std::move(report).value()};
}

}  // namespace fovea::cli
