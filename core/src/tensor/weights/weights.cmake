# Included from core/CMakeLists.txt: paths are relative to core/.
add_library(fovea_weights STATIC
    src/tensor/weights/placeholder.cpp
)
target_link_libraries(fovea_weights PUBLIC fovea_tensor_common PRIVATE fovea_warnings)
target_precompile_headers(fovea_weights PRIVATE <torch/torch.h>)
