# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_distributed: joining a group of training processes over LibTorch's c10d (TCPStore,
# ProcessGroupGloo) and averaging gradients across it. c10d's Gloo headers include Gloo's own
# (Debian: libgloo-dev); a LibTorch without them builds Fovea without distributed training.
add_library(fovea_distributed STATIC
    src/tensor/distributed/gradient_averager.cpp
    src/tensor/distributed/launch_environment.cpp
    src/tensor/distributed/process_group.cpp
)
target_link_libraries(fovea_distributed PUBLIC fovea_tensor_common PRIVATE fovea_warnings)
find_path(FOVEA_C10D_GLOO_HEADER torch/csrc/distributed/c10d/ProcessGroupGloo.hpp
          HINTS ${TORCH_INCLUDE_DIRS})
find_path(FOVEA_GLOO_HEADERS gloo/config.h HINTS ${TORCH_INCLUDE_DIRS})
if(FOVEA_C10D_GLOO_HEADER AND FOVEA_GLOO_HEADERS)
    target_include_directories(fovea_distributed PRIVATE ${FOVEA_GLOO_HEADERS})
    # USE_C10D_GLOO: the guard of ProcessGroupGloo.hpp (LibTorch's CMake targets set it too).
    target_compile_definitions(fovea_distributed PRIVATE FOVEA_HAVE_C10D_GLOO=1 USE_C10D_GLOO=1)
    message(STATUS "Fovea: distributed training with c10d Gloo")
else()
    message(STATUS "Fovea: no c10d Gloo headers (libgloo-dev): building without distributed "
                   "training")
endif()
