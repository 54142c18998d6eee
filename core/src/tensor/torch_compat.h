#pragma once

// The few LibTorch APIs that differ between Debian 12's LibTorch 1.13 and LibTorch 2.x (Debian
// 13's 2.6, pytorch.org's downloads, the LibTorch inside a torch wheel). Every version test of
// the project lives here; the rest of the code calls these names only.

#include <ATen/autocast_mode.h>
#include <ATen/core/Tensor.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR < 2
#include <c10/util/C++17.h>
#include <c10/util/variant.h>

#include <string>
#else
#include <variant>
#endif

// 2.4 made the autocast state per device type and deprecated the per-backend setters.
#define FOVEA_TORCH_AUTOCAST_BY_DEVICE_TYPE \
    (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))

namespace fovea::core::compat {

// Autocast state of one device type (CPU or CUDA) on the calling thread.
inline bool autocastEnabled(c10::DeviceType device) {
#if FOVEA_TORCH_AUTOCAST_BY_DEVICE_TYPE
    return at::autocast::is_autocast_enabled(device);
#else
    return device == c10::DeviceType::CUDA ? at::autocast::is_enabled()
                                           : at::autocast::is_cpu_enabled();
#endif
}

inline void setAutocastEnabled(c10::DeviceType device, bool enabled) {
#if FOVEA_TORCH_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_enabled(device, enabled);
#else
    if (device == c10::DeviceType::CUDA) {
        at::autocast::set_enabled(enabled);
    } else {
        at::autocast::set_cpu_enabled(enabled);
    }
#endif
}

inline c10::ScalarType autocastType(c10::DeviceType device) {
#if FOVEA_TORCH_AUTOCAST_BY_DEVICE_TYPE
    return at::autocast::get_autocast_dtype(device);
#else
    return device == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype()
                                           : at::autocast::get_autocast_cpu_dtype();
#endif
}

inline void setAutocastType(c10::DeviceType device, c10::ScalarType type) {
#if FOVEA_TORCH_AUTOCAST_BY_DEVICE_TYPE
    at::autocast::set_autocast_dtype(device, type);
#else
    if (device == c10::DeviceType::CUDA) {
        at::autocast::set_autocast_gpu_dtype(type);
    } else {
        at::autocast::set_autocast_cpu_dtype(type);
    }
#endif
}

// LibTorch's variants (e.g. Conv2dOptions::padding_t) are c10::variant in 1.13 and std::variant
// in 2.x, where c10::get_if is gone.
template <typename T, typename Variant>
const T* variantGetIf(const Variant* variant) {
#if TORCH_VERSION_MAJOR < 2
    return c10::get_if<T>(variant);
#else
    return std::get_if<T>(variant);
#endif
}

// The key of a parameter's entry in Optimizer::state(): its TensorImpl's address, as a string in
// 1.13 and as the pointer itself in 2.x.
inline auto optimizerStateKey(const at::Tensor& parameter) {
#if TORCH_VERSION_MAJOR < 2
    return c10::guts::to_string(parameter.unsafeGetTensorImpl());
#else
    return static_cast<void*>(parameter.unsafeGetTensorImpl());
#endif
}

// Adam's first moment, m = beta1 * m + (1 - beta1) * g, in the form PyTorch's Python optimizers
// of the same release use: lerp_ since 2.0, mul_ then add_ before. The two round differently,
// and training matches Python step for step only with the same form.
inline void updateFirstMoment(at::Tensor& average, const at::Tensor& gradient, double beta1) {
#if TORCH_VERSION_MAJOR < 2
    average.mul_(beta1).add_(gradient, 1 - beta1);
#else
    average.lerp_(gradient, 1 - beta1);
#endif
}

}  // namespace fovea::core::compat
