# The Evaluate page: a run's evaluation, the confusion heatmap, per-class figures, top losses;
# for a detection run COCO's figures and the error browser.
# run_evaluation.cpp is the only one that includes LibTorch.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/confusion_matrix_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/confusion_matrix_view.h
    ${CMAKE_CURRENT_LIST_DIR}/detection_error_browser.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_error_browser.h
    ${CMAKE_CURRENT_LIST_DIR}/detection_errors.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_errors.h
    ${CMAKE_CURRENT_LIST_DIR}/detection_evaluation_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_evaluation_view.h
    ${CMAKE_CURRENT_LIST_DIR}/detection_overlay.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_overlay.h
    ${CMAKE_CURRENT_LIST_DIR}/evaluate_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/evaluate_page.h
    ${CMAKE_CURRENT_LIST_DIR}/image_tile_delegate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_tile_delegate.h
    ${CMAKE_CURRENT_LIST_DIR}/run_evaluation.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_evaluation.h
)
