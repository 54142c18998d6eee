# The Data page: image browser, classes, labeling and its undo commands.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/class_chooser.cpp
    ${CMAKE_CURRENT_LIST_DIR}/class_chooser.h
    ${CMAKE_CURRENT_LIST_DIR}/class_list.cpp
    ${CMAKE_CURRENT_LIST_DIR}/class_list.h
    ${CMAKE_CURRENT_LIST_DIR}/class_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/class_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/data_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/data_page.h
    ${CMAKE_CURRENT_LIST_DIR}/image_filter_bar.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_filter_bar.h
    ${CMAKE_CURRENT_LIST_DIR}/image_grid_menu.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_grid_menu.h
    ${CMAKE_CURRENT_LIST_DIR}/image_list_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_list_model.h
    ${CMAKE_CURRENT_LIST_DIR}/image_view_filter.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_view_filter.h
    ${CMAKE_CURRENT_LIST_DIR}/labeling_commands.cpp
    ${CMAKE_CURRENT_LIST_DIR}/labeling_commands.h
    ${CMAKE_CURRENT_LIST_DIR}/preview_pane.cpp
    ${CMAKE_CURRENT_LIST_DIR}/preview_pane.h
    ${CMAKE_CURRENT_LIST_DIR}/thumbnail_cache.cpp
    ${CMAKE_CURRENT_LIST_DIR}/thumbnail_cache.h
    ${CMAKE_CURRENT_LIST_DIR}/thumbnail_delegate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/thumbnail_delegate.h
)
