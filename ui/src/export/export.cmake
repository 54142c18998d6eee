# The Export page: model bundles through core's parity gate.
# run_exporter.cpp is the only one that includes LibTorch.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/detection_exporter.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_exporter.h
    ${CMAKE_CURRENT_LIST_DIR}/export_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/export_page.h
    ${CMAKE_CURRENT_LIST_DIR}/run_exporter.cpp
    ${CMAKE_CURRENT_LIST_DIR}/run_exporter.h
)
