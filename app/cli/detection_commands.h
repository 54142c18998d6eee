#pragma once

// train, eval and predict for detection projects and runs (issue 24, point 6): the commands
// hand over here when the project's task (or the run's config.json) says detection.

#include <cstdint>
#include <filesystem>

#include "demo_command.h"
#include "eval_command.h"
#include "predict_command.h"
#include "train_command.h"

namespace fovea::cli {

// Whether `train` is about a detection project: --resume of a detection run, or --data naming a
// detection project.
bool isDetectionTraining(const TrainOptions& options);
// Trains with the flags train shares (epochs, batch size, learning rate, optimizer, schedule,
// warmup, weight decay, validation fraction, seed, device, augmentation) plus --min-size and
// --max-size; the defaults that differ from classification's (SGD, lr 0.01, weight decay
// 1e-4, batch size 4) apply where the flag was not given.
int runDetectionTrain(const TrainOptions& options);

// eval --run of a detection run: COCO mAP@[.5:.95], AP50, AP75 and per class on its validation
// images (or --data's), the error breakdown, and RUN/evaluation.json with every image's boxes.
int runDetectionEval(const EvalOptions& options);

// predict --model of a detection run: boxes per image as JSON (and --csv rows, --coco-results).
int runDetectionPredict(const PredictOptions& options);

// demo --task detection (issue 24, point 6): writes OUT/data (writeDetectionDemoFolder: garments
// pasted onto photographs, a COCO file), imports it as the detection project OUT/project, and
// fine-tunes fasterrcnn_mobilenet_v2_fpn from the offline weights into OUT/project/runs/demo
// (its validation mAP and AP50, and model.safetensors). Offline, a few minutes on two cores.
inline constexpr std::int64_t kDetectionDemoEpochs = 8;
int runDetectionDemo(const DemoOptions& options);

}  // namespace fovea::cli
