# The Predict page: a loaded model, dropped images, top-k scores, Grad-CAM, CSV.
# model_predictor.cpp is the only one that includes LibTorch.
target_sources(fovea_ui PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/model_predictor.cpp
    ${CMAKE_CURRENT_LIST_DIR}/model_predictor.h
    ${CMAKE_CURRENT_LIST_DIR}/predict_page.cpp
    ${CMAKE_CURRENT_LIST_DIR}/predict_page.h
)
