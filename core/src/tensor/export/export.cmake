# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_export: TorchScript, ONNX and .pth writers over one traced graph of the network, and the
# detector's ONNX file (two traced graphs and the recipe of the steps between them).
add_library(fovea_export STATIC)
fovea_target_unity_sources(fovea_export BATCH 8 SOURCES
    src/tensor/export/detection_onnx_writer.cpp
    src/tensor/export/export_metadata.cpp
    src/tensor/export/onnx_writer.cpp
    src/tensor/export/pth_writer.cpp
    src/tensor/export/script_printing.cpp
    src/tensor/export/torchscript_writer.cpp
    src/tensor/export/traced_network.cpp
)
target_link_libraries(fovea_export PUBLIC fovea_models fovea_detection PRIVATE fovea_file_io fovea_onnx
                                   nlohmann_json::nlohmann_json fovea_warnings)
fovea_use_torch_pch(fovea_export)

# fovea_detection_onnx_gate: the detector's ONNX file run with OpenCV DNN as its consumers do,
# and the parity gate against the in-app model (the only OpenCV user among the export sources).
if(NOT FOVEA_TENSOR_ONLY)
    find_package(OpenCV REQUIRED COMPONENTS core dnn)
    add_library(fovea_detection_onnx_gate STATIC src/tensor/export/detection_onnx_gate.cpp)
    target_link_libraries(fovea_detection_onnx_gate PUBLIC fovea_export fovea_detection
                                                    PRIVATE ${OpenCV_LIBS} fovea_warnings)
    fovea_use_torch_pch(fovea_detection_onnx_gate)
endif()

# fovea_detection_torchscript: a trained Faster R-CNN as TorchScript with its post-processing
# (the traced backbone body printed as source, the other stages written as TorchScript methods).
add_library(fovea_detection_torchscript STATIC)
fovea_target_unity_sources(fovea_detection_torchscript SOURCES
    src/tensor/export/detection_torchscript.cpp
    src/tensor/export/detection_torchscript_body.cpp
    src/tensor/export/detection_torchscript_source.cpp
)
target_link_libraries(fovea_detection_torchscript PUBLIC fovea_detection
                                                  PRIVATE fovea_export fovea_file_io
                                                          nlohmann_json::nlohmann_json fovea_warnings)
fovea_use_torch_pch(fovea_detection_torchscript)
