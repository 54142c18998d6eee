#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

// A trained Faster R-CNN (faster_rcnn.h, every architecture) as ONNX that OpenCV's DNN module
// runs, and the parity gate that checks such a file against the in-app model.
//
// What the file computes. OpenCV 4.6's ONNX importer has no RoiAlign, NonMaxSuppression or TopK,
// so a Faster R-CNN cannot be one graph it runs. The file holds the network's two learned parts
// as two independent graphs in one ONNX file; the consumer does the steps between and after them
// (no learned weights: anchors, box decoding, top-k, NMS, RoIAlign), exactly as written in the
// file's metadata ("fovea.contract" in words, "fovea.detection_recipe" as JSON with every
// number) and in DetectionOnnxRecipe below.
//   1. Proposal network. Input "image" float32 [1, 3, H, W], RGB in [0, 1]: the image resized
//      with the recipe's rule (shorter side to minSize, longer side at most maxSize, bilinear,
//      the size floored from the float scale), then padded at the bottom and right to multiples
//      of 32 with the per-channel mean (which the graph's own (x - mean) / std turns into the
//      zeros torchvision pads with). Outputs, per pyramid level L of the recipe (finest first):
//      "objectness.L" [1, A, h, w] (logits) and "deltas.L" [1, 4A, h, w] (the RPN's box deltas,
//      anchor-major: channel 4a + k is coordinate k of anchor a); and "feature.N" [1, 256, h, w]
//      for each map RoIAlign pools ("0" .. "3" where the pyramid has them; not "pool").
//   2. Box head. Input "box_features" float32 [R, 256, 7, 7], the RoIAlign output of R regions;
//      outputs "class_logits" [R, C] and "box_deltas" [R, 4C] (C counts the background, class
//      0). Its nodes come first in the file: OpenCV's Net::forward runs every layer added before
//      the requested one, so asking for the box head's outputs does not rerun the backbone.
// One file rather than two: one path to export, copy and load (fovea-cli export --out FILE),
// and one set of metadata for both halves. An OpenCV user sets both inputs (any [1, 256, 7, 7]
// box_features for step 1), forwards the proposal outputs, does the steps between, sets
// box_features and forwards the box head's outputs.
//
// The consumer's steps (runDetectionOnnx does them with Fovea's own box ops, box_ops.h):
// anchors per level from the recipe's cell anchors, shifted by (column, row) * stride with
// stride = padded image size // map size per axis; RPN deltas decoded (weights 1, 1, 1, 1, width
// and height offsets clamped to log(1000 / 16)); per level the preNmsTopN highest logits;
// sigmoid; boxes clipped to the resized (unpadded) image; boxes under 1e-3 px wide or high
// dropped; scores below the RPN score threshold dropped; NMS per level (IoU > nmsThresh
// suppresses); the postNmsTopN best kept. RoIAlign of the proposals from the level FPN's
// equation picks (k = floor(4 + log2(sqrt(area) / 224) + 1e-6) clamped to the levels
// present), 7 x 7 bins, sampling ratio 2, aligned false, scale = the nearest power of 2 of map
// height / resized image height (1/4 for a stride-4 map). Then softmax of class_logits; box_deltas
// decoded per class (weights 10, 10, 5, 5, same clamp) against the proposals; clipped; the
// background dropped; scores > scoreThresh; boxes under 1e-2 px dropped; NMS per class (nmsThresh);
// the detectionsPerImage best; boxes scaled back by original / resized size per axis.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/detection/faster_rcnn.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Every number of the consumer's steps, as written into the file ("fovea.detection_recipe").
struct DetectionOnnxRecipe {
    std::string architecture;             // "fasterrcnn_mobilenet_v3_large_fpn", ...
    std::vector<std::string> classNames;  // label L >= 1 is classNames[L - 1]
    int64_t minSize = 800;
    int64_t maxSize = 1333;
    int64_t sizeDivisible = 32;
    std::array<double, 3> imageMean{};
    std::array<double, 3> imageStd{};

    struct Level {
        std::string name;  // "0", "1", ..., "pool": outputs objectness.<name>, deltas.<name>
        std::vector<int64_t> anchorSizes;
        std::vector<double> aspectRatios;
        std::vector<std::array<float, 4>> cellAnchors;  // A boxes around (0, 0), channel order
    };
    std::vector<Level> levels;
    std::vector<std::string> roiAlignFeatures;  // outputs feature.<name>, finest first

    std::array<double, 4> rpnBoxWeights{1.0, 1.0, 1.0, 1.0};
    double boxXformClip = detection::BoxCoder::kDefaultXformClip;
    int64_t rpnPreNmsTopN = 1000;
    int64_t rpnPostNmsTopN = 1000;
    double rpnNmsThresh = 0.7;
    double rpnScoreThresh = 0.0;
    double rpnMinBoxSize = 1e-3;

    int64_t roiOutputSize = 7;
    int64_t roiSamplingRatio = 2;
    bool roiAligned = false;
    int64_t roiCanonicalScale = 224;
    int64_t roiCanonicalLevel = 4;

    std::array<double, 4> boxWeights{10.0, 10.0, 5.0, 5.0};
    double boxScoreThresh = 0.05;
    double boxNmsThresh = 0.5;
    int64_t detectionsPerImage = 100;
    double boxMinSize = 1e-2;
};

// The recipe of `model` (eval-mode settings: the last min size, the test top-n).
DetectionOnnxRecipe detectionOnnxRecipe(detection::FasterRcnnImpl& model,
                                        const std::vector<std::string>& classNames);

// Writes the file described above, with metadata_props fovea.architecture, fovea.labels (JSON
// array, without the background), fovea.detection_recipe (JSON) and fovea.contract (text).
// classNames: one per class after the background (numClasses - 1). The model must be on the CPU;
// its mode and requires_grad flags are left as they were. Passes the ONNX checker; written
// atomically. Errors name the file.
Result<void> writeDetectionOnnx(detection::FasterRcnnImpl& model,
                                const std::vector<std::string>& classNames,
                                const std::filesystem::path& file);

// The recipe read back from a file writeDetectionOnnx wrote; errors name the file and what is
// missing or malformed.
Result<DetectionOnnxRecipe> readDetectionOnnxRecipe(const std::filesystem::path& file);

// ---- Running the file with OpenCV DNN (library fovea_detection_onnx_gate) -------------------

// The consumer's steps above with OpenCV DNN running the file: image [3, H, W] float RGB in
// [0, 1] -> detections in its own pixels.
Result<detection::Detections> runDetectionOnnx(const std::filesystem::path& file,
                                               const torch::Tensor& image);

// How each raw output of the file (run by OpenCV DNN) differs from the in-app module's on one
// image: the pyramid maps, the RPN's objectness and deltas (the file's proposal graph on the
// in-app padded batch), and the box head's logits and deltas on the in-app model's own pooled
// proposals. Each figure: the largest absolute difference and the largest absolute in-app
// value (its scale; a difference means little on outputs that are all near 0).
struct RawOutputDifference {
    double maxDifference = 0.0;
    double maxMagnitude = 0.0;
};
struct DetectionOnnxRawDifferences {
    RawOutputDifference features;
    RawOutputDifference objectness;
    RawOutputDifference rpnDeltas;
    RawOutputDifference classLogits;
    RawOutputDifference boxDeltas;
    int64_t regions = 0;  // proposals the box head compared on
};
Result<DetectionOnnxRawDifferences> compareDetectionOnnxRaw(detection::FasterRcnnImpl& model,
                                                            const std::filesystem::path& file,
                                                            const torch::Tensor& image);

// Two detections agree when they have the same label, every box coordinate is within
// boxPixels (in the original image's pixels) and the scores within `score`.
struct DetectionParityTolerance {
    double boxPixels = 0.25;
    double score = 5e-4;
};

struct DetectionOnnxParityReport {
    int64_t imagesCompared = 0;
    int64_t imagesAgreeing = 0;      // every detection of the model has one in the file's, and back
    int64_t detectionsCompared = 0;  // the in-app model's, over all images
    int64_t detectionsMatched = 0;
    // Detections without a partner (either side's) whose pairing rounding decides, which do not
    // fail an image: those scoring within the score tolerance of the lowest score kept on either
    // side (the partner fell just past the cut-off, the detections-per-image limit or the score
    // threshold, on the other side), and those among several of their label with scores within
    // the tolerance of each other, as many on each side (which of them non-maximum suppression
    // keeps follows their order).
    int64_t detectionsExcused = 0;
    double maxBoxDifference = 0.0;    // pixels, over matched pairs
    double maxScoreDifference = 0.0;  // over matched pairs
    // Time per image of the file's steps (OpenCV DNN and the consumer's steps between) and of
    // the in-app model's forward pass, on the same images.
    double fileMillisecondsPerImage = 0.0;
    double inAppMillisecondsPerImage = 0.0;
    DetectionParityTolerance tolerance;
    std::string summary() const;  // the figures in one line
};

// The parity gate: runDetectionOnnx on each image ([3, H, W] RGB in [0, 1]) against the model's
// own evaluation output (eval mode, no gradients; its mode is restored). An error when any image
// disagrees, its message the summary and the first images that disagree; an error also when the
// file cannot be read or run.
Result<DetectionOnnxParityReport> checkDetectionOnnxParity(
    detection::FasterRcnnImpl& model, const std::filesystem::path& file,
    const std::vector<torch::Tensor>& images, const DetectionParityTolerance& tolerance = {});

}  // namespace fovea::core
