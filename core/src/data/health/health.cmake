# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_health: a dataset's health before training (duplicates and leaks, unreadable files,
# class balance), from the project and the files alone (OpenCV, SHA-256; no LibTorch).
add_library(fovea_health STATIC
    src/data/health/dataset_health.cpp
    src/data/health/duplicate_groups.cpp
    src/data/health/image_fingerprint.cpp
)
target_link_libraries(fovea_health PUBLIC fovea_core_data fovea_download PRIVATE fovea_warnings)
