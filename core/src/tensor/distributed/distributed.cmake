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

# NCCL for CUDA tensors: a CUDA LibTorch built with it (its torch_cuda target says USE_C10D_NCCL;
# Debian's libtorch-cuda-dev does) and NCCL's header (Debian: libnccl-dev; PyTorch's wheels:
# nvidia/nccl/include beside torch). Without them CUDA tensors go through Gloo on the host.
if(FOVEA_C10D_GLOO_HEADER AND TARGET torch_cuda)
    find_path(FOVEA_C10D_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp
              HINTS ${TORCH_INCLUDE_DIRS})
    find_path(FOVEA_NCCL_HEADER nccl.h
              HINTS ${TORCH_INCLUDE_DIRS} ${CUDAToolkit_INCLUDE_DIRS} "$ENV{NCCL_INCLUDE_DIR}"
                    "${Torch_DIR}/../../../../nvidia/nccl/include")
    if(FOVEA_C10D_NCCL_HEADER AND FOVEA_NCCL_HEADER)
        target_include_directories(fovea_distributed PRIVATE ${FOVEA_NCCL_HEADER})
        # USE_C10D_NCCL: the guard of ProcessGroupNCCL.hpp.
        target_compile_definitions(fovea_distributed PRIVATE FOVEA_HAVE_C10D_NCCL=1 USE_C10D_NCCL=1)
        message(STATUS "Fovea: NCCL for CUDA tensors in distributed training")
    else()
        message(STATUS "Fovea: no NCCL headers: distributed CUDA training goes through Gloo")
    endif()
endif()
