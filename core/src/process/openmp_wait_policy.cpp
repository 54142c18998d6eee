// OpenMP threads that wait passively unless the user says otherwise, chosen before the OpenMP
// runtime starts.
//
// GNU OpenMP (which LibTorch and OpenBLAS use for their intra-op threads here) lets a thread
// that finished its share of a parallel region spin for a while before it sleeps. On an idle
// machine that saves a wake-up; on a busy one the spinning threads take the cores away from the
// thread that still has work, and the many small parallel regions of a detector's step pay that
// every time: one epoch of detection training took 393 s with spinning threads and 92 s with
// passive ones while two compilers ran beside it on two cores (53 s on one thread).
//
// libgomp reads OMP_WAIT_POLICY once, in its constructor, and the C library's own start-up
// resets the environment to the one the kernel passed, so setting the variable from the program
// is too late and too early at once. Instead the executable's preinit array, which the dynamic
// loader runs after loading the libraries (about 15 ms here) and before any of their
// constructors, starts the program again with the variable added. If that fails, the program
// goes on with libgomp's default.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kPassive = "OMP_WAIT_POLICY=PASSIVE";

// The user's choice (GOMP_SPINCOUNT alone also decides how threads wait), or a program started
// under Valgrind, whose tools would not follow the restart.
bool keepsItsStart(const char* entry) {
    return std::strncmp(entry, "OMP_WAIT_POLICY=", 16) == 0 ||
           std::strncmp(entry, "GOMP_SPINCOUNT=", 15) == 0 ||
           (std::strncmp(entry, "LD_PRELOAD=", 11) == 0 && std::strstr(entry, "vgpreload"));
}

void startAgainWithPassiveOpenMpThreads(int, char** argv, char** envp) {
    if (!argv || !envp) return;
    std::size_t count = 0;
    for (; envp[count]; ++count) {
        if (keepsItsStart(envp[count])) return;
    }
    auto** environment = static_cast<char**>(std::malloc((count + 2) * sizeof(char*)));
    if (!environment) return;
    std::memcpy(environment, envp, count * sizeof(char*));
    environment[count] = const_cast<char*>(kPassive);
    environment[count + 1] = nullptr;
    execve("/proc/self/exe", argv, environment);
    std::free(environment);  // only reached when execve failed: go on as started
}

}  // namespace

// The loader calls every function in the executable's .preinit_array with argc, argv, envp.
__attribute__((section(".preinit_array"), used)) void (*const kStartAgainWithPassiveOpenMp)(
    int, char**, char**) = &startAgainWithPassiveOpenMpThreads;
