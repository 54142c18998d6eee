# The Runs page: the project's run folders as a list, and the comparison of several runs; the
# dialog that chooses a run's model for the other pages.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/detection_run_info.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_run_info.h
    ${CMAKE_CURRENT_LIST_DIR}/run_comparison.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_comparison.h
    ${CMAKE_CURRENT_LIST_DIR}/run_choice_dialog.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_choice_dialog.h
    ${CMAKE_CURRENT_LIST_DIR}/runs_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/runs_page.h
    ${CMAKE_CURRENT_LIST_DIR}/settings_diff.cpp
    ${CMAKE_CURRENT_LIST_DIR}/settings_diff.h
)
