# Included from core/CMakeLists.txt: paths are relative to core/.
# Object-detection boxes (issue 24): COCO JSON, YOLO txt and Pascal VOC XML read and written,
# with per-file, per-line problem reports. Image sizes come from the image probe (no decoding).
find_package(nlohmann_json REQUIRED)
# pugixml reads and writes VOC's XML (Debian: libpugixml-dev); small, and it keeps each node's
# offset, which problem reports turn into line numbers.
find_package(pugixml REQUIRED)
target_sources(fovea_core_data PRIVATE
    src/data/detection/annotation_text.cpp
    src/data/detection/annotation_writing.cpp
    src/data/detection/box_checks.cpp
    src/data/detection/coco_read.cpp
    src/data/detection/coco_write.cpp
    src/data/detection/json_element_lines.cpp
    src/data/detection/upright_size.cpp
    src/data/detection/voc_read.cpp
    src/data/detection/voc_write.cpp
    src/data/detection/yolo_class_names.cpp
    src/data/detection/yolo_read.cpp
    src/data/detection/yolo_write.cpp
)
target_link_libraries(fovea_core_data PRIVATE nlohmann_json::nlohmann_json pugixml::pugixml)
# upright_size.cpp reads EXIF orientation with the image decoder's own parser.
set_source_files_properties(src/data/detection/upright_size.cpp PROPERTIES
    INCLUDE_DIRECTORIES ${CMAKE_CURRENT_SOURCE_DIR}/src/data/image)
