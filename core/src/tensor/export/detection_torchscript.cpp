// Assembles the detector's TorchScript archive: the model's tensors as attributes, the traced
// backbone body and the hand-written stages as methods, the metadata, then compiles and saves.
#include "fovea/core/export/detection_torchscript.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "detection_torchscript_body.h"
#include "detection_torchscript_source.h"
#include "fovea/core/atomic_file.h"
#include "script_printing.h"

namespace fovea::core {
namespace {

using exporting::scriptAttributeName;
using exporting::scriptString;
using exporting::scriptStringList;

std::string number(double value) {
    std::ostringstream text;
    text << value;
    return text.str();
}

// The model's parameters and buffers as attributes of `module`, and the attribute of each
// state-dict name; two names that would share an attribute are an error.
Result<std::map<std::string, std::string>> registerTensors(detection::FasterRcnnImpl& model,
                                                           torch::jit::Module& module) {
    std::map<std::string, std::string> attributes;
    std::set<std::string> taken{"training"};
    const auto add = [&](const std::string& key, const torch::Tensor& tensor,
                         bool isParameter) -> Result<void> {
        const std::string name = scriptAttributeName(key);
        if (!taken.insert(name).second) {
            return Error{"two tensors of the model map to the TorchScript attribute " + name};
        }
        attributes[key] = name;
        module.register_parameter(name, tensor.detach().clone(), /*is_buffer=*/!isParameter);
        return {};
    };
    for (const auto& item : model.named_parameters()) {
        if (auto added = add(item.key(), item.value(), true); !added) return added.error();
    }
    for (const auto& item : model.named_buffers()) {
        if (auto added = add(item.key(), item.value(), false); !added) return added.error();
    }
    return attributes;
}

exporting::DetectionScriptShape scriptShape(detection::FasterRcnnImpl& model) {
    exporting::DetectionScriptShape shape;
    shape.options = model.options();
    shape.bodyMaps = static_cast<int64_t>(model.backbone()->body().returnedChannels().size());
    shape.anchorLevels = shape.bodyMaps + 1;
    // FasterRcnnImpl pools from the maps named "0".."3" that the pyramid has.
    shape.roiMaps = std::min<int64_t>(shape.bodyMaps, 4);
    shape.numClasses = shape.options.numClasses;
    return shape;
}

}  // namespace

std::string detectionInputContract(const detection::FasterRcnnOptions& options) {
    std::ostringstream text;
    text << "forward(images: List[Tensor]) -> List[Dict[str, Tensor]], as torchvision's detectors "
            "in eval mode. Each image: float32 [3, H, W], RGB, values in [0, 1], any size; inside, "
            "it is normalised (mean "
         << number(options.imageMean[0]) << ", " << number(options.imageMean[1]) << ", "
         << number(options.imageMean[2]) << "; std " << number(options.imageStd[0]) << ", "
         << number(options.imageStd[1]) << ", " << number(options.imageStd[2])
         << "), resized (bilinear) so that the shorter side is " << options.minSize.back()
         << " px and the longer at most " << options.maxSize
         << " px, and zero-padded to a multiple of 32. Per image: \"boxes\" float32 [N, 4] (x1, "
            "y1, x2, y2 in the input image's pixels), \"scores\" float32 [N] (by decreasing "
            "score, at least "
         << number(options.roiHeads.scoreThresh)
         << "), \"labels\" int64 [N] (1..K: class_labels()[label - 1]; 0 is the background). "
            "Per-class NMS at IoU "
         << number(options.roiHeads.nmsThresh) << ", at most "
         << options.roiHeads.detectionsPerImage << " boxes per image. Run it under no_grad.";
    return text.str();
}

std::map<std::string, std::string> detectionExportMetadata(
    const detection::FasterRcnnImpl& model, const std::vector<std::string>& classNames) {
    const auto& options = model.options();
    return {
        {"fovea.architecture", detection::architectureName(model.architecture())},
        {"fovea.labels", nlohmann::json(classNames).dump()},
        {"fovea.input_contract", detectionInputContract(options)},
        {"fovea.min_size", std::to_string(options.minSize.back())},
        {"fovea.max_size", std::to_string(options.maxSize)},
        {"fovea.score_thresh", number(options.roiHeads.scoreThresh)},
        {"fovea.nms_thresh", number(options.roiHeads.nmsThresh)},
        {"fovea.rpn_nms_thresh", number(options.rpn.nmsThresh)},
        {"fovea.detections_per_img", std::to_string(options.roiHeads.detectionsPerImage)},
    };
}

Result<void> writeDetectionTorchScript(detection::FasterRcnnImpl& model,
                                       const std::vector<std::string>& classNames,
                                       const std::filesystem::path& file,
                                       const std::map<std::string, std::string>& extraMetadata) {
    const auto failed = [&](const std::string& why) {
        return Error{file.string() + ": writing TorchScript failed: " + why};
    };
    if (static_cast<int64_t>(classNames.size()) + 1 != model.options().numClasses) {
        return failed(std::to_string(classNames.size()) + " class names for a detector of " +
                      std::to_string(model.options().numClasses - 1) + " classes");
    }
    for (const auto& parameter : model.parameters()) {
        if (!parameter.device().is_cpu()) {
            return failed("the model must be on the CPU (it is on " + parameter.device().str() +
                          ")");
        }
    }
    auto metadata = detectionExportMetadata(model, classNames);
    for (const auto& [key, value] : extraMetadata) metadata[key] = value;
    try {
        torch::jit::Module module("FoveaFasterRCNN");
        auto attributes = registerTensors(model, module);
        if (!attributes) return failed(attributes.error().message);
        nlohmann::json torchvisionNames = nlohmann::json::object();
        for (const auto& [key, attribute] : attributes.value()) torchvisionNames[attribute] = key;
        // The anchors' cell templates: torchvision recomputes them, here they ride along.
        const auto& cells = model.rpn()->anchorGenerator().cellAnchors();
        for (size_t level = 0; level < cells.size(); ++level) {
            module.register_buffer(
                scriptAttributeName("rpn.anchor_generator.cell_anchors." + std::to_string(level)),
                cells[level].clone());
        }
        int constants = 0;
        auto body = exporting::backboneBodySource(
            model, [&](const std::string& key) { return attributes.value().at(key); },
            [&](const torch::Tensor& tensor) {
                const std::string name = "backbone_body_constant_" + std::to_string(constants++);
                module.register_buffer(name, tensor.clone());
                return name;
            });
        if (!body) return failed(body.error().message);
        module.define(body.value() + exporting::detectionScriptSource(scriptShape(model)));
        module.define("def class_labels(self) -> List[str]:\n    return " +
                      scriptStringList(classNames) + "\n");
        module.define("def input_contract(self) -> str:\n    return " +
                      scriptString(metadata.at("fovea.input_contract")) + "\n");
        const std::string metadataJson = nlohmann::json(metadata).dump(2);
        module.define("def metadata_json(self) -> str:\n    return " + scriptString(metadataJson) +
                      "\n");
        module.eval();
        torch::jit::ExtraFilesMap extraFiles{
            {"labels.json", metadata.at("fovea.labels")},
            {"fovea.json", metadataJson},
            {"torchvision_names.json", torchvisionNames.dump(2)},
        };
        std::ostringstream bytes;
        module.save(bytes, extraFiles);
        return files::writeFileAtomically(file, bytes.str());
    } catch (const c10::Error& error) {
        return failed(error.what_without_backtrace());
    } catch (const std::exception& error) {
        return failed(error.what());
    }
}

}  // namespace fovea::core
