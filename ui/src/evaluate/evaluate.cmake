# The Evaluate page: a run's evaluation, the confusion heatmap, per-class figures, top losses.
# run_evaluation.cpp is the only one that includes LibTorch.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/confusion_matrix_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/confusion_matrix_view.h
    ${CMAKE_CURRENT_LIST_DIR}/evaluate_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/evaluate_page.h
    ${CMAKE_CURRENT_LIST_DIR}/image_tile_delegate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_tile_delegate.h
    ${CMAKE_CURRENT_LIST_DIR}/run_evaluation.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_evaluation.h
)
