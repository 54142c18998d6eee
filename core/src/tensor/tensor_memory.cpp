// Large CPU tensors in transparent huge pages.
//
// A training run touches its activations, gradients, optimizer state and batches for the first
// time in its first steps, and the kernel faults them in 4 KiB at a time. Where a fault is dear,
// as on a virtual machine, that shows in a short run. bench_finetune's ResNet-18 run (20 steps
// of batch 16 at 224 px after a warm-up batch, two cores of a virtual machine, Linux 6.18): 65,000
// minor faults, 20,000 with large tensors advised; 6.62 -> 6.49 s, medians of four runs each,
// interleaved. Memory advised with MADV_HUGEPAGE is faulted in 2 MiB at a time where the
// kernel's THP setting is "madvise" (as on this machine) or "always"; "never" ignores it.
//
// Only the whole 2 MiB pages inside a block are advised, so nothing outside a large tensor is
// backed by a huge page on its account. The advice stays with the memory when malloc hands it
// out again, which Fovea's malloc settings (core/src/process/malloc_policy.cpp) make the rule.
#include "fovea/core/tensor_memory.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../process/user_malloc_tuning.h"

namespace fovea::core {
namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
// From about this size on, a block holds a whole aligned 2 MiB page wherever malloc puts it.
constexpr std::size_t kAdviseFrom = std::size_t{4} << 20;

void adviseWholeHugePages(const void* data, std::size_t bytes) {
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
    const std::uintptr_t end = (begin + bytes) & ~(kHugePage - 1);
    if (end <= first) return;
    // Advice: an error (a kernel without THP) leaves the memory as it was, which is correct.
    (void)madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
}

// LibTorch's CPU allocator, advising the large blocks it returns. No member says `override`:
// allocate() is const in LibTorch 1.x and not in 2.x, so both are declared and whichever the
// base class has is overridden (the other is an unused overload); copy_data() is pure virtual
// in 2.x and absent in 1.x.
class HugePageAdvisingAllocator final : public c10::Allocator {
  public:
    explicit HugePageAdvisingAllocator(c10::Allocator* inner) : m_inner(inner) {}

    c10::DataPtr allocate(std::size_t bytes) const {
        return advised(m_inner->allocate(bytes), bytes);
    }
    c10::DataPtr allocate(std::size_t bytes) { return advised(m_inner->allocate(bytes), bytes); }
    c10::DeleterFnPtr raw_deleter() const { return m_inner->raw_deleter(); }
    void copy_data(void* destination, const void* source, std::size_t count) const {
        std::memcpy(destination, source, count);
    }

  private:
    static c10::DataPtr advised(c10::DataPtr data, std::size_t bytes) {
        if (bytes >= kAdviseFrom && data.get()) adviseWholeHugePages(data.get(), bytes);
        return data;
    }

    c10::Allocator* m_inner;
};

}  // namespace

bool adviseHugePagesForLargeTensors() {
    if (userTunesMalloc(environ)) return false;
    static HugePageAdvisingAllocator allocator(c10::GetCPUAllocator());
    if (c10::GetCPUAllocator() != &allocator) c10::SetCPUAllocator(&allocator);
    return true;
}

}  // namespace fovea::core
