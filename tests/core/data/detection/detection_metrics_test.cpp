// COCO-style detection metrics: hand-checked cases, and agreement with an independent Python
// reading of COCOeval (coco_eval_reference.py) on random detections.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fovea/core/detection/detection_metrics.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::core::detection {
namespace {

TruthBox truth(int c, double x, double y, double w, double h, bool crowd = false,
               bool difficult = false) {
    return TruthBox{c, x, y, w, h, crowd, difficult};
}
ScoredBox found(int c, double x, double y, double w, double h, double score) {
    return ScoredBox{c, x, y, w, h, score};
}

TEST(DetectionMetrics, ThresholdsAreNumpyLinspaceValues) {
    const auto t = cocoIouThresholds();
    EXPECT_EQ(t.front(), 0.5);
    EXPECT_EQ(t.back(), 0.95);
    EXPECT_EQ(t[1], 0.45 / 9 + 0.5);
    const auto r = cocoRecallPoints();
    EXPECT_EQ(r[30], 30 * 0.01);
    EXPECT_EQ(r.back(), 1.0);
}

TEST(DetectionMetrics, PerfectDetectionsScoreOne) {
    std::vector<ImageDetectionsAndTruth> images(2);
    images[0].truth = {truth(0, 10, 10, 20, 20), truth(1, 50, 50, 30, 10)};
    images[0].detections = {found(0, 10, 10, 20, 20, 0.9), found(1, 50, 50, 30, 10, 0.8)};
    images[1] = {};  // an empty image changes nothing
    const CocoMetrics m = evaluateCoco(images, 3);
    ASSERT_TRUE(m.map);
    EXPECT_DOUBLE_EQ(*m.map, 1.0);
    EXPECT_DOUBLE_EQ(*m.ap50, 1.0);
    EXPECT_DOUBLE_EQ(*m.ap75, 1.0);
    ASSERT_EQ(m.perClass.size(), 3u);
    EXPECT_FALSE(m.perClass[2].ap) << "a class without ground truth has no AP";
}

TEST(DetectionMetrics, NoGroundTruthAtAllHasNoFigures) {
    std::vector<ImageDetectionsAndTruth> images(1);
    images[0].detections = {found(0, 0, 0, 5, 5, 0.5)};
    const CocoMetrics m = evaluateCoco(images, 2);
    EXPECT_FALSE(m.map);
    EXPECT_FALSE(m.ap50);
}

TEST(DetectionMetrics, CrowdMatchesAreIgnoredNotFalsePositives) {
    std::vector<ImageDetectionsAndTruth> images(1);
    images[0].truth = {truth(0, 0, 0, 10, 10), truth(0, 100, 100, 80, 80, /*crowd=*/true)};
    // The top-scoring detections lie inside the crowd region (IoU over their own area: 1).
    images[0].detections = {found(0, 110, 110, 10, 10, 0.99), found(0, 130, 130, 10, 10, 0.98),
                            found(0, 0, 0, 10, 10, 0.5)};
    const CocoMetrics m = evaluateCoco(images, 1);
    ASSERT_TRUE(m.map);
    EXPECT_DOUBLE_EQ(*m.map, 1.0);
    EXPECT_EQ(m.perClass[0].truthBoxes, 1);
    EXPECT_EQ(m.perClass[0].ignoredBoxes, 1);
    EXPECT_DOUBLE_EQ(cocoIou(images[0].detections[0], images[0].truth[1]), 1.0);
}

TEST(DetectionMetrics, HalfTheObjectsFoundGiveHalfTheRecallPoints) {
    std::vector<ImageDetectionsAndTruth> images(1);
    images[0].truth = {truth(0, 0, 0, 10, 10), truth(0, 50, 50, 10, 10)};
    images[0].detections = {found(0, 0, 0, 10, 10, 0.9)};
    const CocoMetrics m = evaluateCoco(images, 1);
    // Precision 1 up to recall 0.5: recall points 0..0.50 (51 of 101).
    EXPECT_DOUBLE_EQ(*m.ap50, 51.0 / 101.0);
    EXPECT_DOUBLE_EQ(*m.ar, 0.5);
}

TEST(DetectionMetrics, ErrorBreakdownTellsTheKindsOfMistakeApart) {
    std::vector<ImageDetectionsAndTruth> images(2);
    images[0].truth = {truth(0, 0, 0, 100, 100), truth(1, 200, 0, 100, 100),
                       truth(0, 0, 200, 100, 100), truth(0, 400, 400, 50, 50)};
    images[0].detections = {
        found(0, 0, 0, 100, 100, 0.95),   // true positive
        found(0, 2, 2, 100, 100, 0.90),   // duplicate of the first
        found(0, 200, 0, 100, 100, 0.8),  // wrong class (on the class-1 box)
        found(0, 0, 250, 100, 100, 0.7),  // poor localisation (IoU 1/3)
        found(1, 600, 600, 20, 20, 0.6),  // background
    };
    images[1].truth = {truth(0, 0, 0, 10, 10, /*crowd=*/true)};
    images[1].detections = {found(0, 1, 1, 5, 5, 0.5)};  // inside a crowd region: ignored
    const ErrorBreakdown b = classifyDetectionErrors(images);
    ASSERT_EQ(b.detections.size(), 6u);
    EXPECT_EQ(b.detections[0].outcome, DetectionOutcome::TruePositive);
    EXPECT_EQ(b.detections[1].outcome, DetectionOutcome::Duplicate);
    EXPECT_EQ(b.detections[1].truth, 0u);
    EXPECT_EQ(b.detections[2].outcome, DetectionOutcome::WrongClass);
    EXPECT_EQ(b.detections[2].truth, 1u);
    EXPECT_EQ(b.detections[3].outcome, DetectionOutcome::PoorLocalisation);
    EXPECT_NEAR(b.detections[3].iou, 1.0 / 3.0, 1e-12);
    EXPECT_EQ(b.detections[4].outcome, DetectionOutcome::Background);
    EXPECT_FALSE(b.detections[4].truth);
    EXPECT_EQ(b.detections[5].outcome, DetectionOutcome::Ignored);
    // Missed: the class-1 box (only a wrong-class detection on it), the poorly localised box
    // and the one nothing came near; the crowd box is never missed.
    ASSERT_EQ(b.missed.size(), 3u);
    EXPECT_EQ(b.missed[0].truth, 1u);
    EXPECT_EQ(b.missed[0].nearestDetection, 2u);
    EXPECT_DOUBLE_EQ(b.missed[0].nearestIou, 1.0);
    EXPECT_EQ(b.missed[2].truth, 3u);
    EXPECT_FALSE(b.missed[2].nearestDetection);
    EXPECT_EQ(b.counts[static_cast<int>(DetectionOutcome::TruePositive)], 1);
    EXPECT_EQ(b.counts[static_cast<int>(DetectionOutcome::Background)], 1);

    ErrorBreakdownOptions high;
    high.minScore = 0.85;
    EXPECT_EQ(classifyDetectionErrors(images, high).detections.size(), 2u);
}

// Random ground truth and detections: jittered copies of the truth (some of another class,
// some twice), boxes anywhere, crowd and difficult boxes, empty images, images with only
// detections, a class with detections and no truth, tied scores.
std::vector<ImageDetectionsAndTruth> randomImages(std::uint64_t seed, int classes, int count) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
    std::vector<ImageDetectionsAndTruth> images(static_cast<std::size_t>(count));
    for (auto& image : images) {
        const double kind = unit(rng);
        const int truthCount = kind < 0.15 ? 0 : pick(7);
        for (int i = 0; i < truthCount; ++i) {
            const double w = 8 + 120 * unit(rng), h = 8 + 120 * unit(rng);
            // The last class never has ground truth.
            image.truth.push_back(truth(pick(classes - 1), 400 * unit(rng), 300 * unit(rng), w, h,
                                        unit(rng) < 0.1, unit(rng) < 0.08));
        }
        if (kind < 0.05) continue;  // nothing found either
        for (const TruthBox& box : image.truth) {
            const int copies = pick(3);  // 0: missed, 2: a duplicate
            for (int i = 0; i < copies; ++i) {
                const double s = 0.35 * box.w * (unit(rng) - 0.5);
                const double t = 0.35 * box.h * (unit(rng) - 0.5);
                const int c = unit(rng) < 0.15 ? pick(classes) : box.classIndex;
                image.detections.push_back(found(c, box.x + s, box.y + t,
                                                 box.w * (0.8 + 0.4 * unit(rng)),
                                                 box.h * (0.8 + 0.4 * unit(rng)), unit(rng)));
            }
        }
        const int extra = pick(4);
        for (int i = 0; i < extra; ++i) {
            image.detections.push_back(found(pick(classes), 400 * unit(rng), 300 * unit(rng),
                                             5 + 100 * unit(rng), 5 + 100 * unit(rng), unit(rng)));
        }
        // Some tied scores: the order among them is the input order in both.
        for (auto& d : image.detections) {
            if (unit(rng) < 0.1) d.score = 0.5;
        }
    }
    return images;
}

nlohmann::json toJson(const std::vector<ImageDetectionsAndTruth>& images, int classes,
                      int maxDets) {
    nlohmann::json json = {{"classes", classes}, {"max_dets", maxDets}};
    json["images"] = nlohmann::json::array();
    for (const auto& image : images) {
        nlohmann::json entry = {{"truth", nlohmann::json::array()},
                                {"detections", nlohmann::json::array()}};
        for (const auto& t : image.truth) {
            entry["truth"].push_back(
                {t.classIndex, t.x, t.y, t.w, t.h, t.crowd ? 1 : 0, t.difficult ? 1 : 0});
        }
        for (const auto& d : image.detections) {
            entry["detections"].push_back({d.classIndex, d.x, d.y, d.w, d.h, d.score});
        }
        json["images"].push_back(entry);
    }
    return json;
}

double figure(const nlohmann::json& value) { return value.get<double>(); }
double figure(const std::optional<double>& value) { return value ? *value : -1.0; }

TEST(DetectionMetrics, AgreesWithPythonCocoEvalReading) {
    test::TempFolder folder;
    double largestDifference = 0;
    int comparedClasses = 0;
    struct Case {
        std::uint64_t seed;
        int classes;
        int images;
        int maxDets;
    };
    const std::vector<Case> cases = {{1, 4, 40, 100}, {2, 3, 25, 100}, {3, 5, 60, 100},
                                     {4, 2, 10, 100}, {5, 4, 40, 2},   {6, 3, 1, 100}};
    for (const Case& c : cases) {
        const auto images = randomImages(c.seed, c.classes, c.images);
        const std::string input =
            (folder.path() / ("case" + std::to_string(c.seed) + ".json")).string();
        {
            std::ofstream file(input);
            // nlohmann writes doubles with 17 significant digits: read back exactly.
            file << toJson(images, c.classes, c.maxDets).dump();
        }
        const test::ProcessResult python = test::runProcess(
            "/usr/bin/python3",
            {test::foveaSourceDir() + "/tests/core/data/detection/coco_eval_reference.py", input});
        ASSERT_EQ(python.exitCode, 0) << python.output;
        const nlohmann::json reference = nlohmann::json::parse(python.output);
        CocoEvaluationOptions options;
        options.maxDetections = c.maxDets;
        const CocoMetrics ours = evaluateCoco(images, c.classes, options);
        auto expectClose = [&](double a, double b, const std::string& what) {
            largestDifference = std::max(largestDifference, std::fabs(a - b));
            EXPECT_NEAR(a, b, 1e-9) << "seed " << c.seed << ": " << what;
        };
        expectClose(figure(ours.map), figure(reference["map"]), "mAP");
        expectClose(figure(ours.ap50), figure(reference["ap50"]), "AP50");
        expectClose(figure(ours.ap75), figure(reference["ap75"]), "AP75");
        expectClose(figure(ours.ar), figure(reference["ar"]), "AR");
        ASSERT_EQ(reference["per_class"].size(), ours.perClass.size());
        for (std::size_t k = 0; k < ours.perClass.size(); ++k) {
            const auto& expected = reference["per_class"][k];
            const auto& got = ours.perClass[k];
            ASSERT_EQ(expected.is_null(), !got.ap.has_value())
                << "seed " << c.seed << " class " << k;
            if (expected.is_null()) continue;
            ++comparedClasses;
            const std::string name = "class " + std::to_string(k);
            expectClose(*got.ap, figure(expected["ap"]), name + " AP");
            expectClose(*got.ap50, figure(expected["ap50"]), name + " AP50");
            expectClose(*got.ap75, figure(expected["ap75"]), name + " AP75");
            expectClose(*got.recall, figure(expected["recall"]), name + " recall");
        }
        // The random data is not degenerate: the figures lie strictly between 0 and 1.
        if (c.images > 1) {
            ASSERT_TRUE(ours.map);
            EXPECT_GT(*ours.map, 0.02) << "seed " << c.seed;
            EXPECT_LT(*ours.map, 0.98) << "seed " << c.seed;
        }
    }
    EXPECT_GT(comparedClasses, 10);
    std::printf("largest difference to the Python COCOeval reading: %.3g over %d classes\n",
                largestDifference, comparedClasses);
}

}  // namespace
}  // namespace fovea::core::detection
