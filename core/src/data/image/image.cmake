# Included from core/CMakeLists.txt: paths are relative to core/.
# Header probing (format, size, refusal of absurd dimensions before any allocation), decoding
# to RGB with EXIF orientation, and the transforms (resize, crops, flips, rotation, jitter).
target_sources(fovea_core_data PRIVATE
    src/data/image/augmentation.cpp
    src/data/image/augmentation_level.cpp
    src/data/image/color_adjust.cpp
    src/data/image/exif_orientation.cpp
    src/data/image/heatmap_overlay.cpp
    src/data/image/image_decode.cpp
    src/data/image/image_encode.cpp
    src/data/image/image_probe.cpp
    src/data/image/png_chunks.cpp
    src/data/image/jpeg_end.cpp
    src/data/image/progressive_jpeg.cpp
    src/data/image/transforms.cpp
)
# Progressive JPEGs at 1/8 scale are decoded without their luma AC scans by libjpeg itself (the
# same libjpeg-turbo OpenCV decodes with).
find_package(JPEG REQUIRED)
target_link_libraries(fovea_core_data PRIVATE JPEG::JPEG)
