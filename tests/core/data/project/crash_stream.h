#pragma once

// The label-change stream of the crash test, shared by the child that applies it and the test
// that checks what survived a SIGKILL.

#include <cstddef>
#include <optional>
#include <vector>

#include "fovea/core/project/project_types.h"

namespace fovea::test {

struct CrashChange {
    std::vector<core::ImageId> ids;  // a bulk change: several images in one transaction
    std::optional<core::ClassId> classId;
};

// Change n labels three consecutive images (wrapping around) with class n mod (classes + 1),
// the extra value meaning unlabeled.
inline CrashChange crashChange(int n, const std::vector<core::ImageId>& images,
                               const std::vector<core::ClassId>& classes) {
    CrashChange change;
    for (int k = 0; k < 3; ++k) {
        change.ids.push_back(images[static_cast<std::size_t>(n + k) % images.size()]);
    }
    const std::size_t choice = static_cast<std::size_t>(n) % (classes.size() + 1);
    if (choice < classes.size()) change.classId = classes[choice];
    return change;
}

}  // namespace fovea::test
