#pragma once

// Flags that several commands share, spelled, checked and explained the same everywhere.
#include <CLI/CLI.hpp>

#include <string>

namespace fovea::cli {

// --device auto|cpu|cuda (auto: CUDA when available).
inline CLI::Option* addDeviceOption(CLI::App* command, std::string& device) {
    return command->add_option("--device", device, "auto | cpu | cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
        ->capture_default_str();
}

// --precision: the forward pass's precision (`extra` says what the command does by default).
inline CLI::Option* addPrecisionOption(CLI::App* command, std::string& precision,
                                       const std::string& extra) {
    return command
        ->add_option("--precision", precision,
                     "auto (bf16 where the hardware computes it natively, else fp32) | fp32 | "
                     "bf16 | fp16 (fp16: CUDA only)" +
                         extra)
        ->check(CLI::IsMember({"auto", "fp32", "bf16", "fp16"}));
}

// --agreement-sample: how many images also run in fp32 when inference runs in a lower precision.
inline CLI::Option* addAgreementSampleOption(CLI::App* command, int& sample) {
    return command
        ->add_option("--agreement-sample", sample,
                     "with --precision other than fp32: images of the first batch also run in "
                     "fp32, to print how often the top-1 classes agree (0: no check)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

// --json: the command prints exactly one JSON object (errors too).
inline CLI::Option* addJsonFlag(CLI::App* command, bool& json) {
    return command->add_flag("--json", json, "Print one JSON object");
}

}  // namespace fovea::cli
