#pragma once

namespace fovea::core {

// Makes LibTorch's CPU tensors of 4 MiB or more ask the kernel for transparent huge pages
// before they are first touched (see tensor_memory.cpp for why). Both executables call this at
// start-up, before training allocates. Returns whether it did: not when the user tunes glibc's
// malloc (MALLOC_* or malloc tunables in GLIBC_TUNABLES), as with Fovea's malloc settings.
// Calling it again changes nothing.
bool adviseHugePagesForLargeTensors();

}  // namespace fovea::core
