// torchvision/models/detection/faster_rcnn.py (FasterRCNN and its builders) and
// generalized_rcnn.py (the forward pass), and loading torchvision state dicts.
#include "fovea/core/detection/faster_rcnn.h"

#include <functional>
#include <optional>
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
        case FasterRcnnArchitecture::kMobileNetV2Fpn:
            return "fasterrcnn_mobilenet_v2_fpn";
    }
    return {};
}

std::string backboneClassificationArchitecture(FasterRcnnArchitecture architecture) {
    switch (architecture) {
        case FasterRcnnArchitecture::kMobileNetV3LargeFpn:
        case FasterRcnnArchitecture::kMobileNetV3Large320Fpn:
            return "mobilenet_v3_large";
        case FasterRcnnArchitecture::kResNet50Fpn:
            return "resnet50";
        case FasterRcnnArchitecture::kMobileNetV2Fpn:
            return "mobilenet_v2_keras";
    }
    return {};
}

std::optional<FasterRcnnArchitecture> fasterRcnnArchitectureFromName(const std::string& name) {
    for (auto architecture :
         {FasterRcnnArchitecture::kMobileNetV3LargeFpn,
          FasterRcnnArchitecture::kMobileNetV3Large320Fpn, FasterRcnnArchitecture::kResNet50Fpn,
          FasterRcnnArchitecture::kMobileNetV2Fpn}) {
        if (architectureName(architecture) == name) return architecture;
    }
    return std::nullopt;
}

FasterRcnnOptions fasterRcnnDefaults(FasterRcnnArchitecture architecture) {
    FasterRcnnOptions options;
    if (architecture != FasterRcnnArchitecture::kResNet50Fpn) {
        // The MobileNet builders drop proposals below 0.05 objectness (rpn_score_thresh).
        options.rpn.scoreThresh = 0.05;
    }
    if (architecture == FasterRcnnArchitecture::kMobileNetV2Fpn) {
        // nsfwjs trained the offline weights on RGB / 255, without ImageNet's normalisation.
        options.imageMean = {0.0, 0.0, 0.0};
        options.imageStd = {1.0, 1.0, 1.0};
    }
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
    std::shared_ptr<BackboneBodyImpl> body;
    if (architecture == FasterRcnnArchitecture::kResNet50Fpn) {
        body = resNet50Body(norm);
    } else if (architecture == FasterRcnnArchitecture::kMobileNetV2Fpn) {
        norm.eps = 1e-3;  // Keras' batch norm
        body = mobileNetV2KerasBody(norm);
    } else {
        body = mobileNetV3LargeBody(norm);
    }
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

namespace {

bool isBatchCounter(const std::string& name) {
    static const std::string kSuffix = "num_batches_tracked";
    return name.size() > kSuffix.size() &&
           name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

// Copies weights[fileName(key)] into every model tensor `key` that fileName maps (nullopt:
// not loaded from this file). Batch counters absent from the file, and unused file keys that
// are counters or `ignorable`, go to ignoredKeys; anything else missing, unused or of another
// shape is an error naming the file's keys, and then nothing is copied.
Result<DetectionLoadReport> copyTensors(
    FasterRcnnImpl& model, const StateDict& weights, const std::string& source,
    const std::string& target,
    const std::function<std::optional<std::string>(const std::string&)>& fileName,
    const std::function<bool(const std::string&)>& ignorable) {
    DetectionLoadReport report;
    std::vector<std::pair<torch::Tensor, const torch::Tensor*>> copies;
    std::vector<std::string> missing, mismatched;
    std::set<std::string> used;
    const auto visit = [&](const std::string& key, const torch::Tensor& destination) {
        const std::optional<std::string> name = fileName(key);
        if (!name) return;
        const torch::Tensor* found = weights.find(*name);
        if (found == nullptr) {
            // Files written from FrozenBatchNorm2d models carry no counters; ours start at 0.
            (isBatchCounter(*name) ? report.ignoredKeys : missing).push_back(*name);
            return;
        }
        used.insert(*name);
        if (found->sizes() != destination.sizes()) {
            std::ostringstream text;
            text << *name << " (file " << found->sizes() << ", model " << destination.sizes()
                 << ")";
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
        if (isBatchCounter(item.key()) || ignorable(item.key())) {
            report.ignoredKeys.push_back(item.key());
        } else {
            unexpected.push_back(item.key());
        }
    }
    if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
        std::ostringstream message;
        message << source << " does not fit " << target << ":";
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

}  // namespace

Result<DetectionLoadReport> loadDetectionStateDict(FasterRcnnImpl& model, const StateDict& weights,
                                                   const std::string& source) {
    return copyTensors(
        model, weights, source, architectureName(model.architecture()),
        [](const std::string& key) { return std::optional<std::string>(key); },
        [](const std::string&) { return false; });
}

Result<DetectionLoadReport> loadBackboneWeights(FasterRcnnImpl& model,
                                                const StateDict& classification,
                                                const std::string& source) {
    static const std::string kBody = "backbone.body.";
    const bool resnet = model.architecture() == FasterRcnnArchitecture::kResNet50Fpn;
    // IntermediateLayerGetter keeps the cut network's children under their own names: the
    // MobileNets' body is their "features" Sequential, ResNet-50's body the network itself
    // (conv1, bn1, layer1..layer4; avgpool and fc dropped).
    const std::string prefix = resnet ? "" : "features.";
    const std::string head = resnet ? "fc." : "classifier.";
    return copyTensors(
        model, classification, source,
        architectureName(model.architecture()) + "'s backbone (" +
            backboneClassificationArchitecture(model.architecture()) + ")",
        [&](const std::string& key) -> std::optional<std::string> {
            if (key.rfind(kBody, 0) != 0) return std::nullopt;
            return prefix + key.substr(kBody.size());
        },
        [&](const std::string& name) { return name.rfind(head, 0) == 0; });
}

}  // namespace fovea::core::detection
