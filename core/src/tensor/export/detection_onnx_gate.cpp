// The detection ONNX file run as its consumers run it (OpenCV DNN for the two graphs, Fovea's box
// ops for the steps between and after), and the parity gate against the in-app model. This is
// the one OpenCV-side file of the export folder: a library of its own (fovea_detection_onnx_gate),
// so the writers stay buildable without OpenCV.
#include <torch/torch.h>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include "fovea/core/export/detection_onnx.h"

namespace fovea::core {
namespace {

using detection::Detections;

constexpr int64_t kFpnChannels = 256;

cv::Mat matFrom(const torch::Tensor& tensor) {
    std::vector<int> shape(tensor.sizes().begin(), tensor.sizes().end());
    // OpenCV copies nothing here; the caller keeps `tensor` alive while the Mat is in use.
    return cv::Mat(static_cast<int>(shape.size()), shape.data(), CV_32F, tensor.data_ptr<float>());
}

torch::Tensor tensorFrom(const cv::Mat& mat) {
    std::vector<int64_t> shape(mat.size.p, mat.size.p + mat.dims);
    return torch::from_blob(const_cast<float*>(mat.ptr<float>()), shape, torch::kFloat32).clone();
}

struct ProposalOutputs {
    std::vector<torch::Tensor> features;    // per recipe.roiAlignFeatures
    std::vector<torch::Tensor> objectness;  // per recipe.levels
    std::vector<torch::Tensor> deltas;
};

// The file in OpenCV DNN, both graphs behind plain calls.
class OnnxDetector {
  public:
    OnnxDetector(const std::filesystem::path& file, DetectionOnnxRecipe recipe)
        : m_recipe(std::move(recipe)), m_net(cv::dnn::readNetFromONNX(file.string())) {
        if (m_net.empty()) throw cv::Exception(0, "no network in the file", "", "", 0);
        // The box head's input has to be set for the proposal graph to run (one network).
        m_placeholder = torch::zeros(
            {1, kFpnChannels, m_recipe.roiOutputSize, m_recipe.roiOutputSize}, torch::kFloat32);
    }

    const DetectionOnnxRecipe& recipe() const { return m_recipe; }

    // padded: [1, 3, H, W] in [0, 1], padded with the mean colour.
    ProposalOutputs proposals(const torch::Tensor& padded) {
        const torch::Tensor image = padded.contiguous();
        m_net.setInput(matFrom(image), "image");
        m_net.setInput(matFrom(m_placeholder), "box_features");
        std::vector<std::string> names;
        for (const auto& name : m_recipe.roiAlignFeatures) names.push_back("feature." + name);
        for (const auto& level : m_recipe.levels) names.push_back("objectness." + level.name);
        for (const auto& level : m_recipe.levels) names.push_back("deltas." + level.name);
        std::vector<cv::Mat> mats;
        m_net.forward(mats, names);
        ProposalOutputs outputs;
        size_t index = 0;
        for (size_t i = 0; i < m_recipe.roiAlignFeatures.size(); ++i) {
            outputs.features.push_back(tensorFrom(mats.at(index++)));
        }
        for (size_t i = 0; i < m_recipe.levels.size(); ++i) {
            outputs.objectness.push_back(tensorFrom(mats.at(index++)));
        }
        for (size_t i = 0; i < m_recipe.levels.size(); ++i) {
            outputs.deltas.push_back(tensorFrom(mats.at(index++)));
        }
        return outputs;
    }

    // pooled [R, 256, 7, 7] -> class logits [R, C], box deltas [R, 4C].
    std::pair<torch::Tensor, torch::Tensor> boxHead(const torch::Tensor& pooled) {
        const auto classes = static_cast<int64_t>(m_recipe.classNames.size()) + 1;
        if (pooled.size(0) == 0) {
            return {torch::zeros({0, classes}), torch::zeros({0, 4 * classes})};
        }
        const torch::Tensor input = pooled.contiguous();
        m_net.setInput(matFrom(input), "box_features");
        std::vector<cv::Mat> mats;
        m_net.forward(mats, std::vector<std::string>{"class_logits", "box_deltas"});
        return {tensorFrom(mats.at(0)).view({-1, classes}),
                tensorFrom(mats.at(1)).view({-1, 4 * classes})};
    }

  private:
    DetectionOnnxRecipe m_recipe;
    cv::dnn::Net m_net;
    torch::Tensor m_placeholder;
};

detection::GeneralizedRcnnTransform transformOf(const DetectionOnnxRecipe& recipe) {
    return detection::GeneralizedRcnnTransform({recipe.minSize}, recipe.maxSize, recipe.imageMean,
                                               recipe.imageStd, recipe.sizeDivisible);
}

// Step 1's input: the resized image in [0, 1], padded with the mean colour to multiples of 32.
torch::Tensor paddedInput(const torch::Tensor& resized, const DetectionOnnxRecipe& recipe) {
    const auto roundUp = [&](int64_t side) {
        return (side + recipe.sizeDivisible - 1) / recipe.sizeDivisible * recipe.sizeDivisible;
    };
    torch::Tensor padded = torch::empty({1, 3, roundUp(resized.size(1)), roundUp(resized.size(2))});
    for (int64_t channel = 0; channel < 3; ++channel) {
        padded[0][channel].fill_(static_cast<float>(recipe.imageMean[channel]));
    }
    padded[0].narrow(1, 0, resized.size(1)).narrow(2, 0, resized.size(2)).copy_(resized);
    return padded;
}

// Step 2: anchors, decoding, top-k, NMS -> proposals [P, 4] in the resized image's pixels.
torch::Tensor proposalsFrom(const ProposalOutputs& outputs, const DetectionOnnxRecipe& recipe,
                            std::array<int64_t, 2> paddedSize, std::array<int64_t, 2> imageSize) {
    const detection::BoxCoder coder(recipe.rpnBoxWeights, recipe.boxXformClip);
    std::vector<torch::Tensor> boxes, scores, levels;
    for (size_t level = 0; level < recipe.levels.size(); ++level) {
        const torch::Tensor& logits = outputs.objectness[level];  // [1, A, h, w]
        const int64_t anchorsHere = logits.size(1), h = logits.size(2), w = logits.size(3);
        const auto& cells = recipe.levels[level].cellAnchors;
        TORCH_CHECK(static_cast<int64_t>(cells.size()) == anchorsHere, "level ",
                    recipe.levels[level].name, " has ", anchorsHere,
                    " anchors per cell, the recipe ", cells.size());
        torch::Tensor cell = torch::empty({anchorsHere, 4});
        for (int64_t a = 0; a < anchorsHere; ++a) {
            for (int64_t k = 0; k < 4; ++k) cell[a][k] = cells[static_cast<size_t>(a)][k];
        }
        const int64_t strideY = paddedSize[0] / h, strideX = paddedSize[1] / w;
        const auto grid = torch::meshgrid(
            {torch::arange(h, torch::kInt32) * strideY, torch::arange(w, torch::kInt32) * strideX},
            "ij");
        const torch::Tensor y = grid[0].reshape(-1), x = grid[1].reshape(-1);
        const torch::Tensor shifts = torch::stack({x, y, x, y}, 1);
        const torch::Tensor anchors =
            (shifts.view({-1, 1, 4}) + cell.view({1, -1, 4})).reshape({-1, 4});

        const torch::Tensor flatLogits = logits.permute({0, 2, 3, 1}).reshape(-1);
        const torch::Tensor flatDeltas = outputs.deltas[level]
                                             .view({1, anchorsHere, 4, h, w})
                                             .permute({0, 3, 4, 1, 2})
                                             .reshape({-1, 4});
        const torch::Tensor decoded = coder.decodeSingle(flatDeltas, anchors);
        const auto top =
            std::get<1>(flatLogits.topk(std::min(recipe.rpnPreNmsTopN, flatLogits.numel())));
        boxes.push_back(decoded.index({top}));
        scores.push_back(torch::sigmoid(flatLogits.index({top})));
        levels.push_back(torch::full({top.numel()}, static_cast<int64_t>(level), torch::kInt64));
    }
    torch::Tensor box = detection::clipBoxesToImage(torch::cat(boxes), imageSize);
    torch::Tensor score = torch::cat(scores);
    torch::Tensor lvl = torch::cat(levels);
    torch::Tensor keep = detection::removeSmallBoxes(box, recipe.rpnMinBoxSize);
    box = box.index({keep});
    score = score.index({keep});
    lvl = lvl.index({keep});
    keep = torch::where(score >= recipe.rpnScoreThresh)[0];
    box = box.index({keep});
    score = score.index({keep});
    lvl = lvl.index({keep});
    keep = detection::batchedNms(box, score, lvl, recipe.rpnNmsThresh)
               .slice(0, 0, recipe.rpnPostNmsTopN);
    return box.index({keep});
}

// Step 3: RoIAlign of the proposals over the pyramid's maps.
torch::Tensor pooledRegions(const std::vector<torch::Tensor>& features,
                            const DetectionOnnxRecipe& recipe, const torch::Tensor& proposals,
                            std::array<int64_t, 2> imageSize) {
    TORCH_CHECK(!recipe.roiAligned,
                "the recipe asks for aligned RoIAlign, which Faster R-CNN's "
                "MultiScaleRoIAlign does not do");
    detection::MultiScaleRoiAlign pool(
        recipe.roiAlignFeatures, {recipe.roiOutputSize, recipe.roiOutputSize},
        recipe.roiSamplingRatio, recipe.roiCanonicalScale, recipe.roiCanonicalLevel);
    torch::OrderedDict<std::string, torch::Tensor> maps;
    for (size_t index = 0; index < features.size(); ++index) {
        maps.insert(recipe.roiAlignFeatures[index], features[index]);
    }
    return pool(maps, {proposals}, {imageSize});
}

// Step 4: the box head's outputs to detections in the resized image's pixels.
Detections detectionsFrom(const torch::Tensor& logits, const torch::Tensor& deltas,
                          const torch::Tensor& proposals, const DetectionOnnxRecipe& recipe,
                          std::array<int64_t, 2> imageSize) {
    const int64_t classes = logits.size(1);
    const detection::BoxCoder coder(recipe.boxWeights, recipe.boxXformClip);
    torch::Tensor boxes =
        detection::clipBoxesToImage(coder.decode(deltas, {proposals}), imageSize);  // [R, C, 4]
    torch::Tensor scores = torch::softmax(logits, -1);
    torch::Tensor labels = torch::arange(classes, torch::kInt64).view({1, -1}).expand_as(scores);
    boxes = boxes.slice(1, 1).reshape({-1, 4});
    scores = scores.slice(1, 1).reshape(-1);
    labels = labels.slice(1, 1).reshape(-1);
    torch::Tensor keep = torch::where(scores > recipe.boxScoreThresh)[0];
    boxes = boxes.index({keep});
    scores = scores.index({keep});
    labels = labels.index({keep});
    keep = detection::removeSmallBoxes(boxes, recipe.boxMinSize);
    boxes = boxes.index({keep});
    scores = scores.index({keep});
    labels = labels.index({keep});
    keep = detection::batchedNms(boxes, scores, labels, recipe.boxNmsThresh)
               .slice(0, 0, recipe.detectionsPerImage);
    return {boxes.index({keep}), scores.index({keep}), labels.index({keep})};
}

Detections detect(OnnxDetector& detector, const torch::Tensor& image) {
    const DetectionOnnxRecipe& recipe = detector.recipe();
    TORCH_CHECK(image.dim() == 3 && image.size(0) == 3, "images must be [3, H, W], got ",
                image.sizes());
    // Bilinear resizing commutes with the per-channel normalisation, which the graph does.
    const torch::Tensor resized =
        transformOf(recipe).resize(image.to(torch::kFloat32), recipe.minSize);
    const std::array<int64_t, 2> imageSize{resized.size(1), resized.size(2)};
    const torch::Tensor padded = paddedInput(resized, recipe);
    const ProposalOutputs outputs = detector.proposals(padded);
    const torch::Tensor proposals =
        proposalsFrom(outputs, recipe, {padded.size(2), padded.size(3)}, imageSize);
    const auto [logits, deltas] =
        detector.boxHead(pooledRegions(outputs.features, recipe, proposals, imageSize));
    Detections found = detectionsFrom(logits, deltas, proposals, recipe, imageSize);
    found.boxes = detection::resizeBoxes(found.boxes, imageSize, {image.size(1), image.size(2)});
    return found;
}

// Evaluation mode without gradients for the model's own reference outputs; the mode restored.
class EvalPose {
  public:
    explicit EvalPose(torch::nn::Module& module)
        : m_module(module), m_training(module.is_training()) {
        module.eval();
    }
    ~EvalPose() { m_module.train(m_training); }
    EvalPose(const EvalPose&) = delete;
    EvalPose& operator=(const EvalPose&) = delete;

  private:
    torch::nn::Module& m_module;
    bool m_training;
    torch::NoGradGuard m_noGrad;
};

template <typename T>
std::shared_ptr<T> child(torch::nn::Module& module, const std::string& name) {
    const auto children = module.named_children();
    const auto* found = children.find(name);
    auto typed = found ? std::dynamic_pointer_cast<T>(*found) : nullptr;
    TORCH_CHECK(typed, "the model has no ", name, " module of the known kind");
    return typed;
}

// Widens `figure` by one output of the file against the in-app one.
void compareOutput(const torch::Tensor& fromFile, const torch::Tensor& inApp,
                   RawOutputDifference& figure) {
    TORCH_CHECK(fromFile.sizes() == inApp.sizes(), "shapes differ: ", fromFile.sizes(),
                " from the file, ", inApp.sizes(), " in-app");
    if (inApp.numel() == 0) return;
    figure.maxDifference =
        std::max(figure.maxDifference, (fromFile - inApp).abs().max().item<double>());
    figure.maxMagnitude = std::max(figure.maxMagnitude, inApp.abs().max().item<double>());
}

double lowestScore(const Detections& detections) {
    return detections.scores.numel() > 0 ? detections.scores.min().item<double>()
                                         : std::numeric_limits<double>::infinity();
}

// Pairs each expected detection with an unpaired found one of its label within the tolerance
// (the nearest box). Returns whether every detection on both sides found a partner or is excused
// (see DetectionOnnxParityReport::detectionsExcused).
bool matchDetections(const Detections& expected, const Detections& found,
                     const DetectionParityTolerance& tolerance, DetectionOnnxParityReport& report) {
    const int64_t count = expected.boxes.size(0), foundCount = found.boxes.size(0);
    std::vector<bool> used(static_cast<size_t>(foundCount), false);
    std::vector<bool> paired(static_cast<size_t>(count), false);
    int64_t matched = 0;
    for (int64_t i = 0; i < count; ++i) {
        int64_t best = -1;
        double bestBox = 0.0, bestScore = 0.0;
        for (int64_t j = 0; j < foundCount; ++j) {
            if (used[static_cast<size_t>(j)] ||
                expected.labels[i].item<int64_t>() != found.labels[j].item<int64_t>()) {
                continue;
            }
            const double box = (expected.boxes[i] - found.boxes[j]).abs().max().item<double>();
            const double score =
                std::abs(expected.scores[i].item<double>() - found.scores[j].item<double>());
            if (box <= tolerance.boxPixels && score <= tolerance.score &&
                (best < 0 || box < bestBox)) {
                best = j;
                bestBox = box;
                bestScore = score;
            }
        }
        if (best < 0) continue;
        used[static_cast<size_t>(best)] = true;
        paired[static_cast<size_t>(i)] = true;
        ++matched;
        report.maxBoxDifference = std::max(report.maxBoxDifference, bestBox);
        report.maxScoreDifference = std::max(report.maxScoreDifference, bestScore);
    }
    const double cutOffs[] = {lowestScore(expected), lowestScore(found)};
    // An unpaired detection that rounding may have paired differently (see
    // DetectionOnnxParityReport::detectionsExcused).
    const auto excusable = [&](const Detections& side, const Detections& other, int64_t index) {
        const double score = side.scores[index].item<double>();
        if (std::abs(score - cutOffs[0]) <= tolerance.score ||
            std::abs(score - cutOffs[1]) <= tolerance.score) {
            return true;
        }
        const torch::Tensor label = side.labels[index];
        const auto tied = [&](const Detections& detections) {
            return (detections.scores - score)
                .abs()
                .le(tolerance.score)
                .logical_and(detections.labels.eq(label))
                .sum()
                .item<int64_t>();
        };
        const int64_t group = tied(side);
        return group > 1 && group == tied(other);
    };
    int64_t expectedLeft = 0, foundLeft = 0, excused = 0;
    for (int64_t i = 0; i < count; ++i) {
        if (paired[static_cast<size_t>(i)]) continue;
        excusable(expected, found, i) ? ++excused : ++expectedLeft;
    }
    for (int64_t j = 0; j < foundCount; ++j) {
        if (used[static_cast<size_t>(j)]) continue;
        excusable(found, expected, j) ? ++excused : ++foundLeft;
    }
    report.detectionsCompared += count;
    report.detectionsMatched += matched;
    report.detectionsExcused += excused;
    return expectedLeft == 0 && foundLeft == 0;
}

Result<OnnxDetector> openDetector(const std::filesystem::path& file) {
    auto recipe = readDetectionOnnxRecipe(file);
    if (!recipe) return recipe.error();
    try {
        return OnnxDetector(file, std::move(recipe.value()));
    } catch (const cv::Exception& error) {
        return Error{file.string() + ": OpenCV DNN could not load it: " + error.what()};
    }
}

}  // namespace

Result<detection::Detections> runDetectionOnnx(const std::filesystem::path& file,
                                               const torch::Tensor& image) {
    auto detector = openDetector(file);
    if (!detector) return detector.error();
    try {
        torch::NoGradGuard noGrad;
        return detect(detector.value(), image);
    } catch (const cv::Exception& error) {
        return Error{file.string() + ": OpenCV DNN could not run it: " + error.what()};
    } catch (const c10::Error& error) {
        return Error{file.string() + ": " + error.what_without_backtrace()};
    }
}

Result<DetectionOnnxRawDifferences> compareDetectionOnnxRaw(detection::FasterRcnnImpl& model,
                                                            const std::filesystem::path& file,
                                                            const torch::Tensor& image) {
    auto opened = openDetector(file);
    if (!opened) return opened.error();
    OnnxDetector& detector = opened.value();
    const DetectionOnnxRecipe& recipe = detector.recipe();
    try {
        EvalPose pose(model);
        auto [batch, unused] = model.transform()({image}, {}, false);
        const detection::FeatureMaps maps = model.backbone()->forward(batch.tensors);
        auto [objectness, deltas] =
            child<detection::RpnHeadImpl>(*model.rpn(), "head")->forward(maps.values());
        // The file takes [0, 1] and normalises itself: undo the in-app normalisation (the zero
        // padding becomes the mean colour, as the recipe pads).
        const auto channel = [](const std::array<double, 3>& values) {
            return torch::tensor({values[0], values[1], values[2]}, torch::kFloat32)
                .view({1, 3, 1, 1});
        };
        const torch::Tensor input =
            batch.tensors * channel(recipe.imageStd) + channel(recipe.imageMean);
        const ProposalOutputs outputs = detector.proposals(input);

        DetectionOnnxRawDifferences differences;
        for (size_t index = 0; index < recipe.roiAlignFeatures.size(); ++index) {
            compareOutput(outputs.features[index], maps[recipe.roiAlignFeatures[index]],
                          differences.features);
        }
        for (size_t level = 0; level < recipe.levels.size(); ++level) {
            compareOutput(outputs.objectness[level], objectness[level], differences.objectness);
            compareOutput(outputs.deltas[level], deltas[level], differences.rpnDeltas);
        }
        const detection::RpnOutput proposals = model.rpn()->forward(batch, maps, {});
        std::vector<torch::Tensor> mapList;
        for (const auto& name : recipe.roiAlignFeatures) mapList.push_back(maps[name]);
        const torch::Tensor pooled =
            pooledRegions(mapList, recipe, proposals.proposals.at(0), batch.imageSizes.at(0));
        auto [logits, boxDeltas] =
            child<detection::FastRcnnPredictorImpl>(*model.roiHeads(), "box_predictor")
                ->forward(child<detection::TwoMlpHeadImpl>(*model.roiHeads(), "box_head")
                              ->forward(pooled));
        const auto [fileLogits, fileDeltas] = detector.boxHead(pooled);
        compareOutput(fileLogits, logits, differences.classLogits);
        compareOutput(fileDeltas, boxDeltas, differences.boxDeltas);
        differences.regions = pooled.size(0);
        return differences;
    } catch (const cv::Exception& error) {
        return Error{file.string() + ": OpenCV DNN could not run it: " + error.what()};
    } catch (const c10::Error& error) {
        return Error{file.string() + ": " + error.what_without_backtrace()};
    }
}

std::string DetectionOnnxParityReport::summary() const {
    std::ostringstream text;
    text << imagesAgreeing << " of " << imagesCompared << " images agree (" << detectionsMatched
         << " of " << detectionsCompared << " detections matched";
    if (detectionsExcused > 0) {
        text << ", " << detectionsExcused << " unpaired among near-equal scores";
    }
    text << "); max box difference " << maxBoxDifference << " px (tolerance " << tolerance.boxPixels
         << "), max score difference " << maxScoreDifference << " (tolerance " << tolerance.score
         << ")";
    return text.str();
}

Result<DetectionOnnxParityReport> checkDetectionOnnxParity(
    detection::FasterRcnnImpl& model, const std::filesystem::path& file,
    const std::vector<torch::Tensor>& images, const DetectionParityTolerance& tolerance) {
    auto opened = openDetector(file);
    if (!opened) return opened.error();
    DetectionOnnxParityReport report;
    report.tolerance = tolerance;
    std::vector<std::string> disagreements;
    try {
        EvalPose pose(model);
        using Clock = std::chrono::steady_clock;
        Clock::duration inAppTime{}, fileTime{};
        for (size_t index = 0; index < images.size(); ++index) {
            auto start = Clock::now();
            const Detections expected = model.forward({images[index]}).detections.at(0);
            inAppTime += Clock::now() - start;
            start = Clock::now();
            const Detections found = detect(opened.value(), images[index]);
            fileTime += Clock::now() - start;
            ++report.imagesCompared;
            if (matchDetections(expected, found, tolerance, report)) {
                ++report.imagesAgreeing;
            } else if (disagreements.size() < 5) {
                disagreements.push_back("image " + std::to_string(index) + ": " +
                                        std::to_string(expected.boxes.size(0)) + " in-app, " +
                                        std::to_string(found.boxes.size(0)) + " from the file");
            }
        }
        if (!images.empty()) {
            const auto perImage = [&](Clock::duration total) {
                return std::chrono::duration<double, std::milli>(total).count() /
                       static_cast<double>(images.size());
            };
            report.inAppMillisecondsPerImage = perImage(inAppTime);
            report.fileMillisecondsPerImage = perImage(fileTime);
        }
    } catch (const cv::Exception& error) {
        return Error{file.string() + ": OpenCV DNN could not run it: " + error.what()};
    } catch (const c10::Error& error) {
        return Error{file.string() + ": " + error.what_without_backtrace()};
    }
    if (report.imagesAgreeing != report.imagesCompared) {
        std::string message = file.string() + ": ONNX parity failed: " + report.summary();
        for (const auto& each : disagreements) message += "; " + each;
        return Error{message};
    }
    return report;
}

}  // namespace fovea::core
