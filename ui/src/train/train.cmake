# The Train page: settings, the training worker thread and the live charts.
# training_worker.cpp is the only one that includes LibTorch.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/train_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_page.h
    ${CMAKE_CURRENT_LIST_DIR}/training_charts.cpp
    ${CMAKE_CURRENT_LIST_DIR}/training_charts.h
    ${CMAKE_CURRENT_LIST_DIR}/training_events.h
    ${CMAKE_CURRENT_LIST_DIR}/training_request.h
    ${CMAKE_CURRENT_LIST_DIR}/training_worker.cpp
    ${CMAKE_CURRENT_LIST_DIR}/training_worker.h
)
