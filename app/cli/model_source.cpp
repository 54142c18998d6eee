#include "model_source.h"

#include "exit_codes.h"

namespace fovea::cli {

namespace fs = std::filesystem;

core::Result<fs::path> modelFileFor(const fs::path& given) {
    std::error_code error;
    const fs::file_status status = fs::status(given, error);
    if (!fs::exists(status)) {
        return core::Error{given.string() +
                           ": no such file or folder (expected a run folder, a model bundle or "
                           "a .safetensors model)"};
    }
    if (!fs::is_directory(status)) return given;
    const fs::path file = given / "model.safetensors";
    if (!fs::is_regular_file(file, error)) {
        return core::Error{given.string() +
                           ": no model.safetensors in this folder (a run that has not finished, "
                           "or not a run folder or model bundle)"};
    }
    return file;
}

core::Result<LoadedModel> loadModelSource(const fs::path& given, int& exitCode) {
    std::error_code error;
    exitCode = fs::exists(given, error) ? kExitBadData : kExitUsage;
    auto file = modelFileFor(given);
    if (!file) return file.error();
    auto model = core::loadTrainedModel(file.value());
    if (!model) return model.error();
    return LoadedModel{std::move(model).value(), file.value()};
}

}  // namespace fovea::cli
