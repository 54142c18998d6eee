// The detection box operations against torchvision itself: Debian's python3-torchvision runs each
// operation on fixed random inputs (box_ops_reference.py) and ours must give the same results,
// indices exactly, RoIAlign and its gradient bit for bit, other values within float32 rounding.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fovea/core/detection/box_ops.h"
#include "python_fixtures.h"

namespace fovea::core::detection {
namespace {

// float32 results computed in a different order or with the same arithmetic; anything wrong in
// the semantics is off by far more.
constexpr double kTolerance = 1e-5;
// RoIAlign and its gradient: torchvision's kernel's arithmetic in its order, so bit for bit.
constexpr double kExact = 0.0;

// Largest |a - b|; NaN where exactly one of them is NaN (NaN in both counts as equal, as in
// box_iou of two empty boxes). Fails on different shapes.
double maxDifference(const torch::Tensor& actual, const torch::Tensor& expected) {
    EXPECT_EQ(actual.sizes(), expected.sizes());
    if (actual.sizes() != expected.sizes()) return INFINITY;
    if (actual.numel() == 0) return 0.0;
    const torch::Tensor a = actual.detach().to(torch::kFloat64);
    const torch::Tensor b = expected.detach().to(torch::kFloat64);
    const torch::Tensor bothNan = a.isnan().logical_and(b.isnan());
    const torch::Tensor difference = (a - b).abs().masked_fill(bothNan, 0.0);
    if (difference.isnan().any().item<bool>()) return NAN;
    return difference.max().item<double>();
}

void expectSameIndices(const torch::Tensor& actual, const torch::Tensor& expected,
                       const std::string& what) {
    ASSERT_EQ(actual.scalar_type(), torch::kInt64) << what;
    ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
    EXPECT_TRUE(actual.equal(expected)) << what << "\nours:\n"
                                        << actual << "\ntorchvision:\n"
                                        << expected;
}

class BoxOpsParity : public testing::Test {
  public:
    static void SetUpTestSuite() {
        s_fixtures = std::make_unique<test::PythonFixtures>("fovea-box-ops");
        const auto python =
            s_fixtures->generate("tests/core/tensor/detection/box_ops_reference.py", {});
        ASSERT_EQ(python.exitCode, 0) << python.output;
    }
    static void TearDownTestSuite() { s_fixtures.reset(); }

  protected:
    static StateDict read(const std::string& name) { return s_fixtures->read(name); }
    static torch::Tensor get(const StateDict& dict, const std::string& key) {
        const torch::Tensor* found = dict.find(key);
        if (found == nullptr) throw std::runtime_error("no " + key + " in the reference");
        return *found;
    }
    // Checks within kTolerance, prints the figure, returns it.
    static double expectClose(const torch::Tensor& actual, const torch::Tensor& expected,
                              const std::string& what, double tolerance = kTolerance) {
        const double difference = maxDifference(actual, expected);
        EXPECT_LE(difference, tolerance) << what;
        std::printf("%-34s max |difference| %.3g\n", what.c_str(), difference);
        return difference;
    }

    static std::unique_ptr<test::PythonFixtures> s_fixtures;
};
std::unique_ptr<test::PythonFixtures> BoxOpsParity::s_fixtures;

TEST_F(BoxOpsParity, GeometryMatchesTorchvision) {
    const StateDict ref = read("geometry.pth");
    const torch::Tensor boxes1 = get(ref, "boxes1");
    const torch::Tensor boxes2 = get(ref, "boxes2");
    expectClose(boxArea(boxes1), get(ref, "area1"), "box_area");
    const torch::Tensor tail = boxes1.narrow(0, 4, boxes1.size(0) - 4);
    expectClose(boxIou(tail, boxes2), get(ref, "iou"), "box_iou");
    expectClose(boxIou(boxes1.narrow(0, 0, 4), boxes2.narrow(0, 0, 4)), get(ref, "iou_degenerate"),
                "box_iou (degenerate boxes)");
    expectClose(clipBoxesToImage(get(ref, "wide"), {100, 120}), get(ref, "clipped"),
                "clip_boxes_to_image");
    expectClose(clipBoxesToImage(get(ref, "wide_batched"), {100, 120}), get(ref, "clipped_batched"),
                "clip_boxes_to_image [B, N, 4]");
    expectSameIndices(removeSmallBoxes(boxes1, 12.5), get(ref, "small_kept"), "remove_small_boxes");
}

TEST_F(BoxOpsParity, NmsKeepsTheSameBoxesInTheSameOrder) {
    const StateDict ref = read("nms.pth");
    const torch::Tensor boxes = get(ref, "boxes");
    const torch::Tensor classes = get(ref, "classes");
    int compared = 0;
    for (const std::string scores : {"tied", "distinct"}) {
        const torch::Tensor score = get(ref, scores == "tied" ? "tied_scores" : "scores");
        for (const auto& [threshold, suffix] :
             std::vector<std::pair<double, std::string>>{{0.3, "3"}, {0.5, "5"}, {0.7, "7"}}) {
            const std::string key = scores + "_" + suffix;
            expectSameIndices(nms(boxes, score, threshold), get(ref, "nms_" + key), "nms " + key);
            expectSameIndices(batchedNms(boxes, score, classes, threshold),
                              get(ref, "batched_" + key), "batched_nms " + key);
            compared += 2;
        }
    }
    expectSameIndices(nms(get(ref, "boxes64"), get(ref, "scores").to(torch::kFloat64), 0.5),
                      get(ref, "nms64"), "nms float64");
    // 1500 boxes: above 4000 coordinates, the per-class strategy.
    const torch::Tensor many = get(ref, "many");
    const torch::Tensor manyScores = get(ref, "many_scores");
    expectSameIndices(nms(many, manyScores, 0.5), get(ref, "nms_many"), "nms 1500 tied boxes");
    expectSameIndices(batchedNms(many, manyScores, get(ref, "many_classes"), 0.5),
                      get(ref, "batched_many"), "batched_nms per class");
    std::printf("nms: %d cases on 300 boxes and 2 on 1500, identical indices\n", compared);

    // The comparisons can fail: another threshold keeps other boxes.
    EXPECT_FALSE(nms(boxes, get(ref, "tied_scores"), 0.45).equal(get(ref, "nms_tied_5")));
    EXPECT_EQ(nms(boxes.narrow(0, 0, 0), get(ref, "scores").narrow(0, 0, 0), 0.5).numel(), 0);
    EXPECT_EQ(batchedNms(boxes.narrow(0, 0, 0), get(ref, "scores").narrow(0, 0, 0),
                         classes.narrow(0, 0, 0), 0.5)
                  .numel(),
              0);
}

TEST_F(BoxOpsParity, BoxCoderMatchesTorchvision) {
    const StateDict ref = read("box_coder.pth");
    const torch::Tensor proposals = get(ref, "proposals");
    const torch::Tensor reference = get(ref, "reference");
    const torch::Tensor codes = get(ref, "codes");
    for (const std::string name : {"head", "rpn"}) {
        const BoxCoder coder = name == "head" ? BoxCoder() : BoxCoder({1.0, 1.0, 1.0, 1.0});
        expectClose(coder.encodeSingle(reference, proposals), get(ref, "encoded_" + name),
                    "BoxCoder.encode_single " + name);
        const auto encoded =
            coder.encode({reference.narrow(0, 0, 15), reference.narrow(0, 15, 25)},
                         {proposals.narrow(0, 0, 15), proposals.narrow(0, 15, 25)});
        ASSERT_EQ(encoded.size(), 2u);
        expectClose(torch::cat(encoded), get(ref, "encoded_list_" + name),
                    "BoxCoder.encode " + name);
        // Relative to the boxes' size (hundreds of pixels): float32's 1e-5 is a few ulps.
        const torch::Tensor decoded = coder.decodeSingle(codes, proposals);
        expectClose(decoded, get(ref, "decoded_" + name), "BoxCoder.decode_single " + name,
                    kTolerance * get(ref, "decoded_" + name).abs().max().item<double>());
        const torch::Tensor listed =
            coder.decode(codes, {proposals.narrow(0, 0, 25), proposals.narrow(0, 25, 15)});
        expectClose(listed, get(ref, "decoded_list_" + name), "BoxCoder.decode " + name,
                    kTolerance * get(ref, "decoded_list_" + name).abs().max().item<double>());
    }
    // The clip is applied: the 80 in codes[0, 2] would overflow exp() without it.
    EXPECT_TRUE(BoxCoder().decodeSingle(codes, proposals).isfinite().all().item<bool>());
}

TEST_F(BoxOpsParity, MatcherMatchesTorchvision) {
    const StateDict ref = read("matcher.pth");
    const torch::Tensor quality = get(ref, "quality");
    expectSameIndices(Matcher(0.7, 0.3, true)(quality), get(ref, "rpn"),
                      "Matcher(0.7, 0.3, low quality)");
    expectSameIndices(Matcher(0.7, 0.3, false)(quality), get(ref, "rpn_strict"),
                      "Matcher(0.7, 0.3)");
    expectSameIndices(Matcher(0.5, 0.5, false)(quality), get(ref, "head"), "Matcher(0.5, 0.5)");
    expectSameIndices(Matcher(0.7, 0.3, true)(get(ref, "iou")), get(ref, "iou_rpn"),
                      "Matcher on IoU");
    // The low-quality rule matters in this case, so the comparison can tell it apart.
    EXPECT_FALSE(get(ref, "rpn").equal(get(ref, "rpn_strict")));
    EXPECT_THROW(Matcher(0.7, 0.3)(torch::zeros({0, 5})), c10::Error);
}

TEST_F(BoxOpsParity, AnchorsMatchTorchvisionFasterRcnnConfigurations) {
    struct Config {
        std::string name;
        std::vector<std::vector<int64_t>> sizes;
        size_t maps;
    };
    const std::vector<Config> configs{
        {"mobilenet", std::vector<std::vector<int64_t>>(3, {32, 64, 128, 256, 512}), 3},
        {"resnet50", {{32}, {64}, {128}, {256}, {512}}, 5},
    };
    for (const auto& config : configs) {
        const StateDict ref = read("anchors_" + config.name + ".pth");
        const AnchorGenerator generator(
            config.sizes, std::vector<std::vector<double>>(config.maps, {0.5, 1.0, 2.0}));
        ASSERT_EQ(generator.cellAnchors().size(), config.maps);
        for (size_t level = 0; level < config.maps; ++level) {
            expectClose(generator.cellAnchors()[level], get(ref, "cell_" + std::to_string(level)),
                        config.name + " cell anchors " + std::to_string(level), 0.0);
        }
        const torch::Tensor shape = get(ref, "image_shape");
        const torch::Tensor mapSizes = get(ref, "map_sizes");
        const torch::Tensor images = torch::zeros(
            {shape[0].item<int64_t>(), 3, shape[2].item<int64_t>(), shape[3].item<int64_t>()});
        std::vector<torch::Tensor> maps;
        for (int64_t level = 0; level < mapSizes.size(0); ++level) {
            maps.push_back(torch::zeros({images.size(0), 4, mapSizes[level][0].item<int64_t>(),
                                         mapSizes[level][1].item<int64_t>()}));
        }
        const auto anchors = generator(images, maps);
        ASSERT_EQ(static_cast<int64_t>(anchors.size()), images.size(0));
        for (size_t image = 0; image < anchors.size(); ++image) {
            expectClose(anchors[image], get(ref, "anchors_" + std::to_string(image)),
                        config.name + " anchors, image " + std::to_string(image), 0.0);
        }
        EXPECT_EQ(generator.numAnchorsPerLocation(),
                  std::vector<int64_t>(config.maps, config.sizes[0].size() * 3));
    }
}

class RoiAlignParity : public BoxOpsParity, public testing::WithParamInterface<std::string> {};

TEST_P(RoiAlignParity, ForwardAndInputGradientMatchTorchvision) {
    const StateDict ref = read(GetParam() + ".pth");
    const torch::Tensor outputSize = get(ref, "output_size");
    const double scale = get(ref, "scale").item<double>();
    const int64_t samplingRatio = get(ref, "sampling_ratio").item<int64_t>();
    const bool aligned = get(ref, "aligned").item<bool>();
    const torch::Tensor input = get(ref, "input").clone().requires_grad_(true);
    const torch::Tensor output = roiAlign(
        input, get(ref, "rois"), {outputSize[0].item<int64_t>(), outputSize[1].item<int64_t>()},
        scale, samplingRatio, aligned);
    const std::string label =
        GetParam() + " (ratio " + std::to_string(samplingRatio) + (aligned ? ", aligned)" : ")");
    expectClose(output, get(ref, "output"), label, kExact);
    (output * get(ref, "weights")).sum().backward();
    expectClose(input.grad(), get(ref, "grad"), label + " gradient", kExact);
    // Something was pooled, so a wrong sample or weight would show.
    EXPECT_GT(get(ref, "output").abs().max().item<double>(), 0.1);

    // The comparison can fail: the other alignment samples elsewhere.
    const torch::Tensor other =
        roiAlign(input.detach(), get(ref, "rois"),
                 {outputSize[0].item<int64_t>(), outputSize[1].item<int64_t>()}, scale,
                 samplingRatio, !aligned);
    EXPECT_GT(maxDifference(other, get(ref, "output")), 1e-2);
}

INSTANTIATE_TEST_SUITE_P(Torchvision, RoiAlignParity,
                         testing::Values("roi_align_0", "roi_align_1", "roi_align_2", "roi_align_3",
                                         "roi_align_4", "roi_align_5", "roi_align_large"),
                         [](const auto& info) { return info.param; });

TEST_F(BoxOpsParity, MultiScaleRoiAlignMatchesTorchvision) {
    const StateDict ref = read("multiscale.pth");
    torch::OrderedDict<std::string, torch::Tensor> features;
    for (const std::string name : {"0", "1", "2", "3", "pool"}) {
        features.insert(name, get(ref, "feature_" + name));
    }
    const std::vector<torch::Tensor> boxes{get(ref, "boxes_0"), get(ref, "boxes_1")};
    const std::vector<std::array<int64_t, 2>> imageSizes{{256, 320}, {240, 300}};

    MultiScaleRoiAlign pooler({"0", "1", "2", "3"}, {7, 7}, 2);
    expectClose(pooler(features, boxes, imageSizes), get(ref, "output"), "MultiScaleRoIAlign",
                kExact);
    expectClose(torch::tensor(pooler.scales(), torch::kFloat64), get(ref, "scales"),
                "MultiScaleRoIAlign scales", 0.0);
    const LevelMapper mapper(2, 5);
    expectSameIndices(mapper(boxes), get(ref, "levels"), "LevelMapper");
    // Every level pools some boxes, so each level's scale is exercised.
    EXPECT_GT(torch::bincount(get(ref, "levels"), {}, 4).min().item<int64_t>(), 0);

    MultiScaleRoiAlign single({"2"}, {5, 4}, 2);
    expectClose(single(features, boxes, imageSizes), get(ref, "output_single"),
                "MultiScaleRoIAlign, one map", kExact);
}
}  // namespace
}  // namespace fovea::core::detection
