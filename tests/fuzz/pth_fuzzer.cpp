// libFuzzer target: core::readPth (zip and legacy .pth containers, the restricted unpickler).
// Every tensor that comes back must be a valid view of its own storage: the reader promises to
// check every length, offset and stride against the file before touching memory, so a view that
// reaches past its storage is a bug even when nothing reads it here.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fovea/core/weights/pth_reader.h"
#include "fuzz_support.h"

namespace {

void checkTensor(const torch::Tensor& tensor) {
    if (!tensor.defined()) std::abort();
    if (tensor.numel() == 0) return;
    const auto& storage = tensor.storage();
    const std::int64_t itemSize = static_cast<std::int64_t>(tensor.element_size());
    std::int64_t last = tensor.storage_offset();
    for (std::int64_t d = 0; d < tensor.dim(); ++d) {
        if (tensor.stride(d) < 0) std::abort();
        last += (tensor.size(d) - 1) * tensor.stride(d);
    }
    if ((last + 1) * itemSize > static_cast<std::int64_t>(storage.nbytes())) std::abort();
    // Read every byte of the storage: ASan reports it when the storage is not real memory.
    const auto* bytes = static_cast<const volatile std::uint8_t*>(storage.data());
    std::uint8_t sum = 0;
    for (std::size_t i = 0; i < storage.nbytes(); ++i) sum ^= bytes[i];
    static volatile std::uint8_t sink [[maybe_unused]];
    sink = sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path file = fovea::fuzz::scratchFolder("pth") / "input.pth";
    fovea::fuzz::writeBytes(file, data, size);
    auto result = fovea::core::readPth(file);
    if (!result.ok()) {
        fovea::fuzz::showError(result.error().message);
        if (result.error().message.empty()) std::abort();
        return 0;
    }
    for (const auto& item : result.value()) checkTensor(item.value());
    return 0;
}
