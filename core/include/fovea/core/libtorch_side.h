#pragma once

// Included by every core header that includes LibTorch. The workbench's sources are built with
// FOVEA_WITHOUT_LIBTORCH: they use core's torch-free headers, so reaching a LibTorch header
// from them (and the half minute to two minutes of compile time it costs each file) is a build
// error here rather than a slow creep.
#ifdef FOVEA_WITHOUT_LIBTORCH
#error "a LibTorch header reached a source built without LibTorch: use core's torch-free headers"
#endif
