// `fovea-cli import --task detection` as a user runs it (issue 24, point 6): real image files
// written by OpenCV, a COCO file and a YOLO folder with one bad line, checked through the JSON
// the command prints and through the project database it leaves.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <fstream>

#include "cli_test_support.h"
#include "fovea/core/project/project_store.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

void writeImage(const fs::path& file, int width, int height) {
    fs::create_directories(file.parent_path());
    ASSERT_TRUE(
        cv::imwrite(file.string(), cv::Mat(height, width, CV_8UC3, cv::Scalar(9, 99, 199))));
}

void writeText(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

core::ProjectStore openStore(const fs::path& dir) {
    auto store = core::ProjectStore::open(dir);
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(store).value();
}

// The problem of `json` about `file` at `line`, or null.
nlohmann::json problemAt(const nlohmann::json& json, const fs::path& file, int line) {
    for (const auto& problem : json["problems"]) {
        if (problem["file"] == file.string() && problem["line"] == line) return problem;
    }
    return nullptr;
}

TEST(DetectionImportCli, CocoFolderIntoANewDetectionProject) {
    TempFolder dir;
    const fs::path data = dir / "coco";
    writeImage(data / "images" / "street.jpg", 64, 48);
    writeImage(data / "images" / "empty.png", 32, 32);
    // One element a line: images on 3-5, annotations on 8-9.
    writeText(data / "annotations" / "instances_train.json", R"({
"images": [
{"id": 1, "file_name": "street.jpg", "width": 64, "height": 48},
{"id": 2, "file_name": "empty.png", "width": 32, "height": 32},
{"id": 3, "file_name": "lost.jpg", "width": 10, "height": 10}
],
"annotations": [
{"id": 1, "image_id": 1, "category_id": 1, "bbox": [4, 6, 20.5, 30], "iscrowd": 0},
{"id": 2, "image_id": 1, "category_id": 2, "bbox": [40, 10, 10, 8], "iscrowd": 0}
],
"categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "sign"}]
}
)");
    const fs::path project = dir / "project";
    const JsonRun run = runCliJson(
        {"import", "--task", "detection", data.string(), "--project", project.string(), "--json"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    const nlohmann::json& json = run.json;
    EXPECT_EQ(json["task"], "detection");
    EXPECT_EQ(json["format"], "coco");
    EXPECT_EQ(json["found"], 2);
    EXPECT_EQ(json["added"], 2);
    EXPECT_EQ(json["annotated"], 2);
    EXPECT_EQ(json["background"], 1);
    EXPECT_EQ(json["boxes"], 2);
    ASSERT_EQ(json["classes"].size(), 2u);
    EXPECT_EQ(json["classes"][0]["name"], "car");
    EXPECT_EQ(json["classes"][0]["boxes"], 1);
    ASSERT_EQ(json["problems"].size(), 1u) << json.dump(1);
    const auto missing = problemAt(json, data / "annotations" / "instances_train.json", 5);
    ASSERT_FALSE(missing.is_null()) << json.dump(1);
    EXPECT_NE(missing["message"].get<std::string>().find("lost.jpg"), std::string::npos);

    // The database holds what the JSON said.
    core::ProjectStore store = openStore(project);
    EXPECT_EQ(store.projectTask(), core::ProjectTask::Detection);
    auto images = store.images().value();
    ASSERT_EQ(images.size(), 2u);
    const core::ImageRecord& street =
        images[1].path.filename() == "street.jpg" ? images[1] : images[0];
    EXPECT_EQ(street.split, std::optional<core::Split>(core::Split::Train));
    auto boxes = store.boxes(street.id).value();
    ASSERT_EQ(boxes.size(), 2u);
    EXPECT_EQ(boxes[0].x, 4.0f);
    EXPECT_EQ(boxes[0].w, 20.5f);

    // Again: nothing new, nothing doubled.
    const JsonRun again =
        runCliJson({"import", data.string(), "--project", project.string(), "--json"});
    ASSERT_EQ(again.exitCode, 0) << again.output;
    EXPECT_EQ(again.json["task"], "detection");  // the project's task
    EXPECT_EQ(again.json["added"], 0);
    EXPECT_EQ(again.json["project_images"], 2);
    EXPECT_EQ(again.json["project_boxes"], 2);
}

TEST(DetectionImportCli, YoloFolderReportsItsBadLineAndImportsTheRest) {
    TempFolder dir;
    const fs::path data = dir / "yolo";
    writeImage(data / "images" / "val" / "a.png", 100, 50);
    writeImage(data / "images" / "val" / "b.png", 100, 50);
    writeText(data / "labels" / "val" / "a.txt",
              "0 0.5 0.5 0.2 0.4\n0 0.5 0.5 0.2\n1 0.1 0.1 0.1 0.1\n");
    writeText(data / "labels" / "val" / "b.txt", "");
    writeText(data / "data.yaml", "path: .\nnames:\n  0: person\n  1: dog\n");
    const fs::path project = dir / "project";
    const JsonRun run = runCliJson({"import", "--task", "detection", "--format", "yolo",
                                    data.string(), "--project", project.string(), "--json"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const nlohmann::json& json = run.json;
    EXPECT_EQ(json["format"], "yolo");
    EXPECT_EQ(json["boxes"], 2);
    ASSERT_EQ(json["problems"].size(), 1u) << json.dump(1);
    const auto bad = problemAt(json, data / "labels" / "val" / "a.txt", 2);
    ASSERT_FALSE(bad.is_null()) << json.dump(1);
    EXPECT_NE(bad["message"].get<std::string>().find("found 4"), std::string::npos);

    core::ProjectStore store = openStore(project);
    const auto counts = store.classBoxCounts().value();
    ASSERT_EQ(counts.size(), 2u);
    EXPECT_EQ(counts[0].boxes, 1);  // person
    EXPECT_EQ(counts[1].boxes, 1);  // dog
    core::ImageFilter background;
    background.annotated = core::Require::Yes;
    EXPECT_EQ(store.imageCount(background).value(), 2);  // b.png: an empty label file
}

TEST(DetectionImportCli, WrongTaskAndMissingBoxFilesAreRefusedWithTheirExitCodes) {
    TempFolder dir;
    writeImage(dir / "plain" / "a.png", 8, 8);
    const fs::path classification = dir / "classification";
    ASSERT_EQ(runCliJson({"import", (dir / "plain").string(), "--project", classification.string(),
                          "--json"})
                  .exitCode,
              0);
    // A classification project does not take boxes: a usage error, the project untouched.
    const JsonRun wrong = runCliJson({"import", "--task", "detection", (dir / "plain").string(),
                                      "--project", classification.string(), "--json"});
    EXPECT_EQ(wrong.exitCode, 2) << wrong.output;
    EXPECT_EQ(openStore(classification).projectTask(), core::ProjectTask::Classification);
    // No box files: bad data.
    const JsonRun none = runCliJson({"import", "--task", "detection", (dir / "plain").string(),
                                     "--project", (dir / "d").string(), "--json"});
    EXPECT_EQ(none.exitCode, 3) << none.output;
    // An unknown format: the command line's own check.
    EXPECT_EQ(runCliJson({"import", "--format", "kitti", (dir / "plain").string(), "--project",
                          (dir / "e").string()})
                  .exitCode,
              2);
}

}  // namespace
}  // namespace fovea::test
