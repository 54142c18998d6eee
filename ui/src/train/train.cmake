# The Train page: settings, the training worker thread and the live charts.
# lr_finder_panel.cpp and training_worker.cpp include LibTorch (core's session).
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/cluster_command.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cluster_command.h
    ${CMAKE_CURRENT_LIST_DIR}/cluster_command_dialog.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cluster_command_dialog.h
    ${CMAKE_CURRENT_LIST_DIR}/detection_settings_form.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_settings_form.h
    ${CMAKE_CURRENT_LIST_DIR}/detection_training_worker.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_training_worker.h
    ${CMAKE_CURRENT_LIST_DIR}/estimate_text.cpp
    ${CMAKE_CURRENT_LIST_DIR}/estimate_text.h
    ${CMAKE_CURRENT_LIST_DIR}/first_run.cpp
    ${CMAKE_CURRENT_LIST_DIR}/first_run.h
    ${CMAKE_CURRENT_LIST_DIR}/lr_finder_panel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lr_finder_panel.h
    ${CMAKE_CURRENT_LIST_DIR}/run_follower.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_follower.h
    ${CMAKE_CURRENT_LIST_DIR}/run_time_estimator.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_time_estimator.h
    ${CMAKE_CURRENT_LIST_DIR}/train_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_page.h
    ${CMAKE_CURRENT_LIST_DIR}/train_page_settings.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_page_settings.h
    ${CMAKE_CURRENT_LIST_DIR}/training_charts.cpp
    ${CMAKE_CURRENT_LIST_DIR}/training_charts.h
    ${CMAKE_CURRENT_LIST_DIR}/training_events.h
    ${CMAKE_CURRENT_LIST_DIR}/training_request.cpp
    ${CMAKE_CURRENT_LIST_DIR}/training_request.h
    ${CMAKE_CURRENT_LIST_DIR}/training_worker.cpp
    ${CMAKE_CURRENT_LIST_DIR}/training_worker.h
    ${CMAKE_CURRENT_LIST_DIR}/watch_set_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/watch_set_view.h
)
