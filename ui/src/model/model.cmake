# The Model page: architecture, weights, head options and the freeze map.
# model_catalogue.cpp and network_choice.cpp are the only ones that include LibTorch.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/detection_model_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_model_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/detection_project_settings.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_project_settings.h
    ${CMAKE_CURRENT_LIST_DIR}/freeze_map.cpp
    ${CMAKE_CURRENT_LIST_DIR}/freeze_map.h
    ${CMAKE_CURRENT_LIST_DIR}/model_catalogue.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_catalogue.h
    ${CMAKE_CURRENT_LIST_DIR}/model_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_page.h
    ${CMAKE_CURRENT_LIST_DIR}/model_selection.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_selection.h
    ${CMAKE_CURRENT_LIST_DIR}/network_choice.cpp
    ${CMAKE_CURRENT_LIST_DIR}/network_choice.h
    ${CMAKE_CURRENT_LIST_DIR}/weights_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/weights_panel.h
)
