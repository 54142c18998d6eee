#include "fovea/core/weights/weight_file.h"

#include <cstring>
#include <string>

#include "byte_source.h"
#include "fovea/core/weights/pth_reader.h"
#include "fovea/core/weights/safetensors.h"

namespace fovea::core {

Result<StateDict> readWeightFile(const std::filesystem::path& file) {
    // Nine bytes decide: the zip or pickle signature, or a safetensors header size followed by
    // the '{' that opens its JSON.
    const auto prefix = weights_detail::readPrefix(file, 9);
    if (!prefix) return prefix.error();
    const std::string& head = prefix.value();
    if (head.empty()) {
        return weights_detail::fileError(file,
                                         "empty file, not a PyTorch .pth or safetensors file");
    }
    if (head.compare(0, 4, "PK\x03\x04") == 0 || static_cast<unsigned char>(head[0]) == 0x80) {
        return readPth(file);
    }
    if (head.size() == 9 && head[8] == '{') {
        auto safetensors = readSafetensors(file);
        if (!safetensors) return safetensors.error();
        return std::move(safetensors.value().tensors);
    }
    return weights_detail::fileError(file, "not a PyTorch .pth or safetensors file");
}

}  // namespace fovea::core
