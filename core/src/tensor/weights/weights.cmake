# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_weights: .pth (zip and legacy, through Fovea's restricted unpickler) and safetensors.
find_package(nlohmann_json REQUIRED)
add_library(fovea_weights STATIC)
fovea_target_unity_sources(fovea_weights BATCH 8 SOURCES
    src/tensor/weights/byte_source.cpp
    src/tensor/weights/pickle_globals.cpp
    src/tensor/weights/pickle_reader.cpp
    src/tensor/weights/pth_reader.cpp
    src/tensor/weights/safetensors.cpp
    src/tensor/weights/weight_file.cpp
    src/tensor/weights/zip_directory.cpp
)
target_link_libraries(fovea_weights PUBLIC fovea_tensor_common
                                    PRIVATE nlohmann_json::nlohmann_json fovea_warnings)
fovea_use_torch_pch(fovea_weights)
