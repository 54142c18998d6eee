# The Data page: image browser, classes, labeling and its undo commands.
target_sources(fovea_ui PRIVATE
    src/data/class_list.cpp
    src/data/class_list.h
    src/data/data_page.cpp
    src/data/data_page.h
    src/data/image_list_model.cpp
    src/data/image_list_model.h
    src/data/image_view_filter.cpp
    src/data/image_view_filter.h
    src/data/labeling_commands.cpp
    src/data/labeling_commands.h
    src/data/preview_pane.cpp
    src/data/preview_pane.h
    src/data/thumbnail_cache.cpp
    src/data/thumbnail_cache.h
    src/data/thumbnail_delegate.cpp
    src/data/thumbnail_delegate.h
)
