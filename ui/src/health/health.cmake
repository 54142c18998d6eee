# The Health page: the dataset check-up (duplicates and leaks, suspected label errors, class
# balance, unreadable files, the embedding map) and the undoable fixes it offers.
# health_checkup.cpp runs on the page's job thread; the views only show and push commands.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/class_balance_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/class_balance_view.h
    ${CMAKE_CURRENT_LIST_DIR}/duplicates_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/duplicates_view.h
    ${CMAKE_CURRENT_LIST_DIR}/embedding_map_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/embedding_map_view.h
    ${CMAKE_CURRENT_LIST_DIR}/fitted_thumbnail.h
    ${CMAKE_CURRENT_LIST_DIR}/health_checkup.cpp
    ${CMAKE_CURRENT_LIST_DIR}/health_checkup.h
    ${CMAKE_CURRENT_LIST_DIR}/health_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/health_page.h
    ${CMAKE_CURRENT_LIST_DIR}/map_projection_bar.cpp
    ${CMAKE_CURRENT_LIST_DIR}/map_projection_bar.h
    ${CMAKE_CURRENT_LIST_DIR}/label_issues_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/label_issues_view.h
    ${CMAKE_CURRENT_LIST_DIR}/unreadable_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/unreadable_view.h
)
