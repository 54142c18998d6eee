// train, eval and predict on a detection project as a user runs them (issue 24, points 4 and 6):
// a tiny synthetic folder (coloured rectangles and discs on noise, at known boxes, with a COCO
// file) imported with fovea-cli, a Faster R-CNN trained two epochs at a small input size, and
// the run's files, JSON, evaluation and predictions checked. eval's mAP is recomputed here from
// the boxes it wrote with the core's COCO metric, and equals the training's validation figure.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cli_test_support.h"
#include "fovea/core/detection/detection_metrics.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

// `count` images of 128x96 noise, each with one or two objects: a red rectangle ("block") or a
// green disc ("ball"), and a COCO instances file naming them. Every fifth image is background.
void writeSyntheticCocoFolder(const fs::path& folder, int count) {
    fs::create_directories(folder / "images");
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> noise(0, 90);
    nlohmann::json coco = {
        {"images", nlohmann::json::array()},
        {"annotations", nlohmann::json::array()},
        {"categories", {{{"id", 1}, {"name", "block"}}, {{"id", 2}, {"name", "ball"}}}}};
    int annotationId = 1;
    for (int i = 0; i < count; ++i) {
        cv::Mat image(96, 128, CV_8UC3);
        for (int y = 0; y < image.rows; ++y) {
            for (int x = 0; x < image.cols; ++x) {
                const auto v = static_cast<unsigned char>(noise(rng));
                image.at<cv::Vec3b>(y, x) = {v, v, v};
            }
        }
        const std::string name = "img" + std::to_string(i) + ".png";
        coco["images"].push_back(
            {{"id", i + 1}, {"file_name", "images/" + name}, {"width", 128}, {"height", 96}});
        const int objects = i % 5 == 4 ? 0 : 1 + i % 2;
        for (int k = 0; k < objects; ++k) {
            const int w = 24 + static_cast<int>(rng() % 20), h = 20 + static_cast<int>(rng() % 16);
            const int x = k == 0 ? 4 + static_cast<int>(rng() % 40)
                                 : 70 + static_cast<int>(rng() % (128 - 70 - w));
            const int y = 4 + static_cast<int>(rng() % (96 - 8 - h));
            const bool ball = (i + k) % 2 == 1;
            if (ball) {
                cv::ellipse(image, {x + w / 2, y + h / 2}, {w / 2, h / 2}, 0, 0, 360,
                            cv::Scalar(40, 220, 40), cv::FILLED);  // BGR
            } else {
                cv::rectangle(image, cv::Rect(x, y, w, h), cv::Scalar(40, 40, 230), cv::FILLED);
            }
            coco["annotations"].push_back({{"id", annotationId++},
                                           {"image_id", i + 1},
                                           {"category_id", ball ? 2 : 1},
                                           {"bbox", {x, y, w, h}},
                                           {"area", w * h},
                                           {"iscrowd", 0}});
        }
        ASSERT_TRUE(cv::imwrite((folder / "images" / name).string(), image));
    }
    std::ofstream(folder / "annotations.json") << coco.dump(1);
}

TEST(DetectionTrainCli, TrainsEvaluatesAndPredictsADetectionProject) {
    TempFolder dir("fovea-detection-train");
    const fs::path data = dir.path() / "data";
    const fs::path project = dir.path() / "project";
    const fs::path run = dir.path() / "run";
    writeSyntheticCocoFolder(data, 20);
    const JsonRun imported = runCliJson(
        {"import", "--task", "detection", data.string(), "--project", project.string(), "--json"});
    ASSERT_EQ(imported.exitCode, 0) << imported.output;

    const auto start = std::chrono::steady_clock::now();
    const JsonRun trained = runCliJson({"train",
                                        "--data",
                                        project.string(),
                                        "--out",
                                        run.string(),
                                        "--arch",
                                        "fasterrcnn_mobilenet_v3_large_320_fpn",
                                        "--weights",
                                        "none",
                                        "--epochs",
                                        "2",
                                        "--batch-size",
                                        "4",
                                        "--min-size",
                                        "160",
                                        "--val-fraction",
                                        "0.25",
                                        "--seed",
                                        "3",
                                        "--device",
                                        "cpu",
                                        "--json"},
                                       {"OMP_NUM_THREADS=2"});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(trained.exitCode, 0) << trained.output;
    ASSERT_TRUE(printedOneObject(trained)) << trained.output;
    const nlohmann::json& t = trained.json;
    std::printf("trained 2 epochs on %d images in %.1f s\n", t["images"]["train"].get<int>(),
                seconds);
    EXPECT_EQ(t["task"], "detection");
    EXPECT_EQ(t["outcome"], "completed");
    EXPECT_EQ(t["architecture"], "fasterrcnn_mobilenet_v3_large_320_fpn");
    EXPECT_EQ(t["classes"], nlohmann::json({"block", "ball"}));
    EXPECT_EQ(t["images"]["train"].get<int>() + t["images"]["validation"].get<int>(), 20);
    EXPECT_GT(t["images"]["validation"].get<int>(), 0);
    ASSERT_EQ(t["epochs"].size(), 2u);
    for (const auto& epoch : t["epochs"]) {
        for (const char* loss :
             {"loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"}) {
            ASSERT_TRUE(epoch["losses"].contains(loss)) << epoch.dump();
            EXPECT_TRUE(std::isfinite(epoch["losses"][loss].get<double>()));
        }
        ASSERT_TRUE(epoch.contains("validation"));
        ASSERT_EQ(epoch["validation"]["per_class"].size(), 2u);
        EXPECT_TRUE(epoch["validation"].contains("ap50"));
    }
    ASSERT_TRUE(t.contains("best_epoch"));
    for (const char* file : {"config.json", "metrics.csv", "log.txt", "summary.json",
                             "model.safetensors", "checkpoints/last.pt"}) {
        EXPECT_TRUE(fs::exists(run / file)) << file;
    }
    const auto rows = csvDataRows(run / "metrics.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(readWholeFile(run / "metrics.csv").rfind("epoch,loss,loss_classifier", 0), 0u);
    const auto config = nlohmann::json::parse(readWholeFile(run / "config.json"));
    EXPECT_EQ(config["task"], "detection");
    EXPECT_EQ(config["min_size"], 160);

    // eval: the validation images again, with the best epoch's weights.
    const JsonRun evaluated = runCliJson({"eval", "--run", run.string(), "--json"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.output;
    const nlohmann::json& e = evaluated.json;
    EXPECT_EQ(e["split"], "val");
    ASSERT_EQ(e["per_class"].size(), 2u);
    const auto& best = t["epochs"][t["best_epoch"].get<int>() - 1]["validation"];
    ASSERT_EQ(e["map"].is_null(), best["map"].is_null());
    if (!e["map"].is_null()) {
        EXPECT_NEAR(e["map"].get<double>(), best["map"].get<double>(), 1e-6);
        EXPECT_NEAR(e["ap50"].get<double>(), best["ap50"].get<double>(), 1e-6);
    }
    // The figures follow from the boxes evaluation.json lists.
    const auto full = nlohmann::json::parse(readWholeFile(run / "evaluation.json"));
    std::vector<core::detection::ImageDetectionsAndTruth> images;
    std::size_t detections = 0;
    for (const auto& image : full["images"]) {
        core::detection::ImageDetectionsAndTruth entry;
        for (const auto& b : image["truth"]) {
            entry.truth.push_back({b["class_index"].get<int>(), b["x"].get<double>(),
                                   b["y"].get<double>(), b["w"].get<double>(), b["h"].get<double>(),
                                   b["crowd"].get<bool>(), b["difficult"].get<bool>()});
        }
        for (const auto& b : image["detections"]) {
            entry.detections.push_back({b["class_index"].get<int>(), b["x"].get<double>(),
                                        b["y"].get<double>(), b["w"].get<double>(),
                                        b["h"].get<double>(), b["score"].get<double>()});
            EXPECT_FALSE(b["outcome"].get<std::string>().empty());
        }
        detections += entry.detections.size();
        images.push_back(entry);
    }
    EXPECT_EQ(images.size(), t["images"]["validation"].get<std::size_t>());
    const auto recomputed = core::detection::evaluateCoco(images, 2);
    ASSERT_EQ(recomputed.map.has_value(), !e["map"].is_null());
    if (recomputed.map) {
        // Floats printed by nlohmann read back exactly: the same figure.
        EXPECT_DOUBLE_EQ(*recomputed.map, e["map"].get<double>());
        EXPECT_DOUBLE_EQ(*recomputed.ap50, e["ap50"].get<double>());
        EXPECT_DOUBLE_EQ(*recomputed.ap75, e["ap75"].get<double>());
    }
    std::printf("eval: mAP %s, AP50 %s on %zu images with %zu detections\n",
                e["map"].dump().c_str(), e["ap50"].dump().c_str(), images.size(), detections);
    std::size_t outcomes = 0;
    for (const auto& [name, count] : e["errors"].items()) {
        if (name != "missed") outcomes += count.get<std::size_t>();
    }
    EXPECT_EQ(outcomes, detections);

    // predict: boxes as JSON, CSV and COCO results.
    const fs::path csv = dir.path() / "boxes.csv";
    const fs::path cocoResults = dir.path() / "results.json";
    const JsonRun predicted =
        runCliJson({"predict", "--model", run.string(), (data / "images").string(), "--min-score",
                    "0", "--csv", csv.string(), "--coco-results", cocoResults.string(), "--json"});
    ASSERT_EQ(predicted.exitCode, 0) << predicted.output;
    const nlohmann::json& p = predicted.json;
    EXPECT_EQ(p["task"], "detection");
    ASSERT_EQ(p["predictions"].size(), 20u);
    std::size_t boxes = 0;
    for (const auto& prediction : p["predictions"]) {
        EXPECT_EQ(prediction["width"], 128);
        for (const auto& box : prediction["boxes"]) {
            ++boxes;
            EXPECT_GE(box["x"].get<double>(), -1e-3);
            EXPECT_LE(box["x"].get<double>() + box["w"].get<double>(), 128 + 1e-3);
        }
    }
    const auto results = nlohmann::json::parse(readWholeFile(cocoResults));
    EXPECT_EQ(results.size(), boxes);
    EXPECT_EQ(csvDataRows(csv).size(), boxes);
    if (!results.empty()) {
        EXPECT_EQ(results[0]["bbox"].size(), 4u);
        EXPECT_GE(results[0]["category_id"].get<int>(), 1);
    }

    // Usage errors: an unknown architecture, and resuming a folder without a run.
    EXPECT_EQ(runCliJson({"train", "--data", project.string(), "--out",
                          (dir.path() / "other").string(), "--arch", "yolo", "--json"})
                  .exitCode,
              2);
    EXPECT_EQ(runCliJson({"train", "--data", project.string(), "--out", run.string(), "--arch",
                          "fasterrcnn_mobilenet_v3_large_320_fpn", "--json"})
                  .exitCode,
              2)
        << "an existing run is not overwritten";
}

// A safetensors file's tensors as raw bytes by name (the format's 8-byte header length, JSON
// header, data): read here without LibTorch, so a frozen tensor compares bit for bit.
std::map<std::string, std::string> safetensorBytes(const fs::path& file) {
    const std::string content = readWholeFile(file);
    std::uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i) {
        headerSize = (headerSize << 8) | static_cast<unsigned char>(content.at(std::size_t(i)));
    }
    const auto header = nlohmann::json::parse(content.substr(8, headerSize));
    std::map<std::string, std::string> tensors;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") continue;
        const auto begin = entry["data_offsets"][0].get<std::size_t>();
        const auto end = entry["data_offsets"][1].get<std::size_t>();
        tensors[name] = content.substr(8 + headerSize + begin, end - begin);
    }
    return tensors;
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

// Batch norm statistics are buffers: they follow the data in training mode even where the
// parameters are frozen (as in torchvision).
bool isBuffer(const std::string& name) {
    for (const char* suffix : {"running_mean", "running_var", "num_batches_tracked"}) {
        const std::string tail = std::string(".") + suffix;
        if (name.size() > tail.size() &&
            name.compare(name.size() - tail.size(), tail.size(), tail) == 0) {
            return true;
        }
    }
    return false;
}

// --trainable-backbone-layers and --freeze (issue 24, point 3): the frozen parts leave training
// bit-identical and the others change. The starting weights come from a run with learning rate
// 0 and the same seed (SGD then moves nothing), so the comparison needs no LibTorch here.
// A folder with a COCO file, given to train and eval as it is: train imports it into a project
// inside the run folder, eval through a temporary one.
TEST(DetectionTrainCli, TrainsAndEvaluatesAFolderOfImagesWithBoxFiles) {
    TempFolder dir("fovea-detection-folder");
    const fs::path data = dir.path() / "data";
    const fs::path run = dir.path() / "run";
    writeSyntheticCocoFolder(data, 12);
    const JsonRun trained =
        runCliJson({"train", "--data", data.string(), "--out", run.string(), "--arch",
                    "fasterrcnn_mobilenet_v3_large_320_fpn", "--weights", "none", "--epochs", "1",
                    "--min-size", "96", "--val-fraction", "0.25", "--device", "cpu", "--json"},
                   {"OMP_NUM_THREADS=2"});
    ASSERT_EQ(trained.exitCode, 0) << trained.output;
    EXPECT_EQ(trained.json["task"], "detection");
    EXPECT_EQ(trained.json["classes"], nlohmann::json({"block", "ball"}));
    EXPECT_EQ(trained.json["images"]["train"].get<int>() +
                  trained.json["images"]["validation"].get<int>(),
              12);
    const auto config = nlohmann::json::parse(readWholeFile(run / "config.json"));
    EXPECT_EQ(fs::path(config["settings"]["project"].get<std::string>()),
              fs::absolute(run / "project"));
    EXPECT_TRUE(fs::exists(run / "project" / "fovea-project.sqlite"));

    const JsonRun evaluated =
        runCliJson({"eval", "--run", run.string(), "--data", data.string(), "--json"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.output;
    EXPECT_EQ(evaluated.json["split"], "all");
    EXPECT_EQ(evaluated.json["images"], 12);  // the folder's annotated images, background too
}

TEST(DetectionTrainCli, FrozenPartsKeepTheirWeights) {
    TempFolder dir("fovea-detection-freeze");
    const fs::path data = dir.path() / "data";
    const fs::path project = dir.path() / "project";
    writeSyntheticCocoFolder(data, 6);
    ASSERT_EQ(runCliJson({"import", "--task", "detection", data.string(), "--project",
                          project.string(), "--json"})
                  .exitCode,
              0);
    auto train = [&](const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> args = {"train",
                                         "--data",
                                         project.string(),
                                         "--out",
                                         (dir.path() / name).string(),
                                         "--arch",
                                         "fasterrcnn_mobilenet_v3_large_320_fpn",
                                         "--weights",
                                         "none",
                                         "--epochs",
                                         "1",
                                         "--batch-size",
                                         "3",
                                         "--min-size",
                                         "96",
                                         "--val-fraction",
                                         "0",
                                         "--seed",
                                         "5",
                                         "--device",
                                         "cpu",
                                         "--json"};
        args.insert(args.end(), extra.begin(), extra.end());
        return runCliJson(args, {"OMP_NUM_THREADS=2"});
    };
    const JsonRun start = train("start", {"--lr", "0"});
    ASSERT_EQ(start.exitCode, 0) << start.output;
    const JsonRun frozen =
        train("frozen", {"--trainable-backbone-layers", "0", "--freeze", "fpn,box_predictor"});
    ASSERT_EQ(frozen.exitCode, 0) << frozen.output;

    const auto before = safetensorBytes(dir.path() / "start" / "model.safetensors");
    const auto after = safetensorBytes(dir.path() / "frozen" / "model.safetensors");
    ASSERT_EQ(before.size(), after.size());
    std::map<std::string, int> changed, kept;
    std::int64_t trainable = 0;
    for (const auto& [name, bytes] : after) {
        if (isBuffer(name)) continue;
        std::string part = "other";
        for (const char* prefix : {"backbone.body.", "backbone.fpn.", "rpn.", "roi_heads.box_head.",
                                   "roi_heads.box_predictor."}) {
            if (startsWith(name, prefix)) part = prefix;
        }
        ASSERT_NE(part, "other") << name;
        const bool same = before.at(name) == bytes;
        (same ? kept : changed)[part] += 1;
        if (part == "rpn." || part == "roi_heads.box_head.") {
            trainable += static_cast<std::int64_t>(bytes.size() / sizeof(float));
        }
    }
    for (const char* part : {"backbone.body.", "backbone.fpn.", "roi_heads.box_predictor."}) {
        EXPECT_EQ(changed[part], 0) << part << " is frozen but changed";
        EXPECT_GT(kept[part], 0) << part;
    }
    EXPECT_GT(changed["rpn."], 0) << "the RPN trains";
    EXPECT_GT(changed["roi_heads.box_head."], 0) << "the box head trains";
    // What trained is exactly the RPN and the box head, as the run counts it.
    EXPECT_EQ(frozen.json["parameters"]["trainable"].get<std::int64_t>(), trainable);
    const auto config = nlohmann::json::parse(readWholeFile(dir.path() / "frozen" / "config.json"));
    EXPECT_EQ(config["settings"]["frozen_parts"],
              nlohmann::json({"backbone.fpn", "roi_heads.box_predictor"}));
    EXPECT_EQ(config["trainable_backbone_layers"], 0);

    // Bad values are usage errors (exit 2) naming the problem.
    const JsonRun unknownPart = train("bad1", {"--freeze", "fpn,heads"});
    EXPECT_EQ(unknownPart.exitCode, 2) << unknownPart.output;
    EXPECT_NE(unknownPart.output.find("heads"), std::string::npos) << unknownPart.output;
    const JsonRun tooManyStages = train("bad2", {"--trainable-backbone-layers", "7"});
    EXPECT_EQ(tooManyStages.exitCode, 2) << tooManyStages.output;
    EXPECT_NE(tooManyStages.output.find("trainable backbone layers"), std::string::npos)
        << tooManyStages.output;
    EXPECT_EQ(train("bad3", {"--trainable-backbone-layers", "0", "--freeze",
                             "fpn,rpn,box_head,box_predictor"})
                  .exitCode,
              2)
        << "nothing would train";
    EXPECT_EQ(train("bad4", {"--freeze-up-to", "features.3"}).exitCode, 2);
}

// Ctrl-C during the second epoch writes a checkpoint and exits 130; --resume finishes the run
// with the recorded settings, and the run's history has every epoch once.
TEST(DetectionTrainCli, StopsWithACheckpointAndResumes) {
    using namespace std::chrono_literals;
    TempFolder dir("fovea-detection-resume");
    const fs::path data = dir.path() / "data";
    const fs::path project = dir.path() / "project";
    const fs::path run = dir.path() / "run";
    writeSyntheticCocoFolder(data, 10);
    ASSERT_EQ(runCliJson({"import", "--task", "detection", data.string(), "--project",
                          project.string(), "--json"})
                  .exitCode,
              0);
    {
        ChildProcess child(
            foveaBinary("fovea-cli"),
            {"train", "--data", project.string(), "--out", run.string(), "--arch",
             "fasterrcnn_mobilenet_v3_large_320_fpn", "--weights", "none", "--epochs", "2",
             "--batch-size", "2", "--min-size", "128", "--device", "cpu", "--json"},
            {"OMP_NUM_THREADS=2"}, dir.path() / "train.out", dir.path() / "train.err");
        ASSERT_TRUE(waitForFile(run / "checkpoints" / "last.pt", child, 120s))
            << readWholeFile(dir.path() / "train.err");
        child.sendSignal(SIGINT);
        const int code = child.wait();
        if (code == 0) GTEST_SKIP() << "the run ended before the signal arrived";
        ASSERT_EQ(code, 130) << readWholeFile(dir.path() / "train.err");
    }
    const auto stopped = nlohmann::json::parse(readWholeFile(dir.path() / "train.out"));
    EXPECT_EQ(stopped["outcome"], "stopped");
    EXPECT_LT(stopped["epochs_completed"].get<int>(), 2);
    const JsonRun resumed =
        runCliJson({"train", "--out", run.string(), "--resume", "--json"}, {"OMP_NUM_THREADS=2"});
    ASSERT_EQ(resumed.exitCode, 0) << resumed.output;
    EXPECT_EQ(resumed.json["outcome"], "completed");
    EXPECT_EQ(resumed.json["epochs_completed"], 2);
    ASSERT_EQ(resumed.json["epochs"].size(), 2u);
    for (int i = 0; i < 2; ++i) EXPECT_EQ(resumed.json["epochs"][i]["epoch"], i + 1);
    EXPECT_EQ(csvDataRows(run / "metrics.csv").size(), 2u);
}

}  // namespace
}  // namespace fovea::test
