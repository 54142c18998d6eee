# Included from core/CMakeLists.txt: paths are relative to core/.
# fovea_training: the trainer (optimizers, schedules, metrics, checkpoints, feature cache) and
# the run folder it writes.
add_library(fovea_training STATIC)
fovea_target_unity_sources(fovea_training BATCH 8 SOURCES
    src/tensor/training/adamw.cpp
    src/tensor/training/batch_size_search.cpp
    src/tensor/training/checkpoint.cpp
    src/tensor/training/confusion_matrix.cpp
    src/tensor/training/crc32c.cpp
    src/tensor/training/device_setup.cpp
    src/tensor/training/feature_cache.cpp
    src/tensor/training/lr_finder.cpp
    src/tensor/training/loss_scaler.cpp
    src/tensor/training/lr_schedule.cpp
    src/tensor/training/optimizer_setup.cpp
    src/tensor/training/report_json.cpp
    src/tensor/training/run_activity.cpp
    src/tensor/training/run_files.cpp
    src/tensor/training/run_folder.cpp
    src/tensor/training/run_metrics_csv.cpp
    src/tensor/training/tensorboard_reader.cpp
    src/tensor/training/tensorboard_writer.cpp
    src/tensor/training/trainer.cpp
    src/tensor/training/trainer_epoch.cpp
    src/tensor/training/training_config.cpp
)
add_library(fovea::training ALIAS fovea_training)
target_link_libraries(fovea_training PUBLIC fovea_models fovea_file_io fovea_distributed
                                            nlohmann_json::nlohmann_json
                                     PRIVATE fovea_warnings)
fovea_use_torch_pch(fovea_training)
