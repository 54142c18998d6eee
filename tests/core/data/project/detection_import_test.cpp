// Importing folders with COCO, YOLO and VOC box files into detection projects, and exporting
// them back (issue 24, point 1): real image files and box files in temporary folders.
#include "fovea/core/project/detection_import.h"

#include <gtest/gtest.h>

#include <tuple>

#include "fovea/core/project/detection_export.h"
#include "fovea/core/project/folder_import.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::writeImage;
using test::writeText;

ProjectStore detectionProject(const fs::path& dir) {
    auto store = ProjectStore::create(dir, ProjectTask::Detection);
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(store).value();
}

std::string allProblems(const DetectionImportReport& report) {
    std::string all;
    for (const auto& problem : report.problems) all += "\n  " + detection::describe(problem);
    return all;
}

// Exactly one problem about `file` at `line` containing `word`.
void expectProblem(const DetectionImportReport& report, const fs::path& file, int line,
                   const std::string& word) {
    int matches = 0;
    for (const auto& problem : report.problems) {
        if (problem.file == file && problem.line == line &&
            problem.message.find(word) != std::string::npos) {
            ++matches;
        }
    }
    EXPECT_EQ(matches, 1) << file << " line " << line << " \"" << word
                          << "\"; problems:" << allProblems(report);
}

// One element per line, so each element's line is known: images on lines 3-5, annotations on
// 8-10, categories on 13-14.
const char* const kCoco = R"({
"images": [
{"id": 1, "file_name": "a.png", "width": 40, "height": 30},
{"id": 2, "file_name": "b.png", "width": 20, "height": 10},
{"id": 3, "file_name": "gone.png", "width": 20, "height": 10}
],
"annotations": [
{"id": 1, "image_id": 1, "category_id": 7, "bbox": [1.5, 2, 10, 20], "iscrowd": 0},
{"id": 2, "image_id": 1, "category_id": 3, "bbox": [30, 25, 20, 20], "iscrowd": 0},
{"id": 3, "image_id": 1, "category_id": 3, "bbox": [0, 0, 40, 30], "iscrowd": 1}
],
"categories": [
{"id": 3, "name": "person"},
{"id": 7, "name": "bike"}
]
}
)";

ImageRecord imageNamed(const ProjectStore& store, const std::string& name) {
    for (const ImageRecord& image : store.images().value()) {
        if (image.path.filename() == name) return image;
    }
    throw std::runtime_error("no image " + name);
}

TEST(DetectionImport, CocoBoxesImportAndEveryProblemNamesItsLine) {
    TempDir dir;
    const fs::path data = dir / "data";
    writeImage(data / "a.png", 40, 30);
    writeImage(data / "b.png", 20, 10);
    writeImage(data / "c.png", 20, 10);  // not in the JSON
    writeText(data / "annotations" / "instances_val.json", kCoco);
    ProjectStore store = detectionProject(dir / "project");

    auto imported = importDetectionFolder(store, data);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    const DetectionImportReport& report = imported.value();
    EXPECT_EQ(report.files.format, BoxFormat::Coco);
    EXPECT_EQ(report.found, 3u);
    EXPECT_EQ(report.added, 3u);
    EXPECT_EQ(report.annotated, 2u);
    EXPECT_EQ(report.background, 1u);
    EXPECT_EQ(report.boxes, 2u);
    EXPECT_EQ(report.notAnnotated, 1u);
    const std::vector<std::string> classes = {"person", "bike"};  // COCO id order
    EXPECT_EQ(report.classesCreated, classes);
    const fs::path json = data / "annotations" / "instances_val.json";
    EXPECT_EQ(report.problems.size(), 2u) << allProblems(report);
    expectProblem(report, json, 5, "gone.png is not there");
    expectProblem(report, json, 9, "is outside the 40x30 image");

    const ImageRecord a = imageNamed(store, "a.png");
    auto boxes = store.boxes(a.id).value();
    ASSERT_EQ(boxes.size(), 2u);
    EXPECT_EQ(boxes[0].classId, test::classIdOf(store, "bike"));
    EXPECT_EQ(boxes[0].x, 1.5f);
    EXPECT_EQ(boxes[0].h, 20.0f);
    EXPECT_TRUE(boxes[1].crowd);
    EXPECT_EQ(a.split, std::optional<Split>(Split::Val));  // from the file's name
    EXPECT_TRUE(imageNamed(store, "b.png").annotated);
    EXPECT_EQ(imageNamed(store, "b.png").boxCount, 0);
    EXPECT_FALSE(imageNamed(store, "c.png").annotated);
}

TEST(DetectionImport, ImportingAgainReplacesBoxesWithoutDuplicatingImages) {
    TempDir dir;
    const fs::path data = dir / "data";
    writeImage(data / "a.png", 40, 30);
    writeImage(data / "b.png", 20, 10);
    writeText(data / "boxes.json", kCoco);
    ProjectStore store = detectionProject(dir / "project");
    ASSERT_TRUE(importDetectionFolder(store, data).ok());
    const ImageRecord a = imageNamed(store, "a.png");
    // Drawn by hand since: the file's boxes win on import.
    ASSERT_TRUE(
        store.addBox(a.id, ProjectBox{0, test::classIdOf(store, "person"), 1, 1, 1, 1}).ok());

    auto again = importDetectionFolder(store, data);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again.value().added, 0u);
    EXPECT_TRUE(again.value().classesCreated.empty());
    EXPECT_EQ(store.imageCount().value(), 2);
    EXPECT_EQ(store.classes().value().size(), 2u);
    EXPECT_EQ(store.boxes(a.id).value().size(), 2u);
}

TEST(DetectionImport, YoloFolderWithSplitsAndABadLine) {
    TempDir dir;
    const fs::path data = dir / "yolo";
    writeImage(data / "images" / "train" / "x.png", 50, 40);
    writeImage(data / "images" / "val" / "y.png", 50, 40);
    writeText(data / "data.yaml", "names: [cat, dog]\n");
    writeText(data / "labels" / "train" / "x.txt", "1 0.5 0.5 0.2 0.25\n1 0.5 nope 0.2 0.2\n");
    ProjectStore store = detectionProject(dir / "project");

    auto imported = importDetectionFolder(store, data);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    const DetectionImportReport& report = imported.value();
    EXPECT_EQ(report.files.format, BoxFormat::Yolo);
    EXPECT_EQ(report.added, 2u);
    EXPECT_EQ(report.boxes, 1u);
    EXPECT_EQ(report.background, 1u);  // y.png has no label file: background, as Ultralytics
    ASSERT_EQ(report.problems.size(), 1u) << allProblems(report);
    expectProblem(report, data / "labels" / "train" / "x.txt", 2, "not a number");
    const ImageRecord x = imageNamed(store, "x.png");
    EXPECT_EQ(x.split, std::optional<Split>(Split::Train));
    EXPECT_EQ(imageNamed(store, "y.png").split, std::optional<Split>(Split::Val));
    auto boxes = store.boxes(x.id).value();
    ASSERT_EQ(boxes.size(), 1u);
    EXPECT_EQ(boxes[0].classId, test::classIdOf(store, "dog"));
    EXPECT_FLOAT_EQ(boxes[0].x, 20.0f);
    EXPECT_FLOAT_EQ(boxes[0].w, 10.0f);
    EXPECT_EQ(store.classes().value().at(0).name, "cat");  // index order
}

TEST(DetectionImport, VocAnnotationsFindTheirImagesByName) {
    TempDir dir;
    const fs::path data = dir / "voc";
    writeImage(data / "JPEGImages" / "p.png", 30, 20);
    writeText(data / "Annotations" / "p.xml",
              "<annotation><filename>p.png</filename>\n"
              "<size><width>30</width><height>20</height></size>\n"
              "<object><name>car</name><difficult>1</difficult>\n"
              "<bndbox><xmin>3</xmin><ymin>4</ymin><xmax>12</xmax><ymax>14</ymax></bndbox>\n"
              "</object></annotation>\n");
    writeText(data / "Annotations" / "q.xml",
              "<annotation><filename>q.png</filename>\n"
              "<size><width>30</width><height>20</height></size></annotation>\n");
    ProjectStore store = detectionProject(dir / "project");

    auto imported = importDetectionFolder(store, data);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    EXPECT_EQ(imported.value().files.format, BoxFormat::Voc);
    EXPECT_EQ(imported.value().boxes, 1u);
    expectProblem(imported.value(), data / "Annotations" / "q.xml", 0, "q.png is not there");
    auto boxes = store.boxes(imageNamed(store, "p.png").id).value();
    ASSERT_EQ(boxes.size(), 1u);
    EXPECT_TRUE(boxes[0].difficult);
    EXPECT_FLOAT_EQ(boxes[0].x, 2.0f);  // VOC's 1-based corners
    EXPECT_FLOAT_EQ(boxes[0].w, 10.0f);
}

TEST(DetectionImport, ABoxFileOfAnotherImageSizeIsReportedAndItsBoxesSkipped) {
    TempDir dir;
    const fs::path data = dir / "data";
    writeImage(data / "a.png", 30, 40);  // the JSON says 40x30
    writeImage(data / "b.png", 20, 10);
    writeText(data / "boxes.json", kCoco);
    ProjectStore store = detectionProject(dir / "project");
    auto imported = importDetectionFolder(store, data);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    expectProblem(imported.value(), data / "boxes.json", 3, "30x40 on disk");
    EXPECT_FALSE(imageNamed(store, "a.png").annotated);
    EXPECT_EQ(store.boxCounts().value().size(), 0u);
}

TEST(DetectionImport, RefusesClassificationProjectsAndFoldersWithoutBoxFiles) {
    TempDir dir;
    writeImage(dir / "plain" / "a.png");
    ProjectStore classification = test::createProject(dir / "c");
    auto refused = importDetectionFolder(classification, dir / "plain");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().kind, ErrorKind::Usage);
    ProjectStore store = detectionProject(dir / "d");
    auto none = importDetectionFolder(store, dir / "plain");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("No box files found"), std::string::npos);
    EXPECT_FALSE(findBoxFiles(dir / "plain", BoxFormat::Coco).ok());
    EXPECT_EQ(parseBoxFormatName("yolo"), std::optional<BoxFormat>(BoxFormat::Yolo));
}

TEST(DetectionImport, ProjectToCocoToNewProjectKeepsTheBoxes) {
    TempDir dir;
    const fs::path data = dir / "data";
    writeImage(data / "a.png", 40, 30);
    writeImage(data / "b.png", 20, 10);
    writeImage(data / "sub" / "c.png", 20, 10);
    ProjectStore store = detectionProject(dir / "first");
    ASSERT_TRUE(importFolder(store, data).ok());  // images only: a detection project's layout
    EXPECT_TRUE(store.classes().value().empty());
    const ClassId dog = store.addClass("dog").value();
    const ClassId cat = store.addClass("cat").value();
    ProjectBox crowd{0, cat, 0.25f, 0.5f, 39.75f, 29.5f, true, false};
    ProjectBox hard{0, dog, 3.125f, 4, 5, 6, false, true};
    ASSERT_TRUE(
        store.setBoxes(imageNamed(store, "a.png").id, {{0, dog, 1.5f, 2, 3, 4}, crowd}).ok());
    ASSERT_TRUE(store.setBoxes(imageNamed(store, "c.png").id, {hard}).ok());
    ASSERT_TRUE(store.setBoxes(imageNamed(store, "b.png").id, {}).ok());  // background

    // Written where COCO datasets keep it; file_name relative to the images' folder.
    const fs::path json = data / "annotations" / "instances.json";
    std::vector<detection::BoxProblem> problems;
    auto written = exportDetection(store, BoxFormat::Coco, json, {}, &problems);
    ASSERT_TRUE(written.ok()) << written.error().message;
    EXPECT_EQ(written.value().boxes, 3u);
    EXPECT_TRUE(problems.empty());

    ProjectStore second = detectionProject(dir / "second");
    auto imported = importDetectionFolder(second, data);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    EXPECT_TRUE(imported.value().problems.empty()) << allProblems(imported.value());
    EXPECT_EQ(imported.value().added, 3u);
    EXPECT_EQ(imported.value().background, 1u);
    for (const std::string name : {"a.png", "b.png", "c.png"}) {
        const auto before = store.annotation(imageNamed(store, name).id).value();
        const auto after = second.annotation(imageNamed(second, name).id).value();
        EXPECT_EQ(before.annotated, after.annotated) << name;
        ASSERT_EQ(before.boxes.size(), after.boxes.size()) << name;
        for (std::size_t i = 0; i < before.boxes.size(); ++i) {
            const ProjectBox& b = before.boxes[i];
            const ProjectBox& a = after.boxes[i];
            EXPECT_EQ(test::classIdOf(second, b.classId == dog ? "dog" : "cat"), a.classId);
            EXPECT_EQ(std::make_tuple(b.x, b.y, b.w, b.h, b.crowd, b.difficult),
                      std::make_tuple(a.x, a.y, a.w, a.h, a.crowd, a.difficult))
                << name << " box " << i;
        }
    }
    EXPECT_EQ(second.classes().value().at(0).name, "dog");  // display order kept

    // YOLO cannot hold crowd or difficult boxes: left out and counted.
    auto yolo = exportDetection(store, BoxFormat::Yolo, dir / "labels", {}, nullptr);
    ASSERT_TRUE(yolo.ok()) << yolo.error().message;
    EXPECT_EQ(yolo.value().leftOut, 2u);
    EXPECT_TRUE(fs::exists(dir / "labels" / "sub" / "c.txt"));
}

}  // namespace
}  // namespace fovea::core
