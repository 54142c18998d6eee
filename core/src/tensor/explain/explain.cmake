# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_explain: why a network chose a class (Grad-CAM heatmaps), on tensors only; colouring
# and overlays are image work and live on the data side.
add_library(fovea_explain STATIC
    src/tensor/explain/grad_cam.cpp
)
add_library(fovea::explain ALIAS fovea_explain)
target_link_libraries(fovea_explain PUBLIC fovea_models PRIVATE fovea_warnings)
fovea_use_torch_pch(fovea_explain)
