#include "fovea/core/session/detection_freezing.h"

#include <algorithm>

#include "detection_common.h"
#include "detector_freezing.h"

namespace fovea::core {

const std::vector<std::string>& detectorFreezableParts() {
    static const std::vector<std::string> parts = {kDetectorFpn, kDetectorRpn, kDetectorBoxHead,
                                                   kDetectorBoxPredictor};
    return parts;
}

std::string detectorPartShortName(const std::string& part) {
    if (part == kDetectorFpn) return "fpn";
    if (part == kDetectorBoxHead) return "box_head";
    if (part == kDetectorBoxPredictor) return "box_predictor";
    return part;  // "rpn" is its own short name
}

std::optional<std::string> detectorPartFromShortName(const std::string& name) {
    for (const auto& part : detectorFreezableParts()) {
        if (name == detectorPartShortName(part) || name == part) return part;
    }
    return std::nullopt;
}

Result<void> checkFrozenParts(const std::vector<std::string>& parts) {
    const auto& known = detectorFreezableParts();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (std::find(known.begin(), known.end(), parts[i]) == known.end()) {
            return Error{"frozen parts: '" + parts[i] +
                             "' is not a detector part (backbone.fpn, rpn, roi_heads.box_head or "
                             "roi_heads.box_predictor)",
                         ErrorKind::Usage};
        }
        if (std::find(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(i), parts[i]) !=
            parts.begin() + static_cast<std::ptrdiff_t>(i)) {
            return Error{"frozen parts: '" + parts[i] + "' is named twice", ErrorKind::Usage};
        }
    }
    return {};
}

namespace {

bool underPrefix(const std::string& name, const std::string& prefix) {
    return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
           name[prefix.size()] == '.';
}

std::int64_t countParameters(torch::nn::Module& module, const std::string& prefix,
                             bool trainableOnly) {
    std::int64_t count = 0;
    for (const auto& item : module.named_parameters()) {
        if (!underPrefix(item.key(), prefix)) continue;
        if (trainableOnly && !item.value().requires_grad()) continue;
        count += item.value().numel();
    }
    return count;
}

std::string partTitle(const std::string& part) {
    if (part == kDetectorFpn) return "FPN";
    if (part == kDetectorRpn) return "RPN";
    if (part == kDetectorBoxHead) return "Box head";
    return "Box predictor";
}

}  // namespace

Result<DetectorLayout> detectorLayout(const std::string& architecture, bool fromWeights,
                                      std::int64_t classCount) {
    const auto kind = detection::fasterRcnnArchitectureFromName(architecture);
    if (!kind) return Error{"unknown detection architecture '" + architecture + "'"};
    DetectionTrainingSettings settings;
    settings.architecture = architecture;
    settings.weights = fromWeights ? "default" : "none";
    settings.trainableBackboneLayers = detection_session::backboneStages(*kind);
    auto shape = detection_session::detectorShape(settings, std::max<std::int64_t>(classCount, 1));
    if (!shape) return shape.error();
    try {
        detection::FasterRcnn model = detection_session::buildDetector(shape.value());
        DetectorLayout layout;
        layout.architecture = architecture;
        layout.backboneStages = settings.trainableBackboneLayers;
        // Each stage's parameters are those that stop training when trainable_backbone_layers
        // drops by one (the builder's own stage boundaries, not a copy of them here).
        auto& body = model->backbone()->body();
        std::vector<std::int64_t> trainable(static_cast<std::size_t>(layout.backboneStages) + 1);
        for (std::int64_t k = layout.backboneStages; k >= 0; --k) {
            body.setTrainableLayers(k);
            trainable[static_cast<std::size_t>(k)] =
                countParameters(*model, "backbone.body", /*trainableOnly=*/true);
        }
        for (std::int64_t stage = 1; stage <= layout.backboneStages; ++stage) {
            const std::int64_t k = layout.backboneStages - stage + 1;  // trains this stage last
            layout.parts.push_back({"backbone.body", "Backbone stage " + std::to_string(stage),
                                    stage,
                                    trainable[static_cast<std::size_t>(k)] -
                                        trainable[static_cast<std::size_t>(k - 1)]});
        }
        for (const auto& part : detectorFreezableParts()) {
            layout.parts.push_back(
                {part, partTitle(part), 0, countParameters(*model, part, /*trainableOnly=*/false)});
        }
        return layout;
    } catch (const c10::Error& e) {
        return Error{architecture + ": " + e.what_without_backtrace(), ErrorKind::Internal};
    }
}

bool detectorPartTrains(const DetectorLayout& layout, const DetectorPart& part,
                        std::int64_t trainableBackboneLayers,
                        const std::vector<std::string>& frozenParts) {
    if (part.backboneStage > 0) {
        return part.backboneStage > layout.backboneStages - trainableBackboneLayers;
    }
    return std::find(frozenParts.begin(), frozenParts.end(), part.module) == frozenParts.end();
}

std::int64_t defaultTrainableBackboneLayers(const DetectorLayout& layout, bool fromWeights) {
    return fromWeights ? std::min<std::int64_t>(3, layout.backboneStages) : layout.backboneStages;
}

namespace detection_session {

void freezeDetectorParts(detection::FasterRcnnImpl& model, const std::vector<std::string>& parts) {
    for (auto& item : model.named_parameters()) {
        for (const auto& part : parts) {
            if (underPrefix(item.key(), part)) item.value().set_requires_grad(false);
        }
    }
}

}  // namespace detection_session
}  // namespace fovea::core
