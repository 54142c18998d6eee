# Compiler launcher, warnings and sanitizers shared by every Fovea target.

# ccache: LibTorch headers make each translation unit expensive (30-40 s), so rebuilds of
# unchanged files must come from the cache. Precompiled headers need the pch sloppiness.
find_program(FOVEA_CCACHE ccache)
if(FOVEA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER
        ${CMAKE_COMMAND} -E env "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
        "CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}"
        ${FOVEA_CCACHE})
endif()

add_library(fovea_warnings INTERFACE)
target_compile_options(fovea_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
if(FOVEA_WERROR)
    target_compile_options(fovea_warnings INTERFACE -Werror)
endif()

if(FOVEA_SANITIZE)
    add_compile_options(-fsanitize=${FOVEA_SANITIZE} -fno-omit-frame-pointer)
    add_link_options(-fsanitize=${FOVEA_SANITIZE})
endif()
# Fuzzing: libFuzzer's coverage instrumentation in every library; only the fuzz targets link
# libFuzzer's main (tests/fuzz).
if(FOVEA_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Everything Fovea builds is at most as deep as core -> ui -> app; one output folder for
# executables keeps tests able to find fovea-cli next to themselves.
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)

# One precompiled LibTorch header per build tree, owned by fovea_tensor_common: each is about
# 0.5 GB, and one per target filled CI's disk. Every target compiles with the same flags, and
# GCC accepts a PCH whatever other macros (e.g. GoogleTest's) a target defines.
function(fovea_use_torch_pch target)
    target_precompile_headers(${target} REUSE_FROM fovea_tensor_common)
endfunction()
