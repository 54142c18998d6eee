# Included from core/CMakeLists.txt: paths are relative to core/.
# The project folder: SQLite label store, import (folders, CSV), splits and export.
target_sources(fovea_core_data PRIVATE
    src/data/project/class_palette.cpp
    src/data/project/csv_export.cpp
    src/data/project/csv_format.cpp
    src/data/project/csv_import.cpp
    src/data/project/detection_export.cpp
    src/data/project/detection_import.cpp
    src/data/project/detection_source.cpp
    src/data/project/fashion_mnist.cpp
    src/data/project/folder_import.cpp
    src/data/project/folder_scan.cpp
    src/data/project/folder_walk.cpp
    src/data/project/image_folder_export.cpp
    src/data/project/import_common.cpp
    src/data/project/project_paths.cpp
    src/data/project/project_store.cpp
    src/data/project/project_store_boxes.cpp
    src/data/project/project_store_classes.cpp
    src/data/project/project_store_import.cpp
    src/data/project/project_store_suggestions.cpp
    src/data/project/project_types.cpp
    src/data/project/schema.cpp
    src/data/project/splits.cpp
    src/data/project/sqlite_database.cpp
)
