// A Faster R-CNN as one ONNX file of two graphs (the proposal network and the box head), with
// the recipe of the steps between and after them in its metadata (detection_onnx.h).
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fovea/core/atomic_file.h"
#include "fovea/core/export/detection_onnx.h"
#include "fovea/core/version.h"
#include "onnx_nodes.h"
#include "traced_network.h"

namespace fovea::core {
namespace {

using detection::FasterRcnnArchitecture;
using exporting::OnnxDim;
using exporting::OnnxPort;
using json = nlohmann::json;

constexpr int64_t kFpnChannels = 256;
constexpr const char* kRecipeKey = "fovea.detection_recipe";

// The anchors faster_rcnn.cpp gives each architecture (torchvision's builders): one size per
// level of ResNet-50's five, every size on each of the MobileNets' three. The parity gate
// checks them: different anchors give other proposals.
std::pair<std::vector<int64_t>, std::vector<double>> levelAnchors(
    FasterRcnnArchitecture architecture, size_t level) {
    if (architecture == FasterRcnnArchitecture::kResNet50Fpn) {
        return {{int64_t{32} << level}, {0.5, 1.0, 2.0}};
    }
    return {{32, 64, 128, 256, 512}, {0.5, 1.0, 2.0}};
}

template <typename T>
std::shared_ptr<T> child(torch::nn::Module& module, const std::string& name) {
    const auto children = module.named_children();
    const auto* found = children.find(name);
    auto typed = found ? std::dynamic_pointer_cast<T>(*found) : nullptr;
    if (!typed) throw std::runtime_error("the model has no " + name + " module of the known kind");
    return typed;
}

OnnxDim fixed(int64_t size) { return {size, {}}; }
OnnxDim named(const std::string& name) { return {-1, name}; }

std::string contractText(const DetectionOnnxRecipe& recipe) {
    std::ostringstream text;
    text << "Faster R-CNN " << recipe.architecture
         << " in two graphs; the steps between and after them are the consumer's (OpenCV 4.6 has "
            "no RoiAlign, NonMaxSuppression or TopK). 1) Input image [1,3,H,W] RGB in [0,1]: "
            "resize so the shorter side is "
         << recipe.minSize << " and the longer at most " << recipe.maxSize
         << " (scale = min(minSize/shorter, maxSize/longer) in float32, size = floor(side * "
            "scale), bilinear, half-pixel centres), pad bottom/right to multiples of "
         << recipe.sizeDivisible
         << " with the mean colour (mean, std in fovea.detection_recipe; the graph normalises). "
            "Outputs objectness.L [1,A,h,w] logits and deltas.L [1,4A,h,w] per level L, "
            "feature.N [1,256,h,w] for RoIAlign. 2) Anchors: the level's cell anchors shifted by "
            "(column, row) * stride, stride = padded size // map size per axis, order (row, "
            "column, anchor); decode deltas (dx, dy, dw, dh) / weights "
            "(1,1,1,1) on anchors (centre + d * size, size * exp(min(d, log(1000/16)))); per "
            "level the "
         << recipe.rpnPreNmsTopN << " highest logits; sigmoid; clip to the resized image; drop "
         << "boxes under " << recipe.rpnMinBoxSize << " px and scores below "
         << recipe.rpnScoreThresh << "; NMS per level at IoU " << recipe.rpnNmsThresh
         << "; keep the best " << recipe.rpnPostNmsTopN
         << " proposals. 3) RoIAlign (7x7, sampling ratio 2, aligned=false, avg) each proposal on "
            "feature level k = clamp(floor(4 + log2(sqrt(area)/224) + 1e-6)) among the feature "
            "outputs (finest = level log2(stride)), spatial scale 1/stride; feed [R,256,7,7] to "
            "box_features. 4) softmax(class_logits); decode box_deltas per class with weights "
            "(10,10,5,5) on the proposals; clip; drop class 0 (background); keep scores > "
         << recipe.boxScoreThresh << ", boxes of at least " << recipe.boxMinSize
         << " px; NMS per class at IoU " << recipe.boxNmsThresh << "; the best "
         << recipe.detectionsPerImage
         << " by score; scale boxes by original/resized size per axis. Label L >= 1 is "
            "fovea.labels[L-1].";
    return text.str();
}

json recipeJson(const DetectionOnnxRecipe& recipe) {
    json levels = json::array();
    for (const auto& level : recipe.levels) {
        levels.push_back({{"name", level.name},
                          {"anchor_sizes", level.anchorSizes},
                          {"aspect_ratios", level.aspectRatios},
                          {"cell_anchors", level.cellAnchors}});
    }
    return {{"architecture", recipe.architecture},
            {"labels", recipe.classNames},
            {"min_size", recipe.minSize},
            {"max_size", recipe.maxSize},
            {"size_divisible", recipe.sizeDivisible},
            {"image_mean", recipe.imageMean},
            {"image_std", recipe.imageStd},
            {"levels", levels},
            {"roi_align_features", recipe.roiAlignFeatures},
            {"rpn",
             {{"box_weights", recipe.rpnBoxWeights},
              {"box_xform_clip", recipe.boxXformClip},
              {"pre_nms_top_n", recipe.rpnPreNmsTopN},
              {"post_nms_top_n", recipe.rpnPostNmsTopN},
              {"nms_thresh", recipe.rpnNmsThresh},
              {"score_thresh", recipe.rpnScoreThresh},
              {"min_box_size", recipe.rpnMinBoxSize}}},
            {"roi_align",
             {{"output_size", recipe.roiOutputSize},
              {"sampling_ratio", recipe.roiSamplingRatio},
              {"aligned", recipe.roiAligned},
              {"canonical_scale", recipe.roiCanonicalScale},
              {"canonical_level", recipe.roiCanonicalLevel}}},
            {"box_head",
             {{"box_weights", recipe.boxWeights},
              {"score_thresh", recipe.boxScoreThresh},
              {"nms_thresh", recipe.boxNmsThresh},
              {"detections_per_image", recipe.detectionsPerImage},
              {"min_box_size", recipe.boxMinSize}}}};
}

DetectionOnnxRecipe recipeFromJson(const json& value) {
    DetectionOnnxRecipe recipe;
    value.at("architecture").get_to(recipe.architecture);
    value.at("labels").get_to(recipe.classNames);
    value.at("min_size").get_to(recipe.minSize);
    value.at("max_size").get_to(recipe.maxSize);
    value.at("size_divisible").get_to(recipe.sizeDivisible);
    value.at("image_mean").get_to(recipe.imageMean);
    value.at("image_std").get_to(recipe.imageStd);
    for (const auto& level : value.at("levels")) {
        DetectionOnnxRecipe::Level parsed;
        level.at("name").get_to(parsed.name);
        level.at("anchor_sizes").get_to(parsed.anchorSizes);
        level.at("aspect_ratios").get_to(parsed.aspectRatios);
        level.at("cell_anchors").get_to(parsed.cellAnchors);
        recipe.levels.push_back(std::move(parsed));
    }
    value.at("roi_align_features").get_to(recipe.roiAlignFeatures);
    const json& rpn = value.at("rpn");
    rpn.at("box_weights").get_to(recipe.rpnBoxWeights);
    rpn.at("box_xform_clip").get_to(recipe.boxXformClip);
    rpn.at("pre_nms_top_n").get_to(recipe.rpnPreNmsTopN);
    rpn.at("post_nms_top_n").get_to(recipe.rpnPostNmsTopN);
    rpn.at("nms_thresh").get_to(recipe.rpnNmsThresh);
    rpn.at("score_thresh").get_to(recipe.rpnScoreThresh);
    rpn.at("min_box_size").get_to(recipe.rpnMinBoxSize);
    const json& roi = value.at("roi_align");
    roi.at("output_size").get_to(recipe.roiOutputSize);
    roi.at("sampling_ratio").get_to(recipe.roiSamplingRatio);
    roi.at("aligned").get_to(recipe.roiAligned);
    roi.at("canonical_scale").get_to(recipe.roiCanonicalScale);
    roi.at("canonical_level").get_to(recipe.roiCanonicalLevel);
    const json& head = value.at("box_head");
    head.at("box_weights").get_to(recipe.boxWeights);
    head.at("score_thresh").get_to(recipe.boxScoreThresh);
    head.at("nms_thresh").get_to(recipe.boxNmsThresh);
    head.at("detections_per_image").get_to(recipe.detectionsPerImage);
    head.at("min_box_size").get_to(recipe.boxMinSize);
    return recipe;
}

// Tensor names as in the state dict, found again by storage (the tracer bakes the very tensors).
std::unordered_map<const void*, std::string> stateDictNames(torch::nn::Module& model) {
    std::unordered_map<const void*, std::string> names;
    for (const auto& item : model.named_parameters()) names[item.value().data_ptr()] = item.key();
    for (const auto& item : model.named_buffers()) names[item.value().data_ptr()] = item.key();
    return names;
}

// Step 1's graph: normalisation, backbone with FPN, RPN head on every level.
Result<exporting::TracedNetwork> traceProposalNetwork(detection::FasterRcnnImpl& model,
                                                      const DetectionOnnxRecipe& recipe) {
    auto head = child<detection::RpnHeadImpl>(*model.rpn(), "head");
    const torch::Tensor mean =
        torch::tensor({recipe.imageMean[0], recipe.imageMean[1], recipe.imageMean[2]},
                      torch::kFloat32)
            .view({1, 3, 1, 1});
    const torch::Tensor std =
        torch::tensor({recipe.imageStd[0], recipe.imageStd[1], recipe.imageStd[2]}, torch::kFloat32)
            .view({1, 3, 1, 1});
    auto names = stateDictNames(model);
    names[mean.data_ptr()] = "transform.image_mean";
    names[std.data_ptr()] = "transform.image_std";
    // Any multiple of 32 traces the same operations; the FPN's upsampling factors are 2 (or 1)
    // at every such size.
    constexpr int64_t kTraceSide = 128;
    return exporting::traceFunction(
        recipe.architecture + " proposal network", {torch::rand({1, 3, kTraceSide, kTraceSide})},
        [&](const std::vector<torch::Tensor>& inputs) {
            const detection::FeatureMaps maps =
                model.backbone()->forward((inputs.at(0) - mean) / std);
            auto [objectness, deltas] = head->forward(maps.values());
            std::vector<torch::Tensor> outputs;
            for (const auto& name : recipe.roiAlignFeatures) outputs.push_back(maps[name]);
            outputs.insert(outputs.end(), objectness.begin(), objectness.end());
            outputs.insert(outputs.end(), deltas.begin(), deltas.end());
            return outputs;
        },
        names, /*foldConstants=*/true, "proposals.constant.");
}

// Step 2's graph: TwoMLPHead and FastRCNNPredictor on pooled regions.
Result<exporting::TracedNetwork> traceBoxHead(detection::FasterRcnnImpl& model,
                                              const DetectionOnnxRecipe& recipe) {
    auto boxHead = child<detection::TwoMlpHeadImpl>(*model.roiHeads(), "box_head");
    auto predictor = child<detection::FastRcnnPredictorImpl>(*model.roiHeads(), "box_predictor");
    const int64_t side = recipe.roiOutputSize;
    return exporting::traceFunction(
        recipe.architecture + " box head", {torch::rand({2, kFpnChannels, side, side})},
        [&](const std::vector<torch::Tensor>& inputs) -> std::vector<torch::Tensor> {
            auto [logits, deltas] = predictor->forward(boxHead->forward(inputs.at(0)));
            return {logits, deltas};
        },
        // Nothing to fold, and folding would turn Linear's transposed weight into a new tensor.
        stateDictNames(model), /*foldConstants=*/false, "box_head.constant.");
}

void addMetadata(onnx::ModelProto& model, const std::string& key, const std::string& value) {
    auto* property = model.add_metadata_props();
    property->set_key(key);
    property->set_value(value);
}

}  // namespace

DetectionOnnxRecipe detectionOnnxRecipe(detection::FasterRcnnImpl& model,
                                        const std::vector<std::string>& classNames) {
    const detection::FasterRcnnOptions& options = model.options();
    DetectionOnnxRecipe recipe;
    recipe.architecture = detection::architectureName(model.architecture());
    recipe.classNames = classNames;
    recipe.minSize = options.minSize.back();
    recipe.maxSize = options.maxSize;
    recipe.imageMean = options.imageMean;
    recipe.imageStd = options.imageStd;
    const size_t bodyMaps = model.backbone()->body().returnedChannels().size();
    std::vector<std::vector<int64_t>> sizes;
    std::vector<std::vector<double>> ratios;
    for (size_t level = 0; level <= bodyMaps; ++level) {
        DetectionOnnxRecipe::Level entry;
        entry.name = level < bodyMaps ? std::to_string(level) : "pool";
        std::tie(entry.anchorSizes, entry.aspectRatios) = levelAnchors(model.architecture(), level);
        sizes.push_back(entry.anchorSizes);
        ratios.push_back(entry.aspectRatios);
        recipe.levels.push_back(std::move(entry));
        // MultiScaleRoiAlign pools "0".."3" of the maps there are (faster_rcnn.cpp).
        if (level < bodyMaps && level < 4) recipe.roiAlignFeatures.push_back(std::to_string(level));
    }
    const detection::AnchorGenerator anchors(sizes, ratios);
    for (size_t level = 0; level < recipe.levels.size(); ++level) {
        const torch::Tensor cell = anchors.cellAnchors()[level].contiguous();
        for (int64_t row = 0; row < cell.size(0); ++row) {
            const auto* data = cell[row].data_ptr<float>();
            recipe.levels[level].cellAnchors.push_back({data[0], data[1], data[2], data[3]});
        }
    }
    recipe.rpnPreNmsTopN = options.rpn.preNmsTopNTest;
    recipe.rpnPostNmsTopN = options.rpn.postNmsTopNTest;
    recipe.rpnNmsThresh = options.rpn.nmsThresh;
    recipe.rpnScoreThresh = options.rpn.scoreThresh;
    recipe.boxWeights = options.roiHeads.bboxRegWeights;
    recipe.boxScoreThresh = options.roiHeads.scoreThresh;
    recipe.boxNmsThresh = options.roiHeads.nmsThresh;
    recipe.detectionsPerImage = options.roiHeads.detectionsPerImage;
    return recipe;
}

Result<void> writeDetectionOnnx(detection::FasterRcnnImpl& model,
                                const std::vector<std::string>& classNames,
                                const std::filesystem::path& file) {
    const int64_t numClasses = model.options().numClasses;
    if (static_cast<int64_t>(classNames.size()) != numClasses - 1) {
        return Error{file.string() + ": " + std::to_string(classNames.size()) +
                     " class names for a detector of " + std::to_string(numClasses - 1) +
                     " classes (besides the background)"};
    }
    for (const auto& parameter : model.parameters()) {
        if (!parameter.device().is_cpu()) {
            return Error{file.string() + ": export needs the model on the CPU (it is on " +
                         parameter.device().str() + ")"};
        }
    }
    const DetectionOnnxRecipe recipe = detectionOnnxRecipe(model, classNames);
    onnx::ModelProto proto;
    try {
        exporting::TracingPose pose(model);
        torch::NoGradGuard noGrad;
        auto proposals = traceProposalNetwork(model, recipe);
        if (!proposals) return Error{file.string() + ": " + proposals.error().message};
        auto boxHead = traceBoxHead(model, recipe);
        if (!boxHead) return Error{file.string() + ": " + boxHead.error().message};

        proto.set_ir_version(onnx::IR_VERSION);
        proto.set_producer_name("Fovea");
        proto.set_producer_version(kFoveaVersion);
        proto.set_doc_string(contractText(recipe));
        auto* opset = proto.add_opset_import();
        opset->set_domain("");
        opset->set_version(exporting::kOnnxOpsetVersion);
        addMetadata(proto, "fovea.architecture", recipe.architecture);
        addMetadata(proto, "fovea.labels", json(classNames).dump());
        addMetadata(proto, kRecipeKey, recipeJson(recipe).dump());
        addMetadata(proto, "fovea.contract", contractText(recipe));
        auto* graph = proto.mutable_graph();
        graph->set_name(recipe.architecture);

        const int64_t side = recipe.roiOutputSize;
        const int64_t classes = numClasses;
        // The box head first: see the header (OpenCV forwards every earlier layer).
        exporting::appendOnnxGraph(
            boxHead.value(),
            {{"box_features", {named("regions"), fixed(kFpnChannels), fixed(side), fixed(side)}}},
            {{"class_logits", {named("regions"), fixed(classes)}},
             {"box_deltas", {named("regions"), fixed(4 * classes)}}},
            "box_head/", *graph);
        std::vector<OnnxPort> outputs;
        for (const auto& name : recipe.roiAlignFeatures) {
            outputs.push_back(
                {"feature." + name,
                 {fixed(1), fixed(kFpnChannels), named("h" + name), named("w" + name)}});
        }
        for (const char* kind : {"objectness.", "deltas."}) {
            for (const auto& level : recipe.levels) {
                const auto anchors = static_cast<int64_t>(level.cellAnchors.size());
                const int64_t channels = kind[0] == 'o' ? anchors : 4 * anchors;
                outputs.push_back({kind + level.name,
                                   {fixed(1), fixed(channels), named("h" + level.name),
                                    named("w" + level.name)}});
            }
        }
        exporting::appendOnnxGraph(
            proposals.value(), {{"image", {fixed(1), fixed(3), named("height"), named("width")}}},
            outputs, "proposals/", *graph);
        onnx::checker::check_model(proto);
    } catch (const std::exception& error) {
        return Error{file.string() + ": writing ONNX failed: " + error.what()};
    }
    std::string bytes;
    if (!proto.SerializeToString(&bytes)) {
        return Error{file.string() + ": the ONNX model is too large to serialise (over 2 GB)"};
    }
    return files::writeFileAtomically(file, bytes);
}

Result<DetectionOnnxRecipe> readDetectionOnnxRecipe(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream) return Error{file.string() + ": cannot be opened"};
    onnx::ModelProto proto;
    if (!proto.ParseFromIstream(&stream)) return Error{file.string() + ": not an ONNX model"};
    for (const auto& property : proto.metadata_props()) {
        if (property.key() != kRecipeKey) continue;
        try {
            return recipeFromJson(json::parse(property.value()));
        } catch (const json::exception& error) {
            return Error{file.string() + ": " + kRecipeKey + " is malformed: " + error.what()};
        }
    }
    return Error{file.string() + ": no " + kRecipeKey +
                 " metadata (not a detector written by Fovea)"};
}

}  // namespace fovea::core
