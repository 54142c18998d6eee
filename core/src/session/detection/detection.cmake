# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_detection_session: detection projects trained, evaluated and run (issue 24, point 4):
# samples from the project store, decoding with box-moving augmentation, the Faster R-CNN
# training loop with its run folder, COCO evaluation and prediction. The CLI and the workbench
# use it through the torch-free headers session/detection_training.h and detection_model.h.
add_library(fovea_detection_session STATIC)
fovea_target_unity_sources(fovea_detection_session SOURCES
    src/session/detection/detection_common.cpp
    src/session/detection/detection_demo_data.cpp
    src/session/detection/detection_export.cpp
    src/session/detection/detection_export_parity.cpp
    src/session/detection/detection_freezing.cpp
    src/session/detection/detection_model.cpp
    src/session/detection/detection_training.cpp
)
target_link_libraries(fovea_detection_session
    PUBLIC fovea_detection fovea_detection_metrics fovea_core_data fovea_training fovea_weights
           nlohmann_json::nlohmann_json
    # The backbone's starting weights: the catalogue's ImageNet downloads through the cache, and
    # where the offline default lives.
    PRIVATE fovea_models fovea_weights_import fovea_download
    # Exports: the detector as TorchScript with its post-processing; the export formats.
    # ONNX: the network's two graphs, checked by OpenCV DNN running them as the contract says.
    PRIVATE fovea_detection_torchscript fovea_detection_onnx_gate fovea_session
    PRIVATE fovea_warnings)
fovea_use_torch_pch(fovea_detection_session)
