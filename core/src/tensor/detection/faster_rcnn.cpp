// torchvision/models/detection/faster_rcnn.py (FasterRCNN and its builders) and
// generalized_rcnn.py (the forward pass), and loading torchvision state dicts.
#include "fovea/core/detection/faster_rcnn.h"

#include <set>
#include <sstream>

#include <torch/torch.h>

namespace fovea::core::detection {

std::string architectureName(FasterRcnnArchitecture architecture) {
    switch (architecture) {
        case FasterRcnnArchitecture::kMobileNetV3LargeFpn:
            return "fasterrcnn_mobilenet_v3_large_fpn";
        case FasterRcnnArchitecture::kMobileNetV3Large320Fpn:
            return "fasterrcnn_mobilenet_v3_large_320_fpn";
        case FasterRcnnArchitecture::kResNet50Fpn:
            return "fasterrcnn_resnet50_fpn";
    }
    return {};
}

std::optional<FasterRcnnArchitecture> fasterRcnnArchitectureFromName(const std::string& name) {
    for (auto architecture :
         {FasterRcnnArchitecture::kMobileNetV3LargeFpn,
          FasterRcnnArchitecture::kMobileNetV3Large320Fpn, FasterRcnnArchitecture::kResNet50Fpn}) {
        if (architectureName(architecture) == name) return architecture;
    }
    return std::nullopt;
}

FasterRcnnOptions fasterRcnnDefaults(FasterRcnnArchitecture architecture) {
    FasterRcnnOptions options;
    if (architecture == FasterRcnnArchitecture::kMobileNetV3Large320Fpn) {
        // fasterrcnn_mobilenet_v3_large_320_fpn's defaults: low resolution, fewer proposals,
        // and proposals below 0.05 objectness dropped.
        options.minSize = {320};
        options.maxSize = 640;
        options.rpn.preNmsTopNTest = 150;
        options.rpn.postNmsTopNTest = 150;
        options.rpn.scoreThresh = 0.05;
    }
    return options;
}

namespace {

AnchorGenerator anchorGeneratorFor(FasterRcnnArchitecture architecture) {
    if (architecture == FasterRcnnArchitecture::kResNet50Fpn) {
        // _default_anchorgen: one size per level of the five-level pyramid.
        return AnchorGenerator({{32}, {64}, {128}, {256}, {512}},
                               std::vector<std::vector<double>>(5, {0.5, 1.0, 2.0}));
    }
    // _fasterrcnn_mobilenet_v3_large_fpn: every size on each of the three maps.
    return AnchorGenerator(std::vector<std::vector<int64_t>>(3, {32, 64, 128, 256, 512}),
                           std::vector<std::vector<double>>(3, {0.5, 1.0, 2.0}));
}

}  // namespace

FasterRcnnImpl::FasterRcnnImpl(FasterRcnnArchitecture architecture,
                               const FasterRcnnOptions& options)
    : m_architecture(architecture),
      m_options(options),
      m_transform(options.minSize, options.maxSize, options.imageMean, options.imageStd) {
    TORCH_CHECK(options.numClasses >= 2, "a detector needs the background and a class");
    BackboneNormOptions norm;
    norm.frozen = options.frozenBatchNorm;
    std::shared_ptr<BackboneBodyImpl> body = architecture == FasterRcnnArchitecture::kResNet50Fpn
                                                 ? resNet50Body(norm)
                                                 : mobileNetV3LargeBody(norm);
    body->setTrainableLayers(options.trainableBackboneLayers);
    m_backbone = register_module("backbone", BackboneWithFpn(body, 256));

    AnchorGenerator anchors = anchorGeneratorFor(architecture);
    const int64_t anchorsPerLocation = anchors.numAnchorsPerLocation().front();
    m_rpn = register_module(
        "rpn",
        RegionProposalNetwork(std::move(anchors), RpnHead(256, anchorsPerLocation), options.rpn));

    constexpr int64_t kResolution = 7;
    constexpr int64_t kRepresentationSize = 1024;
    MultiScaleRoiAlign pool({"0", "1", "2", "3"}, {kResolution, kResolution}, 2);
    m_roiHeads = register_module(
        "roi_heads",
        RoiHeads(std::move(pool), TwoMlpHead(256 * kResolution * kResolution, kRepresentationSize),
                 FastRcnnPredictor(kRepresentationSize, options.numClasses), options.roiHeads));
}

FasterRcnnOutput FasterRcnnImpl::forward(const std::vector<torch::Tensor>& images,
                                         const std::vector<DetectionTarget>& targets) {
    const bool training = is_training();
    TORCH_CHECK(!training || targets.size() == images.size(),
                "training needs one target per image, got ", targets.size(), " for ",
                images.size());
    std::vector<std::array<int64_t, 2>> originalSizes;
    for (const auto& image : images) originalSizes.push_back({image.size(-2), image.size(-1)});

    auto [imageList, resizedTargets] =
        m_transform(images, training ? targets : std::vector<DetectionTarget>{}, training);
    const FeatureMaps features = m_backbone->forward(imageList.tensors);
    RpnOutput proposals = m_rpn->forward(imageList, features, resizedTargets);
    RoiHeadsOutput heads = m_roiHeads->forward(features, std::move(proposals.proposals),
                                               imageList.imageSizes, resizedTargets);
    FasterRcnnOutput output;
    if (training) {
        output.losses = std::move(heads.losses);
        output.losses.insert(proposals.losses.begin(), proposals.losses.end());
    } else {
        output.detections = m_transform.postprocess(std::move(heads.detections),
                                                    imageList.imageSizes, originalSizes);
    }
    return output;
}

Result<DetectionLoadReport> loadDetectionStateDict(FasterRcnnImpl& model, const StateDict& weights,
                                                   const std::string& source) {
    DetectionLoadReport report;
    std::vector<std::pair<torch::Tensor, const torch::Tensor*>> copies;
    std::vector<std::string> missing, mismatched;
    std::set<std::string> used;
    const auto visit = [&](const std::string& name, const torch::Tensor& destination) {
        const torch::Tensor* found = weights.find(name);
        if (found == nullptr) {
            // Files written from FrozenBatchNorm2d models carry no counters; ours start at 0.
            if (name.size() > 20 && name.rfind("num_batches_tracked") == name.size() - 19) {
                report.ignoredKeys.push_back(name);
            } else {
                missing.push_back(name);
            }
            return;
        }
        used.insert(name);
        if (found->sizes() != destination.sizes()) {
            std::ostringstream text;
            text << name << " (file " << found->sizes() << ", model " << destination.sizes() << ")";
            mismatched.push_back(text.str());
            return;
        }
        copies.emplace_back(destination, found);
    };
    for (const auto& item : model.named_parameters()) visit(item.key(), item.value());
    for (const auto& item : model.named_buffers()) visit(item.key(), item.value());
    std::vector<std::string> unexpected;
    for (const auto& item : weights) {
        if (used.count(item.key()) != 0) continue;
        // torchvision's FrozenBatchNorm2d drops the counters a plain BatchNorm2d saved.
        if (item.key().size() > 20 &&
            item.key().rfind("num_batches_tracked") == item.key().size() - 19) {
            report.ignoredKeys.push_back(item.key());
        } else {
            unexpected.push_back(item.key());
        }
    }
    if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
        std::ostringstream message;
        message << source << " does not fit " << architectureName(model.architecture()) << ":";
        const auto list = [&](const char* what, const std::vector<std::string>& keys) {
            if (keys.empty()) return;
            message << " " << keys.size() << " " << what << " (";
            for (size_t index = 0; index < keys.size() && index < 5; ++index) {
                message << (index > 0 ? ", " : "") << keys[index];
            }
            message << (keys.size() > 5 ? ", ...)" : ")");
        };
        list("missing", missing);
        list("unexpected", unexpected);
        list("of another shape", mismatched);
        return Error{message.str(), ErrorKind::BadData};
    }
    try {
        torch::NoGradGuard noGrad;
        for (auto& [destination, value] : copies) {
            destination.copy_(*value);
            ++report.loadedTensors;
        }
    } catch (const c10::Error& error) {
        return Error{source + ": " + error.what_without_backtrace(), ErrorKind::BadData};
    }
    return report;
}

}  // namespace fovea::core::detection
