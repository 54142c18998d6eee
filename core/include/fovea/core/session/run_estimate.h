#pragma once

// How long a training run will take, measured before it starts: a few training steps of the
// network it would build, on its device, extrapolated to its images and epochs. The Train page
// shows it before Start and chooses a first run's settings with it. Free of LibTorch.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/run_settings.h"

namespace fovea::core {

struct RunTimeEstimate {
    double seconds = 0;  // the whole run
    // Once per run: kernels chosen and memory allocated for the shapes of the first batches.
    double warmUpSeconds = 0;
    double fullEpochSeconds = 0;  // the whole network runs on every image
    // Once the frozen leading blocks' features are cached; as a full epoch without a frozen
    // prefix.
    double cachedEpochSeconds = 0;
    // Epochs at the full cost: the first, or the first four with augmentation (one per
    // augmentation variant the cache keeps); every epoch without a frozen prefix.
    std::int64_t uncachedEpochs = 0;
    double trainingImagesPerSecond = 0;  // a whole-network training step, as measured
    double loadingSecondsPerImage = 0;   // reading one image the first time (0: not measured)
    int imageSize = 0;                   // the side the network was measured at
    std::string device;                  // e.g. "cpu"
};

// Builds the network `settings` describe (with random weights when its frozen blocks are given
// as a list: the values do not change the speed) for `classes` classes, times training steps
// and forward passes on random images at its input size on the settings' device, precision and
// layout, and extrapolates to `trainImages` and `validationImages` over the settings' epochs.
// Reading the images is timed on `sampleImages` (a few of the project's, through the trainer's
// loader: a first pass decoding them, a second from its cache), added to each step on a CPU
// (the loader's threads share its cores) and overlapped on a GPU; no samples, no reading
// time. Takes a second or two on a CPU for the small networks. `cancel` is checked between
// measurements.
Result<RunTimeEstimate> estimateRunTime(const RunSettings& settings, std::int64_t classes,
                                        std::int64_t trainImages, std::int64_t validationImages,
                                        const std::vector<std::filesystem::path>& sampleImages = {},
                                        const std::atomic<bool>* cancel = nullptr);

// The estimate's total for `epochs` epochs instead of the settings' (same measurements):
// warm-up, then full epochs, then cached ones.
double estimatedSecondsFor(const RunTimeEstimate& estimate, std::int64_t epochs);

}  // namespace fovea::core
