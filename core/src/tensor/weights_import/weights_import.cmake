# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_weights_import: converters from other frameworks' published weights to torchvision-named
# state dicts (Keras MobileNetV2 and InceptionV3 as shipped by the nsfwjs npm package, for offline
# defaults).
find_package(nlohmann_json REQUIRED)
add_library(fovea_weights_import STATIC)
fovea_target_unity_sources(fovea_weights_import BATCH 8 SOURCES
    src/tensor/weights_import/keras_inception_import.cpp
    src/tensor/weights_import/keras_mobilenet_import.cpp
    src/tensor/weights_import/offline_default.cpp
    src/tensor/weights_import/tfjs_model.cpp
)
target_link_libraries(fovea_weights_import PUBLIC fovea_tensor_common fovea_models fovea_weights
                                                  fovea_download fovea_file_io
                                           PRIVATE nlohmann_json::nlohmann_json fovea_warnings)
fovea_use_torch_pch(fovea_weights_import)
