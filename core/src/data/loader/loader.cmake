# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_data_loader: turns project images into batches of tensors behind the tensor side's
# BatchSource interface, so the trainer needs no OpenCV.
add_library(fovea_data_loader STATIC)
fovea_target_unity_sources(fovea_data_loader BATCH 8 SOURCES
    src/data/loader/decoded_image_cache.cpp
    src/data/loader/image_batch_loader.cpp
    src/data/loader/image_pipeline.cpp
)
add_library(fovea::data_loader ALIAS fovea_data_loader)
target_link_libraries(fovea_data_loader PUBLIC fovea_core_data fovea_tensor_common
                                        PRIVATE fovea_warnings)
fovea_use_torch_pch(fovea_data_loader)
