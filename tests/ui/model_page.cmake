# The Model page's tests.
fovea_add_test(NAME ui_model_page_tests
    SOURCES
        model_page_test.cpp
        ../support/background_process.cpp
        ../support/run_process.cpp
    LIBS fovea::ui Qt6::Test
    LABELS ui
    ENV "QT_QPA_PLATFORM=offscreen")
set_target_properties(ui_model_page_tests PROPERTIES AUTOMOC ON)
# The page's headers live with the sources (ui/src), not in fovea_ui's public include folder.
target_include_directories(ui_model_page_tests PRIVATE ${PROJECT_SOURCE_DIR}/ui/src
                                                       ${PROJECT_SOURCE_DIR}/tests/support)
