// Training throughput of Fovea's trainer on synthetic images: the Fovea half of
// packaging/gpu-check.sh's benchmark (train_throughput.py is the PyTorch eager half, the same
// recipe). Prints one JSON line. Tensor side only, so it builds wherever LibTorch does.
//
//   train_throughput [--arch resnet50] [--image-size 224] [--batch-size 64] [--precision bf16]
//                    [--memory-format channels_last|contiguous] [--warmup 10] [--steps 50]
//                    [--device auto|cpu|cuda]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fovea/core/models/zoo.h"
#include "fovea/core/tensor_memory.h"
#include "fovea/core/threads.h"
#include "fovea/core/torch_runtime.h"
#include "fovea/core/training/trainer.h"

namespace {

using namespace fovea::core;

constexpr std::int64_t kClasses = 10;
constexpr std::int64_t kDistinctBatches = 4;  // cycled: no data loading in the measurement

// `count` batches per epoch from a few fixed, pinned (when CUDA is there) synthetic batches.
class CyclingBatches final : public BatchSource {
  public:
    CyclingBatches(std::int64_t batchSize, std::int64_t imageSize, std::int64_t count)
        : m_count(count) {
        torch::manual_seed(0);
        for (std::int64_t i = 0; i < kDistinctBatches; ++i) {
            Batch batch;
            batch.images = torch::randn({batchSize, 3, imageSize, imageSize});
            if (torch::cuda::is_available()) batch.images = batch.images.pin_memory();
            batch.targets = torch::randint(kClasses, {batchSize}, torch::kInt64);
            m_batches.push_back(std::move(batch));
        }
    }
    std::int64_t samplesPerEpoch() const override {
        return m_count * m_batches.front().images.size(0);
    }
    std::int64_t batchesPerEpoch() const override { return m_count; }
    void startEpoch(std::int64_t, std::int64_t firstBatch) override { m_next = firstBatch; }
    std::optional<Batch> nextBatch() override {
        if (m_next >= m_count) return std::nullopt;
        return m_batches[static_cast<std::size_t>(m_next++ % kDistinctBatches)];
    }
    std::vector<SampleFailure> takeFailures() override { return {}; }

  private:
    std::vector<Batch> m_batches;
    std::int64_t m_count;
    std::int64_t m_next = 0;
};

int fail(const std::string& message) {
    std::cerr << "train_throughput: " << message << "\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> options = {
        {"--arch", "resnet50"}, {"--image-size", "224"},
        {"--batch-size", "64"}, {"--precision", "bf16"},
        {"--warmup", "10"},     {"--steps", "50"},
        {"--device", "auto"},   {"--memory-format", "channels_last"}};
    for (int i = 1; i < argc; i += 2) {
        if (!options.count(argv[i]) || i + 1 >= argc)
            return fail(std::string("bad option ") + argv[i]);
        options[argv[i]] = argv[i + 1];
    }
    configureIntraOpThreads();
    adviseHugePagesForLargeTensors();
    const std::int64_t imageSize = std::stoll(options["--image-size"]);
    const std::int64_t batchSize = std::stoll(options["--batch-size"]);
    const std::int64_t warmup = std::stoll(options["--warmup"]);
    const std::int64_t steps = std::stoll(options["--steps"]);

    TrainingConfig config;
    config.epochs = 1;
    config.optimizer = OptimizerKind::AdamW;
    config.learningRate = 1e-3;
    config.featureCache = false;
    config.reportEveryBatches = 0;     // no loss read-back (device sync) per batch
    config.checkpointEveryEpochs = 0;  // no checkpoint inside the measurement
    auto precision = parsePrecision(options["--precision"]);
    auto device = parseDevicePreference(options["--device"]);
    if (!precision) return fail(precision.error().message);
    if (!device) return fail(device.error().message);
    config.precision = precision.value();
    config.device = device.value();
    config.channelsLast = options["--memory-format"] == "channels_last";

    auto network = createNetwork(options["--arch"], kClasses);
    if (!network) return fail(network.error().message);
    // Warm-up (cuDNN's algorithm search, the caching allocator), then the measured steps on the
    // same network, with the optimizer made anew as a run would.
    CyclingBatches warmupBatches(batchSize, imageSize, warmup);
    CyclingBatches measuredBatches(batchSize, imageSize, steps);
    TrainingControl control;
    {
        Trainer trainer(network.value(), config, {&warmupBatches, nullptr, {}, {}});
        auto ran = trainer.run(control);
        if (!ran) return fail(ran.error().message);
    }
    Trainer trainer(network.value(), config, {&measuredBatches, nullptr, {}, {}});
    const auto start = std::chrono::steady_clock::now();
    auto ran = trainer.run(control);  // ends by reading the epoch's sums: the device is done
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!ran) return fail(ran.error().message);

    const TorchRuntimeInfo runtime = queryTorchRuntime();
    const nlohmann::json result = {
        {"implementation", "fovea"},
        {"arch", options["--arch"]},
        {"image_size", imageSize},
        {"batch_size", batchSize},
        {"precision", options["--precision"]},
        {"channels_last", ran.value().channelsLast},
        {"device", ran.value().device},
        {"device_name", runtime.cudaAvailable && !runtime.cudaDevices.empty()
                            ? runtime.cudaDevices.front().name
                            : "cpu"},
        {"libtorch", runtime.libtorchVersion},
        {"steps", steps},
        {"seconds", seconds},
        {"images_per_second", static_cast<double>(steps * batchSize) / seconds},
        {"final_loss", ran.value().history.back().trainLoss}};
    std::cout << result.dump() << std::endl;
    return 0;
}
