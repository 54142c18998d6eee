# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_detection: the box operations of torchvision's Faster R-CNN (box geometry, NMS, the box
# coder, the matcher, anchors, RoIAlign and its pyramid pooling) in LibTorch tensor ops, since
# torchvision's C++ ops library is not available to us; and Faster R-CNN with FPN on them
# (transform, backbones, pyramid, RPN, box head, losses) under torchvision's parameter names.
add_library(fovea_detection STATIC)
fovea_target_unity_sources(fovea_detection BATCH 8 SOURCES
    src/tensor/detection/anchor_generator.cpp
    src/tensor/detection/backbone_layers.cpp
    src/tensor/detection/backbones.cpp
    src/tensor/detection/box_coder.cpp
    src/tensor/detection/box_ops.cpp
    src/tensor/detection/faster_rcnn.cpp
    src/tensor/detection/fpn.cpp
    src/tensor/detection/matcher.cpp
    src/tensor/detection/multi_scale_roi_align.cpp
    src/tensor/detection/nms.cpp
    src/tensor/detection/roi_align.cpp
    src/tensor/detection/roi_heads.cpp
    src/tensor/detection/rpn.cpp
    src/tensor/detection/transform.cpp
)
add_library(fovea::detection ALIAS fovea_detection)
target_link_libraries(fovea_detection PUBLIC fovea_tensor_common PRIVATE fovea_warnings)
fovea_use_torch_pch(fovea_detection)
