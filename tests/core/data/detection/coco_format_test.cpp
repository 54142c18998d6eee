// COCO instances JSON: reading real files, problems with their lines, and agreement with an
// independent Python reading of the COCO definition.
#include <cstdio>
#include <sstream>

#include "detection_test_files.h"
#include "run_process.h"

namespace fovea::core::detection {
namespace {

namespace fs = std::filesystem;
using test::expectBox;
using test::expectProblem;
using test::lineOfMarker;
using test::TempFolder;
using test::writeText;

// Categories out of id order, a crowd box, an image without boxes, and one annotation per line
// so that the problems' lines are easy to name.
const std::string kCocoText = R"({
  "info": {"description": "test"},
  "images": [
    {"id": 7, "file_name": "street/a.jpg", "width": 640, "height": 480},
    {"id": 9, "file_name": "b.png", "width": 100, "height": 50},
    {"id": 11, "file_name": "empty.jpg", "width": 32, "height": 32}
  ],
  "annotations": [
    {"id": 1, "image_id": 7, "category_id": 3, "bbox": [10, 20.5, 30, 40], "iscrowd": 0},
    {"id": 2, "image_id": 7, "category_id": 1, "bbox": [0, 0, 640, 480], "iscrowd": 1},
    {"id": 3, "image_id": 9, "category_id": 1, "bbox": [99.75, 10, 0.5, 5], "area": 2.5}
  ],
  "categories": [{"id": 3, "name": "dog"}, {"id": 1, "name": "person"}]
}
)";

TEST(CocoFormat, ReadsImagesBoxesAndCategoriesInIdOrder) {
    const TempFolder folder("fovea-coco");
    writeText(folder / "instances.json", kCocoText);
    const Result<BoxAnnotations> read = readCoco(folder / "instances.json");
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& coco = read.value();
    EXPECT_TRUE(coco.problems.empty()) << describe(coco.problems.front());
    EXPECT_EQ(coco.classes, (std::vector<std::string>{"person", "dog"}));
    ASSERT_EQ(coco.images.size(), 3u);
    EXPECT_EQ(coco.images[0].image, fs::path("street/a.jpg"));
    EXPECT_EQ(coco.images[0].width, 640);
    EXPECT_EQ(coco.images[0].height, 480);
    ASSERT_EQ(coco.images[0].boxes.size(), 2u);
    expectBox(coco.images[0].boxes[0], "dog", 10, 20.5f, 30, 40);
    EXPECT_FALSE(coco.images[0].boxes[0].crowd);
    // Crowd boxes are kept and flagged, as pycocotools keeps them (to be ignored in scoring).
    expectBox(coco.images[0].boxes[1], "person", 0, 0, 640, 480);
    EXPECT_TRUE(coco.images[0].boxes[1].crowd);
    // Half a pixel out on the right: within the tolerance, clipped to the image's edge.
    ASSERT_EQ(coco.images[1].boxes.size(), 1u);
    expectBox(coco.images[1].boxes[0], "person", 99.75f, 10, 0.25f, 5);
    EXPECT_TRUE(coco.images[2].boxes.empty());
}

TEST(CocoFormat, BadJsonIsAnErrorNamingFileAndLine) {
    const TempFolder folder("fovea-coco");
    const fs::path file = folder / "broken.json";
    writeText(file, "{\n  \"images\": [\n    {\"id\": 1,, \"file_name\": \"a.jpg\"}\n  ]\n}\n");
    const Result<BoxAnnotations> read = readCoco(file);
    ASSERT_FALSE(read);
    const std::string& message = read.error().message;
    EXPECT_EQ(message.rfind(file.string() + ", line 3: not valid JSON (column 14", 0), 0u)
        << message;
}

TEST(CocoFormat, NotAnInstancesFileOrMissingFileAreErrors) {
    const TempFolder folder("fovea-coco");
    writeText(folder / "list.json", "[1, 2]");
    const Result<BoxAnnotations> list = readCoco(folder / "list.json");
    ASSERT_FALSE(list);
    EXPECT_NE(list.error().message.find("not a COCO instances file"), std::string::npos);
    const Result<BoxAnnotations> missing = readCoco(folder / "none.json");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::Io);
    EXPECT_NE(missing.error().message.find("none.json"), std::string::npos);
}

TEST(CocoFormat, EachBadEntryIsReportedWithItsLineAndTheRestImports) {
    const TempFolder folder("fovea-coco");
    const fs::path file = folder / "instances.json";
    const std::string text = R"({
  "images": [
    {"id": 1, "file_name": "a.jpg", "width": 200, "height": 100},
    {"id": 2, "file_name": "no-size.jpg"},
    {"id": 1, "file_name": "again.jpg", "width": 10, "height": 10}
  ],
  "categories": [
    {"id": 1, "name": "cat"},
    {"id": 2}
  ],
  "annotations": [
    {"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]},
    {"id": 11, "image_id": 99, "category_id": 1, "bbox": [1, 2, 3, 4]},
    {"id": 12, "image_id": 1, "category_id": 5, "bbox": [1, 2, 3, 4]},
    {"id": 13, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3]},
    {"id": 14, "image_id": 1, "category_id": 1, "bbox": [150, 10, 60, 20]},
    {"id": 15, "image_id": 1, "category_id": 1, "bbox": [5, 5, 0, 20]},
    {"id": 16, "image_id": 1, "category_id": 1, "bbox": [-2, 5, 10, 20]},
    {"id": 17, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "iscrowd": 2},
    {"id": 18, "image_id": 1, "category_id": 1,
     "bbox": [190, 90, 10, 10]}
  ]
})";
    writeText(file, text);
    const Result<BoxAnnotations> read = readCoco(file);
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& coco = read.value();
    expectProblem(coco.problems, file, lineOfMarker(text, "no-size.jpg"), "width");
    expectProblem(coco.problems, file, lineOfMarker(text, "again.jpg"),
                  "image id 1 is given twice");
    expectProblem(coco.problems, file, lineOfMarker(text, "{\"id\": 2}"), "category skipped");
    expectProblem(coco.problems, file, lineOfMarker(text, "\"id\": 11"), "image_id 99");
    expectProblem(coco.problems, file, lineOfMarker(text, "\"id\": 12"), "category_id 5");
    expectProblem(coco.problems, file, lineOfMarker(text, "\"id\": 13"), "four numbers");
    expectProblem(coco.problems, file, lineOfMarker(text, "\"id\": 14"), "outside the 200x100");
    expectProblem(coco.problems, file, lineOfMarker(text, "\"id\": 15"), "zero or negative size");
    expectProblem(coco.problems, file, lineOfMarker(text, "\"id\": 16"), "outside");
    expectProblem(coco.problems, file, lineOfMarker(text, "\"id\": 17"), "iscrowd");
    EXPECT_EQ(coco.problems.size(), 10u);
    ASSERT_EQ(coco.images.size(), 1u);
    ASSERT_EQ(coco.images[0].boxes.size(), 2u);
    expectBox(coco.images[0].boxes[0], "cat", 1, 2, 3, 4);
    // An annotation spread over two lines is named by the line it starts on; it is fine.
    expectBox(coco.images[0].boxes[1], "cat", 190, 90, 10, 10);
}

// The reader agrees with an independent Python reading of the same file.
TEST(CocoFormat, AgreesWithPythonReadingOfTheCocoDefinition) {
    const TempFolder folder("fovea-coco");
    // The half-pixel overhang of kCocoText is clipped by Fovea, not by the definition: a file
    // without it is compared.
    std::string text = kCocoText;
    text.replace(text.find("[99.75, 10, 0.5, 5]"), 19, "[99.25, 10, 0.5, 5]");
    writeText(folder / "instances.json", text);
    const test::ProcessResult python = test::runProcess(
        "/usr/bin/python3", {test::foveaSourceDir() + "/tests/core/data/detection/check_coco.py",
                             (folder / "instances.json").string()});
    ASSERT_EQ(python.exitCode, 0) << python.output;
    const Result<BoxAnnotations> read = readCoco(folder / "instances.json");
    ASSERT_TRUE(read) << read.error().message;
    std::string ours;
    for (const ImageBoxes& image : read.value().images) {
        for (const Box& box : image.boxes) {
            char line[256];
            std::snprintf(line, sizeof line, "%s\t%s\t%.4f %.4f %.4f %.4f\t%d\n",
                          image.image.generic_string().c_str(), box.className.c_str(), box.x, box.y,
                          box.w, box.h, box.crowd ? 1 : 0);
            ours += line;
        }
    }
    EXPECT_EQ(ours, python.output);
}

}  // namespace
}  // namespace fovea::core::detection
