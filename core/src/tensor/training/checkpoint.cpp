#include "checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>

#include "fovea/core/atomic_file.h"
#include "fovea/core/training/report_json.h"

namespace fovea::core {
namespace {

constexpr int kCheckpointVersion = 1;

// Settings that may change between a stopped run and its resumption without changing what the
// remaining steps compute (more epochs, another progress interval).
const char* const kResumableKeys[] = {"epochs",
                                      "device",
                                      "report_every_batches",
                                      "early_stop_patience",
                                      "checkpoint_every_epochs",
                                      "feature_cache",
                                      "feature_cache_memory_bytes"};

bool isResumableKey(const std::string& key) {
    for (const char* k : kResumableKeys) {
        if (key == k) return true;
    }
    return false;
}

nlohmann::json stateToJson(const TrainingState& state, const TrainingConfig& config,
                           const NetworkImpl& network) {
    nlohmann::json history = nlohmann::json::array();
    for (const auto& report : state.history) history.push_back(toJson(report));
    nlohmann::json json = {{"version", kCheckpointVersion},
                           {"epoch", state.epoch},
                           {"batch_in_epoch", state.batchInEpoch},
                           {"step", state.step},
                           {"epoch_loss_sum", state.epochLossSum},
                           {"epoch_correct", state.epochCorrect},
                           {"epoch_images", state.epochImages},
                           {"best_metric", state.bestMetric},
                           {"epochs_without_improvement", state.epochsWithoutImprovement},
                           {"history", history},
                           {"config", toJson(config)},
                           // Freezing may change during a run (the Train page): a resumed run
                           // continues with the blocks frozen when the checkpoint was written,
                           // which its optimizer state was made for.
                           {"frozen_blocks", network.frozenBlocks()}};
    if (state.bestEpoch) json["best_epoch"] = *state.bestEpoch;
    if (state.lossScale) {
        json["loss_scale"] = {{"scale", state.lossScale->scale},
                              {"clean_steps", state.lossScale->cleanSteps},
                              {"skipped_steps", state.lossScale->skippedSteps}};
    }
    return json;
}

at::Generator& cpuGenerator() {
    static at::Generator generator = at::detail::getDefaultCPUGenerator();
    return generator;
}

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// The training state's JSON, refused when a newer Fovea wrote it.
Result<nlohmann::json> readStateJson(torch::serialize::InputArchive& archive,
                                     const std::string& name) {
    c10::IValue stateValue;
    if (!archive.try_read("state_json", stateValue) || !stateValue.isString()) {
        return Error{name + ": not a Fovea checkpoint (no training state)"};
    }
    nlohmann::json json = nlohmann::json::parse(stateValue.toStringRef());
    if (json.value("version", 0) > kCheckpointVersion) {
        return Error{name + ": written by a newer Fovea (checkpoint version " +
                     std::to_string(json.value("version", 0)) + ")"};
    }
    return json;
}

Result<void> checkSameSettings(const nlohmann::json& saved, const TrainingConfig& config,
                               const std::string& name) {
    const nlohmann::json current = toJson(config);
    for (const auto& [key, value] : current.items()) {
        if (isResumableKey(key)) continue;
        if (!saved.contains(key) || saved.at(key) != value) {
            return Error{name + ": the checkpoint was trained with " + key + " = " +
                         (saved.contains(key) ? saved.at(key).dump() : "(unset)") + ", not " +
                         value.dump() + "; resume with the same settings"};
        }
    }
    return {};
}

// The network's parameters and buffers as the checkpoint holds them, each with the shape the
// network has.
Result<NamedTensors> readNetworkState(torch::serialize::InputArchive& archive,
                                      const NetworkImpl& network, const std::string& name) {
    NamedTensors weights;
    for (const auto& item : network.named_parameters()) {
        torch::Tensor value;
        if (!archive.try_read("model/" + item.key(), value) ||
            value.sizes() != item.value().sizes()) {
            return Error{name + ": does not match the network (" + item.key() + ")"};
        }
        weights.emplace_back(item.key(), value);
    }
    for (const auto& item : network.named_buffers()) {
        torch::Tensor value;
        if (!archive.try_read("model/" + item.key(), value, /*is_buffer=*/true) ||
            value.sizes() != item.value().sizes()) {
            return Error{name + ": does not match the network (" + item.key() + ")"};
        }
        weights.emplace_back(item.key(), value);
    }
    return weights;
}

NamedTensors readBestWeights(torch::serialize::InputArchive& archive, const NamedTensors& weights) {
    NamedTensors bestWeights;
    for (const auto& [key, value] : weights) {
        torch::Tensor best;
        if (archive.try_read("best/" + key, best)) {
            bestWeights.emplace_back(key, best.to(torch::kCPU));
        }
    }
    return bestWeights;
}

// The blocks frozen when the checkpoint was written; nullopt for older checkpoints, which do
// not record them.
Result<std::optional<std::set<std::string>>> readFrozenBlocks(const nlohmann::json& json,
                                                              const NetworkImpl& network,
                                                              const std::string& name) {
    std::optional<std::set<std::string>> frozen;
    if (json.contains("frozen_blocks")) {
        frozen = json.at("frozen_blocks").get<std::set<std::string>>();
        for (const auto& block : *frozen) {
            const auto& blocks = network.blocks();
            if (std::none_of(blocks.begin(), blocks.end(),
                             [&](const BlockSpec& b) { return b.name == block; })) {
                return Error{name + ": does not match the network (no block " + block + ")"};
            }
        }
    }
    return frozen;
}

// The counters and history the resumed run continues from.
void readProgress(const nlohmann::json& json, TrainingState& state) {
    state.epoch = json.at("epoch");
    state.batchInEpoch = json.at("batch_in_epoch");
    state.step = json.at("step");
    state.epochLossSum = json.at("epoch_loss_sum");
    state.epochCorrect = json.at("epoch_correct");
    state.epochImages = json.at("epoch_images");
    state.bestMetric = json.at("best_metric");
    state.epochsWithoutImprovement = json.at("epochs_without_improvement");
    if (json.contains("best_epoch")) state.bestEpoch = json.at("best_epoch").get<std::int64_t>();
    if (json.contains("loss_scale")) {
        const auto& scale = json.at("loss_scale");
        state.lossScale = LossScaleState{scale.at("scale").get<double>(),
                                         scale.at("clean_steps").get<std::int64_t>(),
                                         scale.at("skipped_steps").get<std::int64_t>()};
    }
    for (const auto& report : json.at("history")) {
        state.history.push_back(epochReportFromJson(report));
    }
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> copyStateOf(const NetworkImpl& network) {
    std::vector<std::pair<std::string, torch::Tensor>> state;
    for (const auto& item : network.named_parameters()) {
        state.emplace_back(item.key(), item.value().detach().to(torch::kCPU).clone());
    }
    for (const auto& item : network.named_buffers()) {
        state.emplace_back(item.key(), item.value().detach().to(torch::kCPU).clone());
    }
    return state;
}

void loadStateInto(NetworkImpl& network,
                   const std::vector<std::pair<std::string, torch::Tensor>>& state) {
    torch::NoGradGuard noGrad;
    auto parameters = network.named_parameters();
    auto buffers = network.named_buffers();
    for (const auto& [name, value] : state) {
        if (auto* p = parameters.find(name)) {
            p->copy_(value);
        } else if (auto* b = buffers.find(name)) {
            b->copy_(value);
        }
    }
}

Result<void> writeCheckpoint(const std::filesystem::path& file, const NetworkImpl& network,
                             torch::optim::Optimizer& optimizer, const TrainingState& state,
                             const TrainingConfig& config) {
    try {
        torch::serialize::OutputArchive archive;
        for (const auto& item : network.named_parameters()) {
            archive.write("model/" + item.key(), item.value());
        }
        for (const auto& item : network.named_buffers()) {
            archive.write("model/" + item.key(), item.value(), /*is_buffer=*/true);
        }
        // Right after the epoch that set them, the best weights are the model's: the file says
        // so instead of holding them twice (a third of a fine-tuning checkpoint's bytes).
        const bool bestIsModel = !state.bestWeights.empty() && state.bestEpoch &&
                                 *state.bestEpoch + 1 == state.epoch && state.batchInEpoch == 0;
        if (!bestIsModel) {
            for (const auto& [name, value] : state.bestWeights) {
                archive.write("best/" + name, value);
            }
        }
        torch::serialize::OutputArchive optimizerArchive;
        optimizer.save(optimizerArchive);
        archive.write("optimizer", optimizerArchive);
        {
            std::lock_guard lock(cpuGenerator().mutex());
            archive.write("rng/cpu", cpuGenerator().get_state());
        }
        nlohmann::json json = stateToJson(state, config, network);
        json["best_is_model"] = bestIsModel;
        archive.write("state_json", c10::IValue(json.dump()));
        std::filesystem::create_directories(file.parent_path());
        // Straight to the file: no copy of the whole archive in memory.
        return files::writeFileAtomically(file, [&](const std::filesystem::path& temporary) {
            archive.save_to(temporary.string());
            return Result<void>{};
        });
    } catch (const c10::Error& e) {
        return Error{file.string() +
                     ": cannot write the checkpoint: " + e.what_without_backtrace()};
    } catch (const std::exception& e) {
        return Error{file.string() + ": cannot write the checkpoint: " + e.what()};
    }
}

Result<LoadedCheckpoint> readCheckpoint(const std::filesystem::path& file, NetworkImpl& network,
                                        const TrainingConfig& config, const torch::Device& device) {
    const std::string name = file.string();
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(name, device);
        auto json = readStateJson(archive, name);
        if (!json) return json.error();
        auto sameSettings = checkSameSettings(json.value().at("config"), config, name);
        if (!sameSettings) return sameSettings.error();

        // Read everything before changing the network, so a bad file leaves it untouched.
        auto weights = readNetworkState(archive, network, name);
        if (!weights) return weights.error();
        LoadedCheckpoint loaded;
        TrainingState& state = loaded.state;
        const bool bestIsModel = json.value().value("best_is_model", false);
        if (!bestIsModel) state.bestWeights = readBestWeights(archive, weights.value());
        if (!archive.try_read("optimizer", loaded.optimizerState)) {
            return Error{name + ": the checkpoint has no optimizer state"};
        }
        torch::Tensor rng;
        if (!archive.try_read("rng/cpu", rng)) return Error{name + ": no random generator state"};
        auto frozen = readFrozenBlocks(json.value(), network, name);
        if (!frozen) return frozen.error();
        readProgress(json.value(), state);

        loadStateInto(network, weights.value());
        if (bestIsModel) state.bestWeights = copyStateOf(network);
        if (frozen.value()) network.setFrozenBlocks(*frozen.value());
        std::lock_guard lock(cpuGenerator().mutex());
        cpuGenerator().set_state(rng.to(torch::kCPU));
        return loaded;
    } catch (const c10::Error& e) {
        return Error{name + ": cannot read the checkpoint: " + e.what_without_backtrace()};
    } catch (const std::exception& e) {
        return Error{name + ": cannot read the checkpoint: " + e.what()};
    }
}

}  // namespace fovea::core
