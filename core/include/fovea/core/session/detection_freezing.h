#pragma once

// Which parts of a Faster R-CNN train (issue 24, point 3), free of LibTorch: the freeze map of
// the workbench's Model page and fovea-cli train --freeze / --trainable-backbone-layers use
// these. A detector's parts, in the order data flows: the backbone's stages (torchvision's
// trainable_backbone_layers counts them from the last: N trains the last N), the FPN, the RPN,
// the box head and the box predictor. The last four are frozen by name (torchvision's module
// prefixes), each independently of the others.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

// The parts that can be frozen by name, as torchvision names their modules.
inline constexpr const char* kDetectorFpn = "backbone.fpn";
inline constexpr const char* kDetectorRpn = "rpn";
inline constexpr const char* kDetectorBoxHead = "roi_heads.box_head";
inline constexpr const char* kDetectorBoxPredictor = "roi_heads.box_predictor";
const std::vector<std::string>& detectorFreezableParts();

// The command line's short names (fpn, rpn, box_head, box_predictor) and back.
std::string detectorPartShortName(const std::string& part);
std::optional<std::string> detectorPartFromShortName(const std::string& name);

// Every entry one of detectorFreezableParts(), none twice; the error names the first bad one.
Result<void> checkFrozenParts(const std::vector<std::string>& parts);

// One row of the freeze map.
struct DetectorPart {
    // "backbone.body" for a stage, else one of detectorFreezableParts().
    std::string module;
    std::string title;               // "Backbone stage 2", "FPN", "RPN", "Box head", ...
    std::int64_t backboneStage = 0;  // 1..backboneStages counted from the input; 0: not a stage
    std::int64_t parameters = 0;
};

struct DetectorLayout {
    std::string architecture;
    std::int64_t backboneStages = 0;  // 5 for ResNet-50, 6 for the MobileNets
    std::vector<DetectorPart>
        parts;  // the stages first to last, then FPN, RPN, box head, predictor
};

// The layout of `architecture` (a detection architecture name) with a box predictor for
// `classCount` classes (without the background). `fromWeights`: the backbone starts from
// weights and so has frozen batch norms, whose affine values are buffers, not parameters.
// Builds the detector on the calling thread (a second for ResNet-50): cache the answer.
Result<DetectorLayout> detectorLayout(const std::string& architecture, bool fromWeights,
                                      std::int64_t classCount);

// Whether `part` trains under torchvision's trainable_backbone_layers (resolved: not -1) and the
// parts frozen by name.
bool detectorPartTrains(const DetectorLayout& layout, const DetectorPart& part,
                        std::int64_t trainableBackboneLayers,
                        const std::vector<std::string>& frozenParts);

// torchvision's default trainable_backbone_layers: 3 from weights, every stage without.
std::int64_t defaultTrainableBackboneLayers(const DetectorLayout& layout, bool fromWeights);

}  // namespace fovea::core
