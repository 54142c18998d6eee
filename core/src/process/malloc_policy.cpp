// Freed memory kept for the next training step, unless the user tunes glibc's malloc.
//
// A training step allocates and frees the same large activations and gradients every batch.
// glibc's malloc gives blocks above its mmap threshold fresh mappings (the threshold follows the
// blocks freed, up to 32 MiB) and hands memory freed at the top of its heap back to the kernel
// beyond twice that, so every step faults its activations in and has them zeroed again. With
// the threshold at its 32 MiB maximum and no trimming, the freed memory serves the next step.
// Full fine-tuning of ResNet-18 on two cores (batch 16, 224 px, bf16, channels-last), one epoch
// of 400 images, three runs each on an idle machine: system time 2.3 s -> 0.7 s, 29.7 ->
// 31.5 images/s, at about 15% more resident memory (840 -> 980 MB, the peak kept). Beside other
// work the faults cost far more (one run each there: 13-16 -> 28-30 images/s).
//
// Set from the executable's preinit array, before any library's constructor allocates; a
// user's GLIBC_TUNABLES for malloc or MALLOC_* variables decide instead.
#include <malloc.h>

#include <climits>

#include "user_malloc_tuning.h"

namespace {

constexpr int kMmapThreshold = 32 * 1024 * 1024;  // glibc's largest (HEAP_MAX_SIZE / 2)

void keepFreedMemoryForTheNextStep(int, char**, char** envp) {
    if (!envp || fovea::core::userTunesMalloc(envp)) return;
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

}  // namespace

// The loader calls every function in the executable's .preinit_array with argc, argv, envp.
__attribute__((section(".preinit_array"), used)) void (*const kKeepFreedMemoryForTheNextStep)(
    int, char**, char**) = &keepFreedMemoryForTheNextStep;
