// Faster R-CNN against torchvision itself: Debian's python3-torchvision builds the three
// detectors with fixed random weights (faster_rcnn_reference.py) and records every stage on two
// images of different sizes; ours loads the same state dict and must give the same batch,
// pyramid, proposals, box head logits, detections (all of them: labels exactly, boxes and scores
// within 1e-4) and training losses.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fovea/core/detection/faster_rcnn.h"
#include "python_fixtures.h"

namespace fovea::core::detection {
namespace {

// Largest |a - b| (0 for two empty tensors); infinity for different shapes.
double maxDifference(const torch::Tensor& actual, const torch::Tensor& expected) {
    EXPECT_EQ(actual.sizes(), expected.sizes());
    if (actual.sizes() != expected.sizes()) return INFINITY;
    if (actual.numel() == 0) return 0.0;
    return (actual.detach().to(torch::kFloat64) - expected.detach().to(torch::kFloat64))
        .abs()
        .max()
        .item<double>();
}

struct Config {
    std::string name;
    FasterRcnnArchitecture architecture;
    FasterRcnnOptions options;
};

// The models faster_rcnn_reference.py builds, with the options its torchvision builders use.
Config config(const std::string& name) {
    if (name == "mobilenet_320") {
        auto options = fasterRcnnDefaults(FasterRcnnArchitecture::kMobileNetV3Large320Fpn);
        options.numClasses = 4;
        return {name, FasterRcnnArchitecture::kMobileNetV3Large320Fpn, options};
    }
    if (name == "mobilenet") {
        auto options = fasterRcnnDefaults(FasterRcnnArchitecture::kMobileNetV3LargeFpn);
        options.numClasses = 4;
        options.frozenBatchNorm = false;  // weights=None: nn.BatchNorm2d, all 6 stages train
        options.trainableBackboneLayers = 6;
        options.minSize = {400};
        options.maxSize = 666;
        return {name, FasterRcnnArchitecture::kMobileNetV3LargeFpn, options};
    }
    auto options = fasterRcnnDefaults(FasterRcnnArchitecture::kResNet50Fpn);
    options.numClasses = 4;
    options.frozenBatchNorm = false;
    options.trainableBackboneLayers = 5;
    options.minSize = {224};
    options.maxSize = 320;
    return {name, FasterRcnnArchitecture::kResNet50Fpn, options};
}

class FasterRcnnParity : public testing::TestWithParam<std::string> {
  public:
    static void SetUpTestSuite() {
        torch::set_num_threads(2);
        s_fixtures = std::make_unique<test::PythonFixtures>("fovea-faster-rcnn");
        const auto python =
            s_fixtures->generate("tests/core/tensor/detection/faster_rcnn_reference.py", {});
        ASSERT_EQ(python.exitCode, 0) << python.output;
        std::printf("%s", python.output.c_str());
    }
    static void TearDownTestSuite() { s_fixtures.reset(); }

  protected:
    static torch::Tensor get(const StateDict& dict, const std::string& key) {
        const torch::Tensor* found = dict.find(key);
        if (found == nullptr) throw std::runtime_error("no " + key + " in the reference");
        return *found;
    }
    static double expectClose(const torch::Tensor& actual, const torch::Tensor& expected,
                              const std::string& what, double tolerance) {
        const double difference = maxDifference(actual, expected);
        EXPECT_LE(difference, tolerance) << what;
        std::printf("  %-28s max |difference| %.3g\n", what.c_str(), difference);
        return difference;
    }
    // Relative difference of two scalars.
    static void expectLoss(const torch::Tensor& actual, const torch::Tensor& expected,
                           const std::string& what) {
        const double a = actual.item<double>();
        const double b = expected.item<double>();
        const double relative = std::abs(a - b) / std::max(std::abs(b), 1e-12);
        EXPECT_LE(relative, 1e-5) << what << ": ours " << a << ", torchvision " << b;
        std::printf("  %-28s %.7f vs %.7f (relative %.2g)\n", what.c_str(), a, b, relative);
    }

    void SetUp() override {
        const Config cfg = config(GetParam());
        m_model = FasterRcnn(cfg.architecture, cfg.options);
        auto loaded = loadDetectionStateDict(*m_model, s_fixtures->read(cfg.name + "_weights.pth"),
                                             cfg.name + "_weights.pth");
        ASSERT_TRUE(loaded.ok()) << loaded.error().message;
        m_reference = s_fixtures->read(cfg.name + "_outputs.pth");
        const StateDict inputs = s_fixtures->read("inputs.pth");
        for (int index = 0; index < 2; ++index) {
            const std::string suffix = "_" + std::to_string(index);
            m_images.push_back(get(inputs, "image" + suffix));
            m_targets.push_back({get(inputs, "boxes" + suffix), get(inputs, "labels" + suffix)});
        }
    }

    // Reference detections whose score is within 1e-5 of another of the same class and image.
    int64_t nearTies() const {
        int64_t count = 0;
        for (int index = 0; index < 2; ++index) {
            const std::string suffix = "_" + std::to_string(index);
            const torch::Tensor scores = get(m_reference, "scores" + suffix);
            const torch::Tensor labels = get(m_reference, "labels" + suffix);
            const torch::Tensor close = (scores.unsqueeze(0) - scores.unsqueeze(1)).abs() < 1e-5;
            const torch::Tensor same = labels.unsqueeze(0) == labels.unsqueeze(1);
            count += (close.logical_and(same).sum().item<int64_t>() - scores.numel()) / 2;
        }
        return count;
    }

    void expectSameDetections(const std::vector<Detections>& detections, const std::string& what) {
        ASSERT_EQ(detections.size(), 2u);
        for (size_t index = 0; index < 2; ++index) {
            const std::string suffix = "_" + std::to_string(index);
            const torch::Tensor expectedLabels = get(m_reference, "labels" + suffix);
            ASSERT_EQ(detections[index].labels.sizes(), expectedLabels.sizes()) << what;
            EXPECT_TRUE(detections[index].labels.equal(expectedLabels))
                << what << " labels" << suffix;
            expectClose(detections[index].boxes, get(m_reference, "boxes" + suffix),
                        what + " boxes" + suffix, 1e-4);
            expectClose(detections[index].scores, get(m_reference, "scores" + suffix),
                        what + " scores" + suffix, 1e-4);
        }
    }

    static std::unique_ptr<test::PythonFixtures> s_fixtures;
    FasterRcnn m_model{nullptr};
    StateDict m_reference;
    std::vector<torch::Tensor> m_images;
    std::vector<DetectionTarget> m_targets;
};
std::unique_ptr<test::PythonFixtures> FasterRcnnParity::s_fixtures;

TEST_P(FasterRcnnParity, EvaluationStagesAndDetectionsMatchTorchvision) {
    torch::NoGradGuard noGrad;
    m_model->eval();
    const auto start = std::chrono::steady_clock::now();
    const auto& ref = m_reference;
    std::printf("%s, evaluation:\n", GetParam().c_str());

    auto [images, targets] = m_model->transform()(m_images, {}, /*training=*/false);
    expectClose(images.tensors, get(ref, "batch"), "transformed batch", 1e-5);
    const torch::Tensor sizes = get(ref, "image_sizes");
    for (int64_t index = 0; index < 2; ++index) {
        EXPECT_EQ(images.imageSizes[index][0], sizes[index][0].item<int64_t>());
        EXPECT_EQ(images.imageSizes[index][1], sizes[index][1].item<int64_t>());
    }

    const FeatureMaps features = m_model->backbone()->forward(images.tensors);
    for (const auto& item : features) {
        const torch::Tensor expected = get(ref, "feature_" + item.key());
        // Relative to the maps' magnitude: sums of thousands of float32 products.
        const double scale = std::max(1.0, expected.abs().max().item<double>());
        expectClose(item.value(), expected, "FPN " + item.key(), 1e-5 * scale);
    }

    const RpnOutput rpn = m_model->rpn()->forward(images, features, {});
    for (size_t index = 0; index < 2; ++index) {
        expectClose(rpn.proposals[index], get(ref, "proposals_" + std::to_string(index)),
                    "RPN proposals " + std::to_string(index), 1e-4);
    }

    const RoiHeadsOutput heads =
        m_model->roiHeads()->forward(features, rpn.proposals, images.imageSizes, {});
    expectClose(heads.classLogits, get(ref, "class_logits"), "box head class logits", 1e-4);
    expectClose(heads.boxRegression, get(ref, "box_regression"), "box head deltas", 1e-4);

    // Post-processing alone, on torchvision's own logits, deltas and proposals: equal.
    std::vector<torch::Tensor> referenceProposals;
    for (int index = 0; index < 2; ++index) {
        referenceProposals.push_back(get(ref, "proposals_" + std::to_string(index)));
    }
    std::vector<Detections> postprocessed = m_model->transform().postprocess(
        m_model->roiHeads()->postprocess(get(ref, "class_logits"), get(ref, "box_regression"),
                                         referenceProposals, images.imageSizes),
        images.imageSizes,
        {{m_images[0].size(1), m_images[0].size(2)}, {m_images[1].size(1), m_images[1].size(2)}});
    expectSameDetections(postprocessed, "postprocess");

    // End to end, the same detections. Many reference scores of one class lie within 1e-5 of
    // each other (random weights), so which of them NMS keeps is decided by the last bits: this
    // holds because every stage above is torchvision's arithmetic in its order (RoIAlign's sums
    // included) on the same ATen kernels, not within a tolerance.
    const FasterRcnnOutput output = m_model->forward(m_images);
    std::printf("  end to end: %lld near-tied pairs of reference scores\n",
                static_cast<long long>(nearTies()));
    expectSameDetections(output.detections, "end to end");
    std::printf("  (%.2f s)\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// torchvision's own sampler picks, given to ours: the losses must be equal.
TEST_P(FasterRcnnParity, TrainingLossesMatchTorchvisionForTheSameSamples) {
    const auto& ref = m_reference;
    for (const std::string stage : {"rpn", "box"}) {
        BalancedPositiveNegativeSampler& sampler =
            stage == "rpn" ? m_model->rpn()->sampler() : m_model->roiHeads()->sampler();
        BalancedPositiveNegativeSampler::Masks masks;
        for (int index = 0; index < 2; ++index) {
            masks.first.push_back(get(ref, stage + "_pos_" + std::to_string(index)));
            masks.second.push_back(get(ref, stage + "_neg_" + std::to_string(index)));
        }
        sampler.setOverride([masks](const std::vector<torch::Tensor>& labels) {
            EXPECT_EQ(labels.size(), masks.first.size());
            for (size_t index = 0; index < labels.size(); ++index) {
                EXPECT_EQ(labels[index].sizes(), masks.first[index].sizes());
            }
            return masks;
        });
    }
    m_model->train();
    std::printf("%s, training (torchvision's samples):\n", GetParam().c_str());
    const FasterRcnnOutput output = m_model->forward(m_images, m_targets);
    ASSERT_EQ(output.losses.size(), 4u);
    for (const auto& [name, loss] : output.losses) expectLoss(loss, get(ref, name), name);
}

// Our own sampler after the same seed: LibTorch's CPU generator gives the same draws as
// PyTorch's (the transform's uniform draw per image, then randperm per image and stage), so the
// losses are torchvision's without any help.
TEST_P(FasterRcnnParity, TrainingLossesMatchTorchvisionForTheSameSeed) {
    m_model->train();
    torch::manual_seed(get(m_reference, "train_seed").item<int64_t>());
    std::printf("%s, training (same seed):\n", GetParam().c_str());
    const FasterRcnnOutput output = m_model->forward(m_images, m_targets);
    for (const auto& [name, loss] : output.losses) expectLoss(loss, get(m_reference, name), name);
}

INSTANTIATE_TEST_SUITE_P(Detectors, FasterRcnnParity,
                         testing::Values("mobilenet_320", "mobilenet", "resnet50"),
                         [](const testing::TestParamInfo<std::string>& info) {
                             return info.param;
                         });

}  // namespace
}  // namespace fovea::core::detection
