#include "fovea/core/training/lr_finder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "device_setup.h"
#include "fovea/core/training/optimizer_setup.h"
#include "training_state.h"

namespace fovea::core {
namespace F = torch::nn::functional;

namespace {

constexpr std::size_t kMinPointsForSlope = 10;

// Everything the range test changes, put back so that the network leaves as it came: trying
// rates must not pre-train it, shift its BatchNorm statistics or move the run's random stream.
class NetworkSnapshot {
  public:
    explicit NetworkSnapshot(NetworkImpl& network)
        : m_network(network), m_state(copyStateOf(network)) {
        m_training = network.is_training();
        for (const auto& module : network.modules(/*include_self=*/false)) {
            m_modes.emplace_back(module, module->is_training());
        }
        for (const auto& parameter : network.parameters()) {
            m_device = parameter.device();
            const torch::Tensor& grad = parameter.grad();
            m_gradients.emplace_back(parameter, grad.defined() ? grad.detach().clone() : grad);
        }
        m_generators.emplace_back(at::detail::getDefaultCPUGenerator(), torch::Tensor());
        std::lock_guard lock(m_generators.back().first.mutex());
        m_generators.back().second = m_generators.back().first.get_state();
    }
    ~NetworkSnapshot() { (void)restore(); }
    NetworkSnapshot(const NetworkSnapshot&) = delete;
    NetworkSnapshot& operator=(const NetworkSnapshot&) = delete;

    // Saves, then seeds, the generators the run draws from on `device` (dropout), so the curve
    // is repeatable for a seed. Only these: torch::manual_seed would reseed every CUDA device.
    void seedGenerators(const torch::Device& device, std::uint64_t seed) {
        if (device.is_cuda()) {
            at::Generator cuda = at::globalContext().defaultGenerator(device);
            std::lock_guard lock(cuda.mutex());
            m_generators.emplace_back(cuda, cuda.get_state());
        }
        for (auto& [generator, state] : m_generators) {
            std::lock_guard lock(generator.mutex());
            generator.set_current_seed(seed);
        }
    }

    // Idempotent; the destructor calls it too, for the paths that cannot report an error.
    Result<void> restore() {
        if (m_restored) return {};
        m_restored = true;
        try {
            torch::NoGradGuard noGrad;
            m_network.to(m_device);
            loadStateInto(m_network, m_state);
            for (auto& [parameter, grad] : m_gradients) parameter.mutable_grad() = grad;
            // Module::train recurses, so set parents before children (modules() is pre-order),
            // bypassing NetworkImpl::train, which would re-derive the frozen blocks' modes.
            m_network.torch::nn::Module::train(m_training);
            for (auto& [module, training] : m_modes) module->torch::nn::Module::train(training);
            for (auto& [generator, state] : m_generators) {
                std::lock_guard lock(generator.mutex());
                generator.set_state(state);
            }
        } catch (const c10::Error& e) {
            return Error{std::string("could not restore the network after the learning-rate "
                                     "test: ") +
                         e.what_without_backtrace()};
        } catch (const std::exception& e) {
            return Error{std::string("could not restore the network after the learning-rate "
                                     "test: ") +
                         e.what()};
        }
        return {};
    }

  private:
    NetworkImpl& m_network;
    std::vector<std::pair<std::string, torch::Tensor>> m_state;  // CPU copies
    torch::Device m_device = torch::kCPU;
    bool m_training = true;
    std::vector<std::pair<std::shared_ptr<torch::nn::Module>, bool>> m_modes;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> m_gradients;  // parameter, its grad
    std::vector<std::pair<at::Generator, torch::Tensor>> m_generators;
    bool m_restored = false;
};

Result<void> checkOptions(const LrFinderOptions& options) {
    if (!(options.minLearningRate > 0) || !std::isfinite(options.minLearningRate)) {
        return Error{"the learning-rate test needs a positive smallest rate, not " +
                     std::to_string(options.minLearningRate)};
    }
    if (!(options.maxLearningRate > options.minLearningRate) ||
        !std::isfinite(options.maxLearningRate)) {
        return Error{"the learning-rate test's largest rate (" +
                     std::to_string(options.maxLearningRate) + ") must exceed its smallest (" +
                     std::to_string(options.minLearningRate) + ")"};
    }
    if (options.steps < 2) {
        return Error{"the learning-rate test needs at least 2 steps, not " +
                     std::to_string(options.steps)};
    }
    if (!(options.smoothing >= 0 && options.smoothing < 1)) {
        return Error{"the learning-rate test's loss smoothing must lie in [0, 1), not " +
                     std::to_string(options.smoothing)};
    }
    if (!(options.divergeFactor > 1)) {
        return Error{"the learning-rate test's divergence factor must exceed 1, not " +
                     std::to_string(options.divergeFactor)};
    }
    return {};
}

// The next batch with images, starting the following epoch when one ends; nullopt when a
// whole epoch has none (it would cycle forever).
std::optional<Batch> nextTrainingBatch(BatchSource& batches, std::int64_t& epoch) {
    for (int epochsStarted = 0; epochsStarted < 2;) {
        auto batch = batches.nextBatch();
        if (!batch) {
            batches.startEpoch(++epoch);
            ++epochsStarted;
        } else if (batch->images.size(0) > 0) {
            return batch;
        }
    }
    return std::nullopt;
}

std::string rateText(double learningRate) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", learningRate);
    return text;
}

using RangeTestProgress = std::function<void(std::int64_t, double, double)>;

// One optimizer step of the test, set up as the trainer sets up its steps for the same config.
struct RangeStep {
    NetworkImpl& network;
    const TrainingConfig& config;
    torch::Device device;
    bool channelsLast;
    Precision precision;  // the config's, resolved for the device
    OptimizerSetup& optimizer;
    torch::Tensor classWeights;
    LossScaler* scaler;  // only for float16

    // Trains on `batch` at `rate`; returns the loss the batch had before the step.
    double lossAt(const Batch& batch, double rate) {
        optimizer.baseLearningRate = rate;  // the multipliers still apply per block
        applyLearningRateFactor(optimizer, 1.0);

        const torch::Tensor images = prepareInput(batch.images, device, channelsLast);
        const torch::Tensor targets = prepareTargets(batch.targets, network.numClasses(), device);
        torch::Tensor logits;
        {
            AutocastGuard autocast(device, precision);
            logits = network.forward(images);
        }
        const torch::Tensor loss = trainingLoss(logits, targets, config, classWeights);
        optimizer.optimizer->zero_grad();
        backwardAndStep(loss, network, *optimizer.optimizer, config.gradientClipNorm, scaler);

        // Every step's loss is the measurement (and decides when to stop), so reading it each
        // step is the point here, unlike in the trainer.
        return loss.item<double>();
    }
};

// Steps through the rates from the smallest to the largest, geometrically, until the last one,
// a stop request, a non-finite loss or divergence.
Result<LrFinderResult> sweepRates(BatchSource& batches, const LrFinderOptions& options,
                                  TrainingControl* control, const RangeTestProgress& progress,
                                  RangeStep& rangeStep) {
    LrFinderResult result;
    const double logRange = std::log(options.maxLearningRate / options.minLearningRate);
    const double beta = options.smoothing;
    double average = 0;
    double best = std::numeric_limits<double>::infinity();
    std::int64_t epoch = 0;
    batches.startEpoch(epoch);
    for (std::int64_t step = 0; step < options.steps; ++step) {
        if (control && !control->waitWhilePaused()) {
            result.stopReason = "a stop was requested";
            break;
        }
        auto batch = nextTrainingBatch(batches, epoch);
        if (!batch) return Error{"the training set gave no images"};
        const double rate =
            options.minLearningRate *
            std::exp(logRange * static_cast<double>(step) / static_cast<double>(options.steps - 1));
        const double raw = rangeStep.lossAt(*batch, rate);
        if (!std::isfinite(raw)) {
            if (step == 0) {
                return Error{"the training loss was " + std::to_string(raw) +
                             " from the first step, at learning rate " + rateText(rate) +
                             ": the data or the network is broken, not the learning rate"};
            }
            result.stopReason =
                "the loss became " + std::to_string(raw) + " at learning rate " + rateText(rate);
            break;
        }
        average = beta * average + (1 - beta) * raw;
        const double smoothed = average / (1 - std::pow(beta, static_cast<double>(step + 1)));
        result.learningRates.push_back(rate);
        result.rawLosses.push_back(raw);
        result.losses.push_back(smoothed);
        if (progress) progress(step, rate, smoothed);
        best = std::min(best, smoothed);
        if (smoothed > options.divergeFactor * best) {
            result.stopReason = "diverged at learning rate " + rateText(rate) +
                                ": the smoothed loss " + std::to_string(smoothed) + " exceeds " +
                                rateText(options.divergeFactor) + " x the best, " +
                                std::to_string(best);
            break;
        }
    }
    return result;
}

Result<torch::Device> checkedDevice(const TrainingConfig& config) {
    auto resolved = resolveDevice(config.device);
    if (!resolved) return resolved.error();
    const torch::Device device = resolved.value();
    if (auto supported = checkPrecisionFor(device, config.precision); !supported) {
        return supported.error();
    }
    return device;
}

Result<LrFinderResult> runRangeTest(NetworkImpl& network, BatchSource& batches,
                                    const TrainingConfig& config, const LrFinderOptions& options,
                                    TrainingControl* control, const RangeTestProgress& progress,
                                    NetworkSnapshot& snapshot) {
    auto checked = checkedDevice(config);
    if (!checked) return checked.error();
    const torch::Device device = checked.value();
    if (batches.batchesPerEpoch() == 0) return Error{"the training set is empty"};

    // The caller's thread owns its grad mode (it is thread-local in LibTorch).
    torch::AutoGradMode gradMode(true);
    snapshot.seedGenerators(device, config.seed);
    network.to(device);
    network.train(true);
    const bool channelsLast = useChannelsLast(config, network);
    const Precision precision = resolvePrecision(config.precision, device);
    if (channelsLast) toChannelsLast(network);
    OptimizerSetup optimizer = makeOptimizer(network, config);
    if (optimizer.groups.empty()) return Error{"nothing to train: every block is frozen"};
    const torch::Tensor classWeights =
        classWeightsFor(config, options.classCounts, network.numClasses(), device);

    std::optional<LossScaler> scaler;
    if (precision == Precision::Float16) scaler.emplace();
    RangeStep rangeStep{network,   config,    device,       channelsLast,
                        precision, optimizer, classWeights, scaler ? &*scaler : nullptr};
    auto swept = sweepRates(batches, options, control, progress, rangeStep);
    if (!swept) return swept.error();
    LrFinderResult result = std::move(swept).value();
    // The trainer finds the same unusable images again and reports them there.
    (void)batches.takeFailures();
    result.stoppedEarly = !result.stopReason.empty();
    LrSuggestion suggestion = suggestLearningRate(result.learningRates, result.losses);
    result.suggestedLearningRate = suggestion.learningRate;
    result.suggestionRule = std::move(suggestion.rule);
    return result;
}

}  // namespace

LrSuggestion suggestLearningRate(const std::vector<double>& learningRates,
                                 const std::vector<double>& smoothedLosses) {
    const std::size_t n = std::min(learningRates.size(), smoothedLosses.size());
    if (n == 0) return {0, "none"};
    // fastai v1 skips 10 points at the start and 5 at the end of its 100; shorter (stopped)
    // curves skip proportionally, at least one at each end so central differences fit.
    const std::size_t skipStart = std::clamp<std::size_t>(n / 10, 1, 10);
    const std::size_t skipEnd = std::clamp<std::size_t>(n / 20, 1, 5);
    std::optional<std::size_t> lowest;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isfinite(smoothedLosses[i]) &&
            (!lowest || smoothedLosses[i] < smoothedLosses[*lowest])) {
            lowest = i;
        }
    }
    if (!lowest) return {0, "none"};
    // Only the descent before the lowest loss counts: after a blow-up the loss can fall again
    // (the network lands somewhere else), which is no rate to train at.
    double steepest = 0;
    std::optional<std::size_t> steepestAt;
    // A handful of points is mostly the start of the moving average: no slope to read there.
    const std::size_t firstSlope = n >= kMinPointsForSlope ? skipStart : n;
    for (std::size_t i = firstSlope; i + skipEnd < n && i <= *lowest; ++i) {
        // Central differences (numpy.gradient) against log(rate): the rates grow geometrically.
        const double slope = (smoothedLosses[i + 1] - smoothedLosses[i - 1]) /
                             (std::log(learningRates[i + 1]) - std::log(learningRates[i - 1]));
        if (std::isfinite(slope) && slope < steepest) {
            steepest = slope;
            steepestAt = i;
        }
    }
    if (steepestAt) return {learningRates[*steepestAt], "steepest"};

    // A tenth of the rate at the lowest loss stays clear of the blow-up that follows it; but
    // never below the rates the test measured.
    return {std::max(learningRates[*lowest] / 10, learningRates.front()), "minimum/10"};
}

Result<LrFinderResult> findLearningRate(
    NetworkImpl& network, BatchSource& batches, const TrainingConfig& config,
    const LrFinderOptions& options, TrainingControl* control,
    std::function<void(std::int64_t step, double lr, double loss)> progress) {
    if (auto checked = checkOptions(options); !checked) return checked.error();
    std::optional<NetworkSnapshot> snapshot;
    Result<LrFinderResult> result = Error{};
    try {
        snapshot.emplace(network);
        result = runRangeTest(network, batches, config, options, control, progress, *snapshot);
    } catch (const c10::Error& e) {
        result = Error{std::string("the learning-rate test failed: ") + e.what_without_backtrace()};
    } catch (const std::exception& e) {
        result = Error{std::string("the learning-rate test failed: ") + e.what()};
    }
    if (snapshot) {
        if (auto restored = snapshot->restore(); !restored && result) return restored.error();
    }
    return result;
}

}  // namespace fovea::core
