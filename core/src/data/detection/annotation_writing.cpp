#include "annotation_writing.h"

#include <algorithm>
#include <system_error>

#include "fovea/core/atomic_file.h"

namespace fovea::core::detection::box_formats {

namespace fs = std::filesystem;

Result<void> checkWritable(const BoxAnnotations& annotations) {
    for (const ImageBoxes& image : annotations.images) {
        const fs::path normal = image.image.lexically_normal();
        if (normal.empty() || normal.is_absolute() || *normal.begin() == "..") {
            return Error{"cannot write the boxes of image \"" + image.image.string() +
                         "\": its path must be relative to the images folder"};
        }
        for (const Box& box : image.boxes) {
            if (std::find(annotations.classes.begin(), annotations.classes.end(), box.className) ==
                annotations.classes.end()) {
                return Error{"cannot write the boxes of " + image.image.string() + ": class \"" +
                             box.className + "\" is not in the class list"};
            }
        }
    }
    return {};
}

Result<void> writeAnnotationFile(const fs::path& file, std::string_view content) {
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    if (ec) {
        return Error{"Cannot create folder " + file.parent_path().string() + ": " + ec.message(),
                     ErrorKind::Io};
    }
    return files::writeFileAtomically(file, content);
}

}  // namespace fovea::core::detection::box_formats
