// Data pipeline alone (decode, resize, augment, normalise, batch) on real JPEGs — Debian's MATE
// wallpapers, up to 5640x3172 — against the plain torchvision + PIL + DataLoader loop with the
// same number of workers, measured in the same run. No decoded-image cache: every epoch
// decodes again, as the Python loop does.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fovea/core/loader/image_batch_loader.h"
#include "run_process.h"

namespace fs = std::filesystem;
using namespace fovea::core;

namespace {

// True when the JPEG's frame is progressive (SOF2): such files decode at nearly full cost even
// when reduced, because every coefficient must still be entropy-decoded.
bool isProgressiveJpeg(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<unsigned char> bytes(1 << 16);
    in.read(reinterpret_cast<char*>(bytes.data()), bytes.size());
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    for (std::size_t i = 2; i + 4 < bytes.size();) {
        if (bytes[i] != 0xFF) return false;
        const unsigned char marker = bytes[i + 1];
        if (marker == 0xC2) return true;
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
            marker != 0xCC) {
            return false;
        }
        i += 2 + (bytes[i + 2] << 8 | bytes[i + 3]);
    }
    return false;
}

struct Rates {
    double python = 0;
    double fovea = 0;
};

Rates measure(const std::vector<std::string>& files, int workers, int epochs, int batch) {
    std::vector<std::string> args = {
        fovea::test::foveaSourceDir() + "/tests/bench/bench_data_pipeline.py",
        std::to_string(workers), std::to_string(epochs), std::to_string(batch)};
    args.insert(args.end(), files.begin(), files.end());
    const auto python = fovea::test::runProcess("/usr/bin/python3", args);
    if (python.exitCode != 0) {
        std::printf("bench_data_pipeline: the Python reference failed:\n%s\n",
                    python.output.c_str());
        std::exit(1);
    }
    Rates rates;
    rates.python = nlohmann::json::parse(python.output)["images_per_second"];

    std::vector<LabeledImage> images;
    for (std::size_t i = 0; i < files.size(); ++i) {
        images.push_back({static_cast<std::int64_t>(i), files[i], 0});
    }
    LoaderOptions options;
    options.batchSize = batch;
    options.workers = workers;
    ImageBatchLoader loader(images, Preprocessing{256, 224},
                            augmentationPreset(AugmentationLevel::Light), options);
    const auto start = std::chrono::steady_clock::now();
    std::int64_t count = 0;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        loader.startEpoch(epoch);
        while (auto b = loader.nextBatch()) count += b->images.size(0);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.fovea = count / seconds;
    return rates;
}

void report(const char* title, std::size_t count, const Rates& rates) {
    std::printf("%s (%zu files):\n", title, count);
    std::printf("  Python torchvision+PIL+DataLoader: %7.2f images/s\n", rates.python);
    std::printf("  Fovea ImageBatchLoader:            %7.2f images/s\n", rates.fovea);
    std::printf("  ratio Fovea/Python: %.2fx (goal >= 2x)\n", rates.fovea / rates.python);
}

}  // namespace

int main() {
    std::vector<std::string> files;
    for (const char* folder :
         {"/usr/share/backgrounds/mate/nature", "/usr/share/backgrounds/mate/abstract",
          "/usr/share/backgrounds/mate/desktop"}) {
        if (!fs::is_directory(folder)) continue;
        for (const auto& entry : fs::directory_iterator(folder)) {
            if (entry.path().extension() == ".jpg") files.push_back(entry.path().string());
        }
    }
    if (files.empty()) {
        std::puts("bench_data_pipeline: no JPEGs (install mate-backgrounds)");
        return 1;
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> baseline;
    for (const auto& file : files) {
        if (!isProgressiveJpeg(file)) baseline.push_back(file);
    }
    const int workers = 2;
    const int epochs = 3;
    const int batch = 8;
    std::printf(
        "data pipeline: decode, Resize(256), RandomResizedCrop(224), flip, normalise;\n"
        "%d epochs, %d workers each, batch %d, no decoded-image cache\n",
        epochs, workers, batch);
    report("all MATE wallpaper JPEGs", files.size(), measure(files, workers, epochs, batch));
    report("baseline JPEGs only (progressive ones left out)", baseline.size(),
           measure(baseline, workers, epochs, batch));
    return 0;
}
