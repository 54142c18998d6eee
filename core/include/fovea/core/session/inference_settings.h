#pragma once

// How evaluation, prediction and the workbench's previews run a network over images, and what
// they report back about it. Free of LibTorch.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "fovea/core/training/training_config.h"

namespace fovea::core {

struct InferenceSettings {
    int batchSize = 32;  // images per forward pass
    int workers = 0;     // decoding threads, which decode ahead of the forward pass; 0: one per
                         // core (at most 4)
    DevicePreference device = DevicePreference::Auto;
    // fp32 by default: a low precision changes a few borderline predictions, which the user
    // should choose knowingly. bf16/fp16 (or auto, which picks bf16 where the hardware computes
    // it natively) run the forward pass under autocast.
    Precision precision = Precision::Float32;
    // With a precision other than fp32, this many images of the first batch also run in fp32,
    // and InferenceFacts reports how often their top-1 classes agree. 0: no check.
    int agreementSample = 0;
    // Unset: channels-last for networks with convolutions, which oneDNN and cuDNN run faster
    // (the same figures within float rounding). The network's layout is restored afterwards.
    std::optional<bool> channelsLast;
};

// What an inference run used, and how its low precision compared with fp32.
struct InferenceFacts {
    std::string device;                        // e.g. "cpu", "cuda:0"
    Precision precision = Precision::Float32;  // as resolved (never auto)
    bool channelsLast = false;
    std::int64_t agreementChecked = 0;  // images run in fp32 too (InferenceSettings)
    std::int64_t agreementSame = 0;     // of those, how many got the same top-1 class
};

// {"device", "precision", "channels_last", "agreement": {"checked", "same"} (when checked)}.
inline nlohmann::json toJson(const InferenceFacts& facts) {
    nlohmann::json json = {{"device", facts.device},
                           {"precision", precisionName(facts.precision)},
                           {"channels_last", facts.channelsLast}};
    if (facts.agreementChecked > 0) {
        json["agreement"] = {{"checked", facts.agreementChecked}, {"same", facts.agreementSame}};
    }
    return json;
}

}  // namespace fovea::core
