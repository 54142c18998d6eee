// libFuzzer target: core::readSafetensors. Accepted files must hold contiguous CPU tensors whose
// bytes are real memory; refused files must say why.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fovea/core/weights/safetensors.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path file =
        fovea::fuzz::scratchFolder("safetensors") / "input.safetensors";
    fovea::fuzz::writeBytes(file, data, size);
    auto result = fovea::core::readSafetensors(file);
    if (!result.ok()) {
        fovea::fuzz::showError(result.error().message);
        if (result.error().message.empty()) std::abort();
        return 0;
    }
    std::size_t total = 0;
    for (const auto& item : result.value().tensors) {
        const torch::Tensor& tensor = item.value();
        if (!tensor.defined() || !tensor.is_contiguous()) std::abort();
        const std::size_t bytes = tensor.numel() * tensor.element_size();
        if (bytes > tensor.storage().nbytes()) std::abort();
        total += bytes;
        // Read every byte: ASan reports it when the tensor is not backed by real memory.
        const auto* p = static_cast<const volatile std::uint8_t*>(tensor.data_ptr());
        std::uint8_t sum = 0;
        for (std::size_t i = 0; i < bytes; ++i) sum ^= p[i];
        static volatile std::uint8_t sink [[maybe_unused]];
        sink = sum;
    }
    // The tensors tile the byte buffer, so together they can never exceed the file.
    if (total > size) std::abort();
    return 0;
}
