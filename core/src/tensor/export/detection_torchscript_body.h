#pragma once

// The detector's backbone body (the classification network cut for the pyramid) as a
// TorchScript method: its forward pass traced by LibTorch's tracer and printed back as source,
// one `torch.<aten op>(...)` line per node, as the classification writer does. The body is
// convolutions, norms, activations and fixed paddings only, so the trace holds no image size:
// one method serves every input size (the parity gate runs it on images of many sizes).
#include <functional>
#include <string>

#include "fovea/core/detection/faster_rcnn.h"
#include "fovea/core/result.h"

namespace fovea::core::exporting {

// Source of `def backbone_body(self, x: Tensor) -> List[Tensor]` for model.backbone().body():
// x is the padded, normalised batch [B, 3, H, W]; the result the maps the pyramid takes. Tensors
// are read as `self.<attribute>`: `attributeOf` gives the attribute of a model tensor by its
// state-dict name ("backbone.body.0.0.weight"), `registerConstant` registers any other tensor
// the trace holds and returns its attribute. The model's mode and requires_grad flags are
// restored afterwards.
Result<std::string> backboneBodySource(
    detection::FasterRcnnImpl& model,
    const std::function<std::string(const std::string& stateDictName)>& attributeOf,
    const std::function<std::string(const torch::Tensor& constant)>& registerConstant);

}  // namespace fovea::core::exporting
