#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

// A trained Faster R-CNN as a TorchScript archive that carries its post-processing (issue 24,
// point 5). LibTorch cannot script C++ modules, so the archive is written as source: the
// backbone body traced and printed op by op, everything else (resize/normalise transform,
// feature pyramid, anchors, RPN with top-k and NMS, multi-scale RoIAlign, box head, box
// decoding, score threshold, per-class NMS, rescaling to the input image) as TorchScript
// methods in plain torch operations; no torch.ops.torchvision, so a plain LibTorch or PyTorch
// runs it. See detectionInputContract() for what forward takes and returns.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fovea/core/detection/faster_rcnn.h"
#include "fovea/core/result.h"

namespace fovea::core {

// The contract of the exported forward, as torchvision's detectors in evaluation:
//   forward(images: List[Tensor]) -> List[Dict[str, Tensor]]
//   each image [3, H, W] float32 RGB in [0, 1], any size (resized inside so that the shorter
//   side is min_size and the longer at most max_size, normalised, padded to a multiple of 32);
//   per image "boxes" float32 [N, 4] (x1, y1, x2, y2 in the input image's pixels), "scores"
//   float32 [N] (softmax probability, by decreasing score), "labels" int64 [N] (1..K, the
//   index into class_labels() plus one; 0 is the background and never returned).
// The paragraph with this model's numbers.
std::string detectionInputContract(const detection::FasterRcnnOptions& options);

// Metadata the archive carries (extra file fovea.json; also methods): fovea.architecture,
// fovea.labels (JSON array), fovea.input_contract, fovea.min_size, fovea.max_size,
// fovea.score_thresh, fovea.nms_thresh, fovea.rpn_nms_thresh, fovea.detections_per_img.
std::map<std::string, std::string> detectionExportMetadata(
    const detection::FasterRcnnImpl& model, const std::vector<std::string>& classNames);

// Writes `model` (CPU, any mode; restored) to `file` atomically: forward as above, plus
// class_labels() -> List[str], input_contract() -> str and metadata_json() -> str. The model's
// tensors are module attributes named as the state dict with '.' -> '_'
// ("backbone_body_0_0_weight"); extra file torchvision_names.json maps them back to
// torchvision's names, labels.json holds the class names, fovea.json the metadata (with
// `extraMetadata` added).
Result<void> writeDetectionTorchScript(
    detection::FasterRcnnImpl& model, const std::vector<std::string>& classNames,
    const std::filesystem::path& file,
    const std::map<std::string, std::string>& extraMetadata = {});

}  // namespace fovea::core
