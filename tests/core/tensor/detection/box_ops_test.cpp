// The detection box operations without Python: hand-worked cases, properties that must hold
// (the blocked RoIAlign equals one region at a time, its gradient equals finite differences,
// both batched NMS strategies agree), and the CPU/GPU agreement where there is a GPU. These run
// in every build, including the tensor-only one against LibTorch 2.x; box_ops_parity_test.cpp
// compares with torchvision itself.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <vector>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {
namespace {

torch::Tensor indices(std::vector<int64_t> values) { return torch::tensor(values, torch::kInt64); }

TEST(Nms, KeepsTheBestOfOverlappingBoxesAndTheFirstOfTies) {
    const torch::Tensor boxes = torch::tensor({{0.0f, 0.0f, 10.0f, 10.0f},
                                               {1.0f, 1.0f, 11.0f, 11.0f},  // IoU 81/119 with 0
                                               {20.0f, 20.0f, 30.0f, 30.0f},
                                               {20.0f, 20.0f, 30.0f, 30.0f}});
    const torch::Tensor scores = torch::tensor({0.8f, 0.9f, 0.7f, 0.7f});
    EXPECT_TRUE(nms(boxes, scores, 0.5).equal(indices({1, 2})));
    EXPECT_TRUE(nms(boxes, scores, 0.7).equal(indices({1, 0, 2})));
    // IoU 1 is never above a threshold of 1: nothing is suppressed.
    EXPECT_TRUE(nms(boxes, scores, 1.0).equal(indices({1, 0, 2, 3})));
    // Boxes of different classes do not suppress each other.
    EXPECT_TRUE(batchedNms(boxes, scores, indices({0, 1, 2, 3}), 0.5).equal(indices({1, 0, 2, 3})));
}

// Below and above 4000 coordinates torchvision switches strategy (coordinate offsets, then one
// suppression per class); both must give what per-class suppression by hand gives.
TEST(Nms, BothBatchedStrategiesEqualSuppressingEachClassAlone) {
    torch::manual_seed(3);
    for (const int64_t count : {400, 1200}) {
        const torch::Tensor corner = torch::rand({count, 2}) * 300;
        const torch::Tensor boxes =
            torch::cat({corner, corner + 10 + torch::rand({count, 2}) * 40}, 1);
        const torch::Tensor scores = torch::rand({count});
        const torch::Tensor classes = torch::randint(0, 5, {count}, torch::kInt64);
        std::vector<torch::Tensor> kept;
        for (int64_t c = 0; c < 5; ++c) {
            const torch::Tensor members = torch::where(classes == c)[0];
            kept.push_back(members.index_select(
                0, nms(boxes.index_select(0, members), scores.index_select(0, members), 0.5)));
        }
        torch::Tensor expected = torch::cat(kept);
        expected = expected.index_select(
            0, std::get<1>(scores.index_select(0, expected).sort(0, /*descending=*/true)));
        EXPECT_TRUE(batchedNms(boxes, scores, classes, 0.5).equal(expected)) << count << " boxes";
    }
}

TEST(RoiAlign, PoolsAConstantMapToThatConstantInsideAndZeroFarOutside) {
    const torch::Tensor map = torch::full({1, 2, 8, 8}, 3.0f);
    const torch::Tensor rois =
        torch::tensor({{0.0f, 1.0f, 1.0f, 6.0f, 5.0f}, {0.0f, -40.0f, -40.0f, -30.0f, -30.0f}});
    const torch::Tensor pooled = roiAlign(map, rois, {2, 2}, 1.0, 2, false);
    ASSERT_EQ(pooled.sizes(), (std::vector<int64_t>{2, 2, 2, 2}));
    EXPECT_TRUE(pooled[0].allclose(torch::full({2, 2, 2}, 3.0f)));
    EXPECT_TRUE(pooled[1].equal(torch::zeros({2, 2, 2})));
    EXPECT_EQ(roiAlign(map, torch::zeros({0, 5}), {7, 7}).sizes(),
              (std::vector<int64_t>{0, 2, 7, 7}));
    EXPECT_THROW(roiAlign(map, torch::tensor({{1.0f, 0.0f, 0.0f, 4.0f, 4.0f}}), {2, 2}),
                 c10::Error);
}

// Enough regions and channels to be pooled in several blocks of regions, and of channels for
// the large regions with adaptive sampling: the result must not depend on the blocking.
TEST(RoiAlign, BlocksGiveWhatOneRegionAtATimeGives) {
    torch::manual_seed(5);
    const torch::Tensor input = torch::randn({2, 96, 30, 30});
    const int64_t count = 120;
    const torch::Tensor corner = torch::rand({count, 2}) * 50 - 5;
    const torch::Tensor rois = torch::cat({torch::randint(0, 2, {count, 1}).to(torch::kFloat32),
                                           corner, corner + 1 + torch::rand({count, 2}) * 120},
                                          1);
    for (const int64_t ratio : {2, 0}) {
        const torch::Tensor all = roiAlign(input, rois, {7, 7}, 0.5, ratio, false);
        for (int64_t k = 0; k < count; k += 7) {
            const torch::Tensor one =
                roiAlign(input, rois.narrow(0, k, 1), {7, 7}, 0.5, ratio, false);
            // Bit for bit: each bin's sum has one order whatever the block.
            EXPECT_TRUE(one.equal(all.narrow(0, k, 1))) << "region " << k;
        }
    }
}

// RoIAlign is linear in its input, so finite differences give its gradient up to rounding.
TEST(RoiAlign, GradientEqualsFiniteDifferences) {
    torch::manual_seed(7);
    const torch::Tensor input = torch::randn({2, 3, 9, 11}, torch::kFloat64);
    const torch::Tensor rois = torch::tensor(
        {{0.0, 1.2, -0.7, 8.3, 6.1}, {1.0, 4.0, 4.0, 4.5, 4.2}, {1.0, -2.0, 3.0, 12.5, 9.9}},
        torch::kFloat64);
    for (const bool aligned : {false, true}) {
        const torch::Tensor weights = torch::randn({3, 3, 4, 3}, torch::kFloat64);
        const auto objective = [&](const torch::Tensor& x) {
            return (roiAlign(x, rois, {4, 3}, 1.0, 0, aligned) * weights).sum();
        };
        const torch::Tensor x = input.clone().requires_grad_(true);
        objective(x).backward();
        const torch::Tensor gradient = x.grad().flatten();
        torch::NoGradGuard noGrad;
        const double base = objective(input).item<double>();
        for (int64_t i = 0; i < input.numel(); i += 13) {
            torch::Tensor moved = input.clone();
            moved.view(-1)[i] += 1.0;
            EXPECT_NEAR(objective(moved).item<double>() - base, gradient[i].item<double>(), 1e-9)
                << "element " << i << (aligned ? ", aligned" : "");
        }
        EXPECT_GT(gradient.abs().sum().item<double>(), 1.0);
    }
}

TEST(BoxCoder, DecodeUndoesEncode) {
    torch::manual_seed(11);
    const torch::Tensor corner = torch::rand({20, 2}) * 100;
    const torch::Tensor proposals = torch::cat({corner, corner + 5 + torch::rand({20, 2}) * 50}, 1);
    const torch::Tensor truth = proposals + torch::randn({20, 4}) * 3;
    const BoxCoder coder;
    const torch::Tensor codes = coder.encodeSingle(truth, proposals);
    EXPECT_TRUE(coder.decodeSingle(codes, proposals).allclose(truth, 1e-4, 1e-3));
}

TEST(Matcher, LabelsByThresholdAndRescuesEachTruthsBestPrediction) {
    // Two ground truths, four predictions.
    const torch::Tensor quality =
        torch::tensor({{0.9f, 0.5f, 0.1f, 0.0f}, {0.2f, 0.6f, 0.25f, 0.0f}});
    EXPECT_TRUE(Matcher(0.7, 0.3)(quality).equal(indices({0, -2, -1, -1})));
    // Truth 1's best prediction (1, quality 0.6) is matched to it despite the threshold.
    EXPECT_TRUE(Matcher(0.7, 0.3, true)(quality).equal(indices({0, 1, -1, -1})));
    EXPECT_THROW(Matcher(0.3, 0.7), c10::Error);
}

TEST(AnchorGenerator, CentresOneAnchorPerSizeAndRatioOnEveryCell) {
    const AnchorGenerator generator({{32, 64}}, {{0.5, 1.0, 2.0}});
    EXPECT_EQ(generator.numAnchorsPerLocation(), std::vector<int64_t>{6});
    const auto anchors = generator(torch::zeros({1, 3, 64, 96}), {torch::zeros({1, 8, 4, 6})});
    ASSERT_EQ(anchors.size(), 1u);
    ASSERT_EQ(anchors[0].sizes(), (std::vector<int64_t>{4 * 6 * 6, 4}));
    // Ratio 1, size 32 on the cell at row 1, column 2 (stride 16): centred on (32, 16).
    const torch::Tensor anchor = anchors[0][(1 * 6 + 2) * 6 + 2];
    EXPECT_TRUE(anchor.equal(torch::tensor({16.0f, 0.0f, 48.0f, 32.0f})));
}

TEST(Gpu, RoiAlignAndNmsMatchTheCpu) {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
    torch::manual_seed(13);
    const torch::Tensor input = torch::randn({2, 16, 20, 24});
    const torch::Tensor corner = torch::rand({50, 2}) * 25;
    const torch::Tensor rois = torch::cat({torch::randint(0, 2, {50, 1}).to(torch::kFloat32),
                                           corner, corner + torch::rand({50, 2}) * 15},
                                          1);
    const torch::Tensor onCpu = roiAlign(input, rois, {7, 7}, 1.0, 2, false);
    const torch::Tensor onGpu = roiAlign(input.cuda(), rois.cuda(), {7, 7}, 1.0, 2, false);
    EXPECT_TRUE(onGpu.cpu().allclose(onCpu, 1e-5, 1e-5));
    const torch::Tensor boxes = rois.narrow(1, 1, 4);
    const torch::Tensor scores = torch::rand({50});
    EXPECT_TRUE(nms(boxes.cuda(), scores.cuda(), 0.5).cpu().equal(nms(boxes, scores, 0.5)));
}

}  // namespace
}  // namespace fovea::core::detection
