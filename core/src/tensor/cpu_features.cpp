// CPU features that decide how the tensor side computes (declared in torch_runtime.h).
#include "fovea/core/torch_runtime.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace fovea::core {

bool cpuComputesBFloat16Natively() {
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    // The operating system must save the registers these instructions use (XSAVE, XCR0).
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return false;
    unsigned xcr0Low = 0, xcr0High = 0;
    __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
    constexpr unsigned kAvx512State = 0xe6;  // SSE, AVX, opmask, ZMM upper and high halves
    constexpr unsigned kAmxState = 0x60000;  // XTILECFG, XTILEDATA
    const bool avx512Enabled = (xcr0Low & kAvx512State) == kAvx512State;
    const bool amxEnabled = (xcr0Low & kAmxState) == kAmxState;

    if (__get_cpuid_max(0, nullptr) < 7) return false;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const bool amxBf16 = edx & (1u << 22);
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    const bool avx512Bf16 = eax & (1u << 5);
    return (avx512Enabled && avx512Bf16) || (amxEnabled && amxBf16);
#else
    return false;
#endif
}

bool cpuVendorIsAmd() {
#if defined(__x86_64__) || defined(__i386__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return false;
    // "AuthenticAMD" in EBX, EDX, ECX.
    return ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;
#else
    return false;
#endif
}

}  // namespace fovea::core
