// One epoch of Trainer::run: its training batches, validation, and what follows it (metrics,
// best weights, checkpoint, early stop).

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <utility>
#include <vector>

#include "device_setup.h"
#include "fovea/core/count_text.h"
#include "fovea/core/distributed/process_group.h"
#include "trainer_impl.h"

namespace fovea::core {
namespace {

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

double seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

double secondsSince(Clock::time_point start) { return seconds(Clock::now() - start); }

// Remaining time at the average speed of this session's steps.
double estimateRemaining(Clock::time_point start, std::int64_t stepsDone, std::int64_t stepsLeft) {
    if (stepsDone <= 0) return 0;
    return secondsSince(start) / static_cast<double>(stepsDone) * static_cast<double>(stepsLeft);
}

ConfusionMatrix confusionFromCells(const torch::Tensor& cells, int classes) {
    ConfusionMatrix matrix(classes);
    const auto* count = cells.data_ptr<std::int64_t>();
    for (int truth = 0; truth < classes; ++truth) {
        for (int predicted = 0; predicted < classes; ++predicted) {
            if (const std::int64_t n = count[truth * classes + predicted]; n > 0) {
                matrix.add(truth, predicted, n);
            }
        }
    }
    return matrix;
}

}  // namespace

// --- Training batches ---

Trainer::Impl::RunEnd Trainer::Impl::trainEpoch(TrainingControl& control, std::int64_t epoch,
                                                Timing& timing, const TrainingSummary& summary) {
    m_data.train->startEpoch(epoch, m_state.batchInEpoch);
    m_validatedCaches.clear();
    m_network->train(true);
    for (;;) {
        const Clock::time_point beforePause = Clock::now();
        // The run's log says when it waited: a gap in its times is otherwise unexplained.
        const bool pausing = control.paused();
        if (pausing) {
            log("paused at epoch " + std::to_string(epoch + 1) + ", batch " +
                std::to_string(m_state.batchInEpoch));
        }
        if (m_group) {
            // Every rank asks the others first: Ctrl-C reaches each at its own moment, and a
            // rank that stopped on its own word alone would leave the others waiting in a
            // collective. A stop that comes during the pause is seen at the next batch.
            if (anyRankStopping(control)) {
                return stopInEpoch(epoch, summary, seconds(beforePause - timing.epochStart));
            }
            control.waitWhilePaused();
        } else if (!control.waitWhilePaused()) {
            return stopInEpoch(epoch, summary, seconds(beforePause - timing.epochStart));
        }
        // A pause is not training time: speeds, ETAs and the epoch's duration leave it out.
        const Clock::duration paused = Clock::now() - beforePause;
        if (pausing) {
            log("resumed after " + std::to_string(static_cast<long long>(seconds(paused))) +
                " s paused");
        }
        timing.runStart += paused;
        timing.epochStart += paused;
        applyFrozenBlocksRequest(control);
        auto batch = m_data.train->nextBatch();
        if (!batch) return std::nullopt;
        const torch::Tensor loss = trainBatch(*batch);
        ++m_state.batchInEpoch;
        const bool report = m_config.reportEveryBatches > 0 &&
                            (m_state.batchInEpoch % m_config.reportEveryBatches == 0 ||
                             m_state.batchInEpoch == m_batchesPerEpoch);
        if (!report || !loss.defined()) continue;
        // Reading the loss waits for the device: only when reporting.
        const double lossValue = loss.item<double>();
        if (!std::isfinite(lossValue)) return diverged(summary, epoch, lossValue);
        reportBatch(epoch, lossValue, timing);
    }
}

bool Trainer::Impl::anyRankStopping(TrainingControl& control) {
    // One tiny sum per batch, so that every rank's checkpoint and collectives stay in step.
    std::vector<torch::Tensor> stopping{
        torch::tensor({control.stopRequested() ? 1.0 : 0.0}, torch::kFloat64)};
    m_group->allreduceSum(stopping);
    if (stopping[0].item<double>() == 0) return false;
    control.requestStop();
    return true;
}

void Trainer::Impl::applyFrozenBlocksRequest(TrainingControl& control) {
    auto frozen = control.takeFrozenBlocksRequest();
    if (!frozen) return;
    m_network->setFrozenBlocks(*frozen);
    m_network->train(true);
    if (m_averager) m_averager->attach(m_network->parameters());  // other trainable ones now
    rebuildOptimizer();
    setUpFeatureCaches();
    log("frozen blocks changed; optimizer state restarted");
    if (m_callbacks && m_callbacks->onFrozenBlocksChanged) {
        std::vector<std::string> inOrder;
        for (const auto& block : m_network->blocks()) {
            if (frozen->count(block.name)) inOrder.push_back(block.name);
        }
        m_callbacks->onFrozenBlocksChanged(inOrder);
    }
}

torch::Tensor Trainer::Impl::trainBatch(const Batch& batch) {
    const std::int64_t n = batch.images.size(0);
    m_lastBatchSize = n;
    if (n == 0) return {};
    applyLearningRateFactor(
        m_optimizer, learningRateFactor(m_schedule, m_state.step, m_totalSteps, m_batchesPerEpoch));
    const torch::Tensor images = prepareInput(batch.images, m_device, m_channelsLast);
    const torch::Tensor targets = prepareTargets(batch.targets, m_network->numClasses(), m_device);
    const torch::Tensor logits = forwardBatch(batch, images, m_trainFeatures.get());
    const torch::Tensor loss = lossOf(logits, targets);
    clearGradients(*m_optimizer.optimizer);
    const auto averageGradients = [this] { m_averager->finish(); };
    backwardAndStep(loss, *m_network, *m_optimizer.optimizer, m_config.gradientClipNorm,
                    m_lossScaler ? &*m_lossScaler : nullptr,
                    m_averager ? std::function<void()>(averageGradients) : nullptr);
    if (m_lossScaler) m_state.lossScale = m_lossScaler->state();
    ++m_state.step;
    {
        torch::NoGradGuard noGrad;
        m_lossSum += loss.detach().to(torch::kFloat64) * static_cast<double>(n);
        m_correct += logits.argmax(1).eq(targets).sum();
    }
    m_state.epochImages += n;
    m_unsyncedImages += n;
    return loss.detach();
}

torch::Tensor Trainer::Impl::lossOf(const torch::Tensor& logits,
                                    const torch::Tensor& targets) const {
    return trainingLoss(logits, targets, m_config, m_classWeights);
}

void Trainer::Impl::reportBatch(std::int64_t epoch, double loss, const Timing& timing) const {
    if (!m_callbacks->onBatch) return;
    BatchProgress progress;
    progress.epoch = epoch;
    progress.batch = m_state.batchInEpoch - 1;
    progress.batchesInEpoch = m_batchesPerEpoch;
    progress.step = m_state.step;
    progress.loss = loss;
    progress.learningRate = currentLearningRate(m_optimizer);
    const double seconds = secondsSince(timing.epochStart);
    progress.imagesPerSecond =
        seconds > 0 ? (m_state.epochImages - timing.epochImagesAtStart) / seconds : 0;
    progress.etaSeconds = estimateRemaining(timing.runStart, m_state.step - timing.stepsAtStart,
                                            m_totalSteps - m_state.step);
    m_callbacks->onBatch(progress);
}

Trainer::Impl::RunEnd Trainer::Impl::stopInEpoch(std::int64_t epoch, TrainingSummary summary,
                                                 double unfinishedSeconds) {
    summary.unfinishedEpochSeconds = unfinishedSeconds;
    syncEpochSums();
    if (auto saved = saveCheckpoint(); !saved) return saved.error();
    return endRun(summary, TrainingOutcome::Stopped,
                  "stopped at epoch " + std::to_string(epoch + 1) + ", batch " +
                      std::to_string(m_state.batchInEpoch));
}

void Trainer::Impl::syncEpochSums() {
    if (!m_lossSum.defined()) return;
    if (m_group) {
        // The ranks' sums and image counts, so that every rank reports the whole epoch.
        std::vector<torch::Tensor> sums{torch::stack(
            {m_lossSum.to(torch::kCPU, torch::kFloat64), m_correct.to(torch::kCPU, torch::kFloat64),
             torch::tensor(static_cast<double>(m_unsyncedImages), torch::kFloat64)})};
        m_group->allreduceSum(sums);
        const auto* total = sums[0].data_ptr<double>();
        m_state.epochLossSum += total[0];
        m_state.epochCorrect += std::llround(total[1]);
        m_state.epochImages += std::llround(total[2]) - m_unsyncedImages;
    } else {
        m_state.epochLossSum += m_lossSum.item<double>();
        m_state.epochCorrect += m_correct.item<std::int64_t>();
    }
    m_unsyncedImages = 0;
    m_lossSum.zero_();
    m_correct.zero_();
}

// --- The end of an epoch ---

Trainer::Impl::RunEnd Trainer::Impl::endEpoch(std::int64_t epoch, const Timing& timing,
                                              const TrainingSummary& summary) {
    syncEpochSums();
    if (!std::isfinite(m_state.epochLossSum)) {
        return diverged(summary, epoch, m_state.epochLossSum);
    }
    reportFailures(*m_data.train);
    EpochReport report = trainingReport(epoch, timing);
    if (m_data.validation) addValidation(report);
    trackBest(report, epoch);
    report.etaSeconds = estimateRemaining(timing.runStart, m_state.step - timing.stepsAtStart,
                                          m_totalSteps - m_state.step);
    m_state.history.push_back(report);
    m_state.epoch = epoch + 1;
    m_state.startNextEpoch();
    if (m_callbacks->onEpoch) m_callbacks->onEpoch(report);
    return checkpointOrEarlyStop(summary);
}

EpochReport Trainer::Impl::trainingReport(std::int64_t epoch, const Timing& timing) const {
    EpochReport report;
    report.epoch = epoch;
    report.trainLoss = m_state.epochImages > 0 ? m_state.epochLossSum / m_state.epochImages : 0;
    report.trainAccuracy =
        m_state.epochImages > 0 ? double(m_state.epochCorrect) / m_state.epochImages : 0;
    report.seconds = secondsSince(timing.epochStart);
    report.imagesPerSecond =
        report.seconds > 0 ? (m_state.epochImages - timing.epochImagesAtStart) / report.seconds : 0;
    report.learningRate = currentLearningRate(m_optimizer);
    return report;
}

void Trainer::Impl::addValidation(EpochReport& report) {
    EvaluationResult validation = evaluate(*m_data.validation);
    reportFailures(*m_data.validation);
    report.hasValidation = validation.confusion.total() > 0;
    report.validationLoss = validation.loss;
    report.validationAccuracy = validation.confusion.accuracy();
    report.validationMacroF1 = validation.confusion.macroF1();
    report.validationPerClass = validation.confusion.perClass();
    report.validationConfusion = std::move(validation.confusion);
}

Trainer::Impl::EvaluationResult Trainer::Impl::evaluate(BatchSource& source) {
    torch::NoGradGuard noGrad;
    m_network->eval();
    EvaluationResult result{0, ConfusionMatrix(static_cast<int>(m_network->numClasses()))};
    torch::Tensor lossSum =
        torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
    std::int64_t count = 0;
    source.startEpoch(0);
    std::vector<torch::Tensor> predictions;
    std::vector<torch::Tensor> truths;
    while (auto batch = source.nextBatch()) {
        if (batch->images.size(0) == 0) continue;
        const torch::Tensor images = prepareInput(batch->images, m_device, m_channelsLast);
        const torch::Tensor targets =
            prepareTargets(batch->targets, m_network->numClasses(), m_device);
        const torch::Tensor logits = forwardBatch(*batch, images, m_validationFeatures.get());
        // Unweighted, unsmoothed loss: comparable across runs whatever the training loss is.
        lossSum += F::cross_entropy(logits.to(torch::kFloat32), targets,
                                    F::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .to(torch::kFloat64);
        count += targets.size(0);
        predictions.push_back(logits.argmax(1).cpu());
        truths.push_back(batch->targets);
    }
    if (count > 0) {
        const torch::Tensor predicted = torch::cat(predictions);
        const torch::Tensor truth = torch::cat(truths);
        const auto* p = predicted.data_ptr<std::int64_t>();
        const auto* t = truth.data_ptr<std::int64_t>();
        for (std::int64_t i = 0; i < predicted.numel(); ++i) result.confusion.add(t[i], p[i]);
    }
    double totalLoss = lossSum.item<double>();
    if (m_group) {
        // Each rank validated its shard: the sums over the ranks are the whole set's.
        std::vector<torch::Tensor> sums{
            torch::tensor({totalLoss, static_cast<double>(count)}, torch::kFloat64),
            torch::tensor(result.confusion.cells(), torch::kInt64)};
        m_group->allreduceSum(sums);
        totalLoss = sums[0][0].item<double>();
        count = std::llround(sums[0][1].item<double>());
        result.confusion = confusionFromCells(sums[1], result.confusion.classes());
    }
    if (count == 0) return result;
    result.loss = totalLoss / static_cast<double>(count);
    return result;
}

double Trainer::Impl::stopMetricValue(const EpochReport& report) const {
    switch (m_config.stopMetric) {
        case StopMetric::ValidationLoss:
            return report.validationLoss;
        case StopMetric::ValidationAccuracy:
            return report.validationAccuracy;
        case StopMetric::ValidationMacroF1:
            return report.validationMacroF1;
    }
    return report.validationLoss;
}

bool Trainer::Impl::isImprovement(double value) const {
    if (!m_state.bestEpoch) return true;
    return m_config.stopMetric == StopMetric::ValidationLoss ? value < m_state.bestMetric
                                                             : value > m_state.bestMetric;
}

void Trainer::Impl::trackBest(EpochReport& report, std::int64_t epoch) {
    if (!report.hasValidation) return;
    if (isImprovement(stopMetricValue(report))) {
        report.improved = true;
        m_state.bestMetric = stopMetricValue(report);
        m_state.bestEpoch = epoch;
        m_state.epochsWithoutImprovement = 0;
        m_state.bestWeights = copyStateOf(*m_network);
    } else {
        ++m_state.epochsWithoutImprovement;
    }
}

Trainer::Impl::RunEnd Trainer::Impl::checkpointOrEarlyStop(const TrainingSummary& summary) {
    const bool last = m_state.epoch == m_config.epochs;
    const bool earlyStop = m_config.earlyStopPatience > 0 &&
                           m_state.epochsWithoutImprovement >= m_config.earlyStopPatience;
    if (last || earlyStop ||
        (m_config.checkpointEveryEpochs > 0 &&
         m_state.epoch % m_config.checkpointEveryEpochs == 0)) {
        if (auto saved = saveCheckpoint(); !saved) return saved.error();
    }
    if (!earlyStop) return std::nullopt;
    return endRun(summary, TrainingOutcome::EarlyStopped,
                  std::string("no improvement in ") + stopMetricName(m_config.stopMetric) +
                      " for " + countText(m_config.earlyStopPatience, "epoch"));
}

}  // namespace fovea::core
