# The Model page's tests (a real HTTP server on 127.0.0.1 for the download).
fovea_add_ui_test(ui_model_page_tests model_page_test.cpp
    ../support/background_process.cpp ../support/run_process.cpp)
target_include_directories(ui_model_page_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
