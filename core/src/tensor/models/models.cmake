# Included from core/CMakeLists.txt: paths are relative to core/.
add_library(fovea_models STATIC)
fovea_target_unity_sources(fovea_models BATCH 8 EXCLUDE multiply_accumulates.cpp relu6_bfloat16.cpp
                                                      batch_norm_bfloat16.cpp max_pool_bfloat16.cpp SOURCES
    src/tensor/models/batch_norm.cpp
    src/tensor/models/batch_norm_bfloat16.cpp
    src/tensor/models/efficientnet.cpp
    src/tensor/models/inception.cpp
    src/tensor/models/layers.cpp
    src/tensor/models/load_state_dict.cpp
    src/tensor/models/max_pool_bfloat16.cpp
    src/tensor/models/mobilenet_v2.cpp
    src/tensor/models/mobilenet_v3.cpp
    src/tensor/models/multiply_accumulates.cpp
    src/tensor/models/network.cpp
    src/tensor/models/network_summary.cpp
    src/tensor/models/preprocessing_json.cpp
    src/tensor/models/relu6_bfloat16.cpp
    src/tensor/models/resnet.cpp
    src/tensor/models/vgg.cpp
    src/tensor/models/weight_catalogue.cpp
    src/tensor/models/zoo.cpp
)
target_link_libraries(fovea_models PUBLIC fovea_tensor_common nlohmann_json::nlohmann_json
                                   PRIVATE fovea_warnings)
fovea_use_torch_pch(fovea_models)
# This file must include ATen/record_function.h itself, with NDEBUG as the library was built
# (see the comment at its top); the precompiled torch header would have included it first.
set_source_files_properties(src/tensor/models/multiply_accumulates.cpp
                            PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
# at::parallel_for runs on the intra-op threads only where OpenMP is on (see the files' tops); not
# in a unity batch or the precompiled header, whose other code is built without it.
find_package(OpenMP REQUIRED)
set_source_files_properties(src/tensor/models/relu6_bfloat16.cpp
                            src/tensor/models/batch_norm_bfloat16.cpp
                            src/tensor/models/max_pool_bfloat16.cpp
                            PROPERTIES SKIP_PRECOMPILE_HEADERS ON
                                       COMPILE_OPTIONS "${OpenMP_CXX_FLAGS}")
# The runtime only: OpenMP::OpenMP_CXX would put -fopenmp on every source of the library.
target_link_libraries(fovea_models PRIVATE ${OpenMP_CXX_LIBRARIES})
