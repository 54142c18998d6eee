# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_detection_metrics: COCO-style mAP and the error breakdown of object detections (issue 24,
# point 4) on plain boxes; no LibTorch, OpenCV or other dependency, so training, the CLI and the
# workbench's error browser share it and its tests build in seconds.
add_library(fovea_detection_metrics STATIC src/data/detection/metrics/detection_metrics.cpp)
add_library(fovea::detection_metrics ALIAS fovea_detection_metrics)
target_include_directories(fovea_detection_metrics PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(fovea_detection_metrics PRIVATE fovea_warnings)
