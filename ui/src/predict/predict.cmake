# The Predict page: a loaded model, dropped images, top-k scores, Grad-CAM, CSV; a detection
# run's boxes over the images, a score threshold, JSON/CSV/COCO results.
# model_predictor.cpp is the only one that includes LibTorch.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/detection_predict_view.cpp
    ${CMAKE_CURRENT_LIST_DIR}/detection_predict_view.h
    ${CMAKE_CURRENT_LIST_DIR}/model_predictor.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_predictor.h
    ${CMAKE_CURRENT_LIST_DIR}/predict_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/predict_page.h
)
