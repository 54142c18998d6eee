// Written then read back: each format gives the same boxes (within what it can store), files are
// replaced atomically, and what a format cannot hold is counted, not lost silently.
#include "detection_test_files.h"
#include "run_process.h"

namespace fovea::core::detection {
namespace {

namespace fs = std::filesystem;
using test::expectBox;
using test::TempFolder;
using test::writeImage;

// Fractional boxes on two real images, one in a subfolder, plus a background image.
BoxAnnotations sampleAnnotations() {
    BoxAnnotations annotations;
    annotations.classes = {"person", "traffic light", "dog"};
    annotations.images = {
        {"a.png",
         640,
         480,
         {{"person", 10.25f, 20.5f, 100.75f, 200.125f},
          {"dog", 0, 0, 640, 480},
          {"traffic light", 600.4f, 3.3f, 39.6f, 17.7f}},
         {},
         0},
        {"sub/b.jpg", 64, 48, {{"dog", 1, 2, 3, 4}}, {}, 0},
        {"sub/empty.png", 16, 16, {}, {}, 0},
    };
    return annotations;
}

void expectSameBoxes(const BoxAnnotations& read, const BoxAnnotations& written, float tolerance) {
    ASSERT_EQ(read.images.size(), written.images.size());
    for (std::size_t i = 0; i < read.images.size(); ++i) {
        const ImageBoxes& got = read.images[i];
        const ImageBoxes& want = written.images[i];
        EXPECT_EQ(got.image, want.image);
        EXPECT_EQ(got.width, want.width);
        EXPECT_EQ(got.height, want.height);
        ASSERT_EQ(got.boxes.size(), want.boxes.size()) << want.image;
        for (std::size_t b = 0; b < got.boxes.size(); ++b) {
            const Box& box = want.boxes[b];
            expectBox(got.boxes[b], box.className, box.x, box.y, box.w, box.h, tolerance);
            EXPECT_EQ(got.boxes[b].crowd, box.crowd);
            EXPECT_EQ(got.boxes[b].difficult, box.difficult);
        }
    }
}

TEST(BoxRoundTrip, CocoKeepsEveryBoxAndFlag) {
    const TempFolder folder("fovea-boxes");
    BoxAnnotations annotations = sampleAnnotations();
    annotations.images[0].boxes[1].crowd = true;
    annotations.images[1].boxes[0].difficult = true;
    const Result<WriteSummary> written = writeCoco(annotations, folder / "out/instances.json");
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(written.value().files, 1u);
    EXPECT_EQ(written.value().boxes, 4u);
    EXPECT_EQ(written.value().leftOut, 0u);
    const Result<BoxAnnotations> read = readCoco(folder / "out/instances.json");
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_TRUE(read.value().problems.empty());
    EXPECT_EQ(read.value().classes, annotations.classes);
    // Floats are written in their shortest exact form; only 600.4f + 39.6f, a float-rounding
    // hair beyond the image's right edge, comes back clipped to it.
    expectSameBoxes(read.value(), annotations, 1e-4f);
    // And the file is COCO by the definition's independent reading.
    const test::ProcessResult python = test::runProcess(
        "/usr/bin/python3", {test::foveaSourceDir() + "/tests/core/data/detection/check_coco.py",
                             (folder / "out/instances.json").string()});
    EXPECT_EQ(python.exitCode, 0) << python.output;
    EXPECT_NE(python.output.find("a.png\tdog\t0.0000 0.0000 640.0000 480.0000\t1"),
              std::string::npos)
        << python.output;
}

TEST(BoxRoundTrip, YoloKeepsBoxesToSixDecimalsAndLeavesOutFlaggedOnes) {
    const TempFolder folder("fovea-boxes");
    BoxAnnotations annotations = sampleAnnotations();
    for (const ImageBoxes& image : annotations.images) {
        writeImage(folder / "images" / image.image, image.width, image.height);
    }
    const Result<WriteSummary> written = writeYolo(annotations, folder / "labels");
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(written.value().files, 4u);  // three label files and classes.txt
    EXPECT_EQ(written.value().boxes, 4u);
    const Result<BoxAnnotations> read = readYoloFolder(folder / "images", folder / "labels");
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_TRUE(read.value().problems.empty()) << describe(read.value().problems.front());
    EXPECT_EQ(read.value().classes, annotations.classes);
    // Six decimals of a fraction of 640 pixels: within a thousandth of a pixel.
    expectSameBoxes(read.value(), annotations, 1e-3f);

    annotations.images[0].boxes[1].crowd = true;
    annotations.images[1].boxes[0].difficult = true;
    const Result<WriteSummary> flagged = writeYolo(annotations, folder / "labels");
    ASSERT_TRUE(flagged) << flagged.error().message;
    EXPECT_EQ(flagged.value().boxes, 2u);
    EXPECT_EQ(flagged.value().leftOut, 2u);
    const Result<BoxAnnotations> reread = readYoloFolder(folder / "images", folder / "labels");
    ASSERT_TRUE(reread) << reread.error().message;
    EXPECT_EQ(reread.value().images[0].boxes.size(), 2u);
    EXPECT_TRUE(reread.value().images[1].boxes.empty());
}

TEST(BoxRoundTrip, VocKeepsWholePixelBoxesAndRoundsOthers) {
    const TempFolder folder("fovea-boxes");
    BoxAnnotations annotations = sampleAnnotations();
    annotations.images[0].boxes[1].crowd = true;
    annotations.images[1].boxes[0].difficult = true;
    const Result<WriteSummary> written = writeVoc(annotations, folder / "Annotations");
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(written.value().files, 3u);
    EXPECT_EQ(written.value().boxes, 4u);
    EXPECT_TRUE(fs::is_regular_file(folder / "Annotations/sub/b.xml"));
    const Result<BoxAnnotations> read = readVocFolder(folder / "Annotations");
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_TRUE(read.value().problems.empty()) << describe(read.value().problems.front());
    const std::vector<Box>& a = read.value().images.at(0).boxes;
    ASSERT_EQ(a.size(), 3u);
    // Whole-pixel boxes come back exactly; others to the nearest pixel edges.
    expectBox(a[1], "dog", 0, 0, 640, 480, 0);
    expectBox(a[0], "person", 10, 21, 101, 200, 0);  // edges 10.25..111 and 20.5..220.625
    expectBox(a[2], "traffic light", 600, 3, 40, 18, 0);
    // VOC has no crowd flag: a crowd box comes back difficult (not scored either way).
    EXPECT_TRUE(a[1].difficult);
    EXPECT_TRUE(read.value().images.at(1).boxes.at(0).difficult);
    expectBox(read.value().images.at(1).boxes.at(0), "dog", 1, 2, 3, 4, 0);
}

TEST(BoxRoundTrip, WritingReplacesTheFileAndRefusesUnknownClasses) {
    const TempFolder folder("fovea-boxes");
    const fs::path file = folder / "instances.json";
    test::writeText(file, "old content");
    ASSERT_TRUE(writeCoco(sampleAnnotations(), file));
    EXPECT_TRUE(readCoco(file));
    // Nothing but the file itself is left beside it (the temporary file was renamed over it).
    EXPECT_EQ(std::distance(fs::directory_iterator(folder.path()), fs::directory_iterator()), 1);

    BoxAnnotations unknown = sampleAnnotations();
    unknown.images[0].boxes[0].className = "zebra";
    const Result<WriteSummary> refused = writeYolo(unknown, folder / "labels");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("\"zebra\" is not in the class list"),
              std::string::npos);
    BoxAnnotations escaping = sampleAnnotations();
    escaping.images[0].image = "../outside.png";
    EXPECT_FALSE(writeVoc(escaping, folder / "voc"));
    EXPECT_FALSE(fs::exists(folder / "outside.xml"));
}

}  // namespace
}  // namespace fovea::core::detection
