#include "fovea/core/session/run_records.h"

#include "fovea/core/session/run_data.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/training/run_folder.h"

namespace fovea::core {

namespace fs = std::filesystem;

Result<fs::path> modelFileFor(const fs::path& given) {
    std::error_code error;
    const fs::file_status status = fs::status(given, error);
    if (!fs::exists(status)) {
        return Error{given.string() +
                     ": no such file or folder (expected a run folder, a model bundle or "
                     "a .safetensors model)"};
    }
    if (!fs::is_directory(status)) return given;
    const fs::path file = given / "model.safetensors";
    if (!fs::is_regular_file(file, error)) {
        return Error{given.string() +
                     ": no model.safetensors in this folder (a run that has not finished, "
                     "or not a run folder or model bundle)"};
    }
    return file;
}

Result<LoadedModel> loadModelSource(const fs::path& given) {
    std::error_code error;
    // A path that does not exist is a mistyped argument; one that holds no model is bad data.
    const ErrorKind kind = fs::exists(given, error) ? ErrorKind::BadData : ErrorKind::Usage;
    auto file = modelFileFor(given);
    if (!file) return withKind(file.error(), kind);
    auto model = loadTrainedModel(file.value());
    if (!model) return withKind(model.error(), kind);
    return LoadedModel{std::move(model).value(), file.value()};
}

Result<ExportInputs> exportInputs(const fs::path& source) {
    auto loaded = loadModelSource(source);
    if (!loaded) return loaded.error();
    ExportInputs inputs{std::move(loaded).value(), {}, {}, {}};
    inputs.facts.name = fs::absolute(source).lexically_normal().filename().string();
    const bool isRun = fs::is_directory(source) && fs::exists(source / kRunConfigFile);
    if (!isRun) return inputs;
    auto config = readRunConfig(source);
    if (!config) return config.error();
    inputs.facts.run = std::move(config).value();
    auto validation = runData(source, *inputs.facts.run, "val");
    if (validation) {
        for (const DataImage& image : validation.value().images) {
            inputs.parityImages.push_back(image.path);
        }
    } else {
        inputs.notes.push_back("no validation images for the parity check (" +
                               validation.error().message + "); random inputs used");
    }
    inputs.facts.summary = loadJsonFile(source / RunFolder::kSummaryFile);
    inputs.facts.evaluation = loadJsonFile(source / "evaluation.json");
    return inputs;
}

}  // namespace fovea::core
