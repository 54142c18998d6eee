#include "nsfwjs_reference.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "run_process.h"

namespace fovea::test {

namespace fs = std::filesystem;

fs::path nsfwjsModelDir(const fs::path& prefix, const NsfwjsModel& model) {
    return prefix / "node_modules/nsfwjs/dist/models" / model.folder;
}

fs::path nsfwjsPrefix(const NsfwjsModel& model) {
    const char* dir = std::getenv("FOVEA_NSFWJS_DIR");
    if (!dir || !*dir) return {};
    const fs::path prefix(dir);
    return fs::exists(nsfwjsModelDir(prefix, model) / "model.min.js") ? prefix : fs::path();
}

fs::path nsfwjsModelDir(const NsfwjsModel& model) {
    return nsfwjsModelDir(nsfwjsPrefix(model), model);
}

namespace {

std::vector<char> readAll(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

void runNsfwjs(const NsfwjsModel& model, const fs::path& folder, int count, NsfwjsPhotos& photos) {
    const char* nodeEnv = std::getenv("FOVEA_NODE");
    const std::string node = nodeEnv && *nodeEnv ? nodeEnv : "/usr/bin/node";
    if (access(node.c_str(), X_OK) != 0) GTEST_SKIP() << "no Node.js at " << node;

    const fs::path pixelsFile = folder / "photos.raw";
    const fs::path probabilitiesFile = folder / "nsfwjs.f32";
    const std::string here = foveaSourceDir() + "/tests/core/tensor/weights_import/";
    std::vector<std::string> decodeArgs{here + "make_nsfwjs_inputs.py", pixelsFile.string(),
                                        std::to_string(model.size)};
    if (count > 0) decodeArgs.push_back(std::to_string(count));
    const auto python = runProcess("/usr/bin/python3", decodeArgs, {}, true);
    if (python.exitCode == 77) GTEST_SKIP() << python.output;
    ASSERT_EQ(python.exitCode, 0) << python.output;
    {
        std::istringstream names(python.output.substr(0, python.output.find('\n')));
        for (std::string name; std::getline(names, name, ',');) photos.names.push_back(name);
    }
    ASSERT_GT(photos.count(), 0);
    if (count > 0) {
        ASSERT_EQ(photos.count(), count);
    }

    const auto reference = runProcess(
        node,
        {here + "nsfwjs_reference.cjs", nsfwjsPrefix(model).string(), pixelsFile.string(),
         std::to_string(photos.count()), probabilitiesFile.string(), model.tfjsName},
        {}, true);
    ASSERT_EQ(reference.exitCode, 0) << reference.output;

    photos.pixels = readAll(pixelsFile);
    ASSERT_EQ(static_cast<std::int64_t>(photos.pixels.size()),
              photos.count() * model.size * model.size * 3);
    auto expected = readAll(probabilitiesFile);
    ASSERT_EQ(static_cast<std::int64_t>(expected.size()), photos.count() * 5 * 4);
    photos.probabilities =
        torch::from_blob(expected.data(), {photos.count(), 5}, torch::kFloat32).clone();
}

torch::Tensor appInput(const NsfwjsPhotos& photos, std::int64_t size,
                       const core::Preprocessing& preprocessing) {
    auto input = torch::from_blob(const_cast<char*>(photos.pixels.data()),
                                  {photos.count(), size, size, 3}, torch::kUInt8)
                     .permute({0, 3, 1, 2})
                     .to(torch::kFloat32)
                     .div(255.0);
    const auto mean =
        torch::tensor({preprocessing.mean[0], preprocessing.mean[1], preprocessing.mean[2]})
            .view({1, 3, 1, 1});
    const auto std =
        torch::tensor({preprocessing.std[0], preprocessing.std[1], preprocessing.std[2]})
            .view({1, 3, 1, 1});
    return (input - mean) / std;
}

}  // namespace fovea::test
