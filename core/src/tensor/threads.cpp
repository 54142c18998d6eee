#include "fovea/core/threads.h"

#include <sched.h>

#include <cstdlib>
#include <thread>

#include <ATen/Parallel.h>

namespace fovea::core {

int availableCores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    const unsigned hardware = std::thread::hardware_concurrency();
    return hardware > 0 ? static_cast<int>(hardware) : 1;
}

int chooseIntraOpThreads(const std::optional<std::string>& ompNumThreads, int cores) {
    if (ompNumThreads && !ompNumThreads->empty()) {
        // OMP_NUM_THREADS may hold a list for nested levels ("4,2"); the first entry is ours.
        const std::string first = ompNumThreads->substr(0, ompNumThreads->find(','));
        char* end = nullptr;
        const long value = std::strtol(first.c_str(), &end, 10);
        if (end != first.c_str() && *end == '\0' && value > 0 && value <= 4096) {
            return static_cast<int>(value);
        }
    }
    return cores > 0 ? cores : 1;
}

int configureIntraOpThreads() {
    const char* env = std::getenv("OMP_NUM_THREADS");
    const int threads = chooseIntraOpThreads(env ? std::optional<std::string>(env) : std::nullopt,
                                             availableCores());
    at::set_num_threads(threads);
    return at::get_num_threads();
}

int intraOpThreads() { return at::get_num_threads(); }

}  // namespace fovea::core
