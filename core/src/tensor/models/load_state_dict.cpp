#include "fovea/core/models/load_state_dict.h"

#include <sstream>

#include <torch/torch.h>

namespace fovea::core {
namespace {

bool inHead(const NetworkImpl& network, const std::string& key) {
    for (const auto& block : network.blocks()) {
        if (block.name != "head") continue;
        for (const auto& path : block.modulePaths) {
            if (key.compare(0, path.size() + 1, path + ".") == 0) return true;
        }
    }
    return false;
}

bool isCounter(const std::string& key) {
    const std::string suffix = "num_batches_tracked";
    return key.size() >= suffix.size() &&
           key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shapeText(const torch::Tensor& tensor) {
    std::ostringstream out;
    out << tensor.sizes();
    return out.str();
}

void appendList(std::ostringstream& out, const char* what, const std::vector<std::string>& keys) {
    if (keys.empty()) return;
    out << "\n  " << keys.size() << " " << what << ":";
    const size_t shown = std::min<size_t>(keys.size(), 8);
    for (size_t index = 0; index < shown; ++index) out << " " << keys[index];
    if (keys.size() > shown) out << " ...";
}

}  // namespace

Result<LoadReport> loadStateDict(NetworkImpl& network, const StateDict& weights,
                                 const std::string& source) {
    // The network's own tensors, parameters and buffers alike.
    std::vector<std::pair<std::string, torch::Tensor>> targets;
    for (const auto& item : network.named_parameters())
        targets.emplace_back(item.key(), item.value());
    for (const auto& item : network.named_buffers()) targets.emplace_back(item.key(), item.value());

    LoadReport report;
    std::vector<std::string> missing, mismatched, unexpected;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
    std::set<std::string> known;
    for (const auto& [key, target] : targets) {
        known.insert(key);
        const torch::Tensor* found = weights.find(key);
        if (!found) {
            if (inHead(network, key)) {
                report.skippedHeadKeys.push_back(key);
            } else if (isCounter(key)) {
                report.missingCounters.push_back(key);
            } else {
                missing.push_back(key);
            }
            continue;
        }
        if (found->sizes() != target.sizes()) {
            if (inHead(network, key)) {
                report.skippedHeadKeys.push_back(key);
            } else {
                mismatched.push_back(key + " " + shapeText(*found) + " in file, " +
                                     shapeText(target) + " in " + network.architecture());
            }
            continue;
        }
        copies.emplace_back(target, *found);
    }
    for (const auto& item : weights) {
        if (known.count(item.key())) continue;
        if (inHead(network, item.key())) {
            report.skippedHeadKeys.push_back(item.key());
        } else {
            unexpected.push_back(item.key());
        }
    }

    if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
        std::ostringstream message;
        message << source << ": these weights do not fit " << network.architecture();
        appendList(message, "missing", missing);
        appendList(message, "with another shape", mismatched);
        appendList(message, "unexpected", unexpected);
        return Error{message.str()};
    }

    torch::NoGradGuard noGrad;
    for (auto& [target, value] : copies) target.copy_(value);
    report.loadedTensors = static_cast<int64_t>(copies.size());
    return report;
}

}  // namespace fovea::core
