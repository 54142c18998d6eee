#pragma once

namespace fovea::core {

// Why preparing, running or reading back a training run failed: fovea-cli maps it to an exit
// code, the workbench to how it shows the message.
enum class RunFailure {
    Usage,    // a setting or path is wrong (not a run folder, unknown augmentation...)
    BadData,  // the data or model cannot be used (no images, one class, unreadable weights)
    Failure,  // something broke while running
};

}  // namespace fovea::core
