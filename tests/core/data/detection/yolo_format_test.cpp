// YOLO txt labels on real images: sizes probed (EXIF orientation included), class names from
// classes.txt or data.yaml, and every malformed line reported with its line.
#include <opencv2/imgcodecs.hpp>

#include <zlib.h>

#include "detection_test_files.h"
#include "fovea/core/image/image_decode.h"
#include "upright_size.h"

namespace fovea::core::detection {
namespace {

namespace fs = std::filesystem;
using test::expectBox;
using test::expectProblem;
using test::TempFolder;
using test::writeImage;
using test::writeText;

TEST(YoloFormat, ReadsFractionsAsPixelsOfTheProbedImages) {
    const TempFolder folder("fovea-yolo");
    writeImage(folder / "images/a.png", 200, 100);
    writeImage(folder / "images/sub/b.jpg", 64, 48);
    writeImage(folder / "images/background.bmp", 10, 10);
    writeText(folder / "labels/a.txt", "1 0.5 0.5 0.5 0.5\n0 0.1 0.2 0.2 0.4\n");
    writeText(folder / "labels/sub/b.txt",
              "\xEF\xBB\xBF"
              "0 0.5 0.5 1 1\r\n\r\n");
    writeText(folder / "labels/classes.txt", "cat\ndog\n");
    const Result<BoxAnnotations> read = readYoloFolder(folder / "images", folder / "labels");
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& yolo = read.value();
    EXPECT_TRUE(yolo.problems.empty()) << describe(yolo.problems.front());
    EXPECT_EQ(yolo.classes, (std::vector<std::string>{"cat", "dog"}));
    EXPECT_EQ(yolo.classesFrom, folder / "labels/classes.txt");
    ASSERT_EQ(yolo.images.size(), 3u);  // sorted by path
    EXPECT_EQ(yolo.images[0].image, fs::path("a.png"));
    EXPECT_EQ(yolo.images[0].width, 200);
    EXPECT_EQ(yolo.images[0].height, 100);
    ASSERT_EQ(yolo.images[0].boxes.size(), 2u);
    expectBox(yolo.images[0].boxes[0], "dog", 50, 25, 100, 50);
    expectBox(yolo.images[0].boxes[1], "cat", 0, 0, 40, 40);
    // An image without a label file is a background image, as Ultralytics reads it.
    EXPECT_EQ(yolo.images[1].image, fs::path("background.bmp"));
    EXPECT_TRUE(yolo.images[1].boxes.empty());
    EXPECT_EQ(yolo.images[2].image, fs::path("sub/b.jpg"));
    ASSERT_EQ(yolo.images[2].boxes.size(), 1u);
    expectBox(yolo.images[2].boxes[0], "cat", 0, 0, 64, 48);
}

TEST(YoloFormat, FractionsAreOfTheImageAsShownAfterExifOrientation) {
    const TempFolder folder("fovea-yolo");
    // Stored 200 wide and 100 high; orientation 6 shows it 100 wide and 200 high.
    test::writeJpegWithOrientation(folder / "turned.jpg", 200, 100, 6);
    test::writeJpegWithOrientation(folder / "upright.jpg", 200, 100, 1);
    const cv::Mat shown = cv::imread((folder / "turned.jpg").string());
    ASSERT_EQ(shown.cols, 100);  // OpenCV's decoder agrees the tag turns it
    ASSERT_EQ(shown.rows, 200);
    const Result<box_formats::UprightSize> size =
        box_formats::probeUprightSize(folder / "turned.jpg");
    ASSERT_TRUE(size) << size.error().message;
    EXPECT_EQ(size.value().orientation, 6);
    writeText(folder / "turned.txt", "0 0.5 0.5 0.5 0.5\n");
    writeText(folder / "upright.txt", "0 0.5 0.5 0.5 0.5\n");
    const Result<BoxAnnotations> read = readYoloFolder(folder.path(), folder.path());
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& yolo = read.value();
    EXPECT_TRUE(yolo.problems.empty()) << describe(yolo.problems.front());
    ASSERT_EQ(yolo.images.size(), 2u);
    EXPECT_EQ(yolo.images[0].width, 100);
    EXPECT_EQ(yolo.images[0].height, 200);
    expectBox(yolo.images[0].boxes.at(0), "0", 25, 50, 50, 100);
    EXPECT_EQ(yolo.images[1].width, 200);
    EXPECT_EQ(yolo.images[1].height, 100);
    expectBox(yolo.images[1].boxes.at(0), "0", 50, 25, 100, 50);
    // Without a names file, classes are named by index.
    EXPECT_EQ(yolo.classes, (std::vector<std::string>{"0"}));
    EXPECT_TRUE(yolo.classesFrom.empty());
}

// A PNG with an eXIf chunk (with its CRC) holding `orientation`, right after IHDR.
void writePngWithOrientation(const fs::path& file, int width, int height, int orientation) {
    std::vector<std::uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", cv::Mat(height, width, CV_8UC3, cv::Scalar(1, 2, 3)), png));
    std::vector<std::uint8_t> chunk = {
        0,   0,   0,   26, 'e',  'X',  'I',
        'f', 'M', 'M', 0,  42,   0,    0,
        0,   8,   0,   1,  0x01, 0x12, 0,
        3,   0,   0,   0,  1,    0,    static_cast<std::uint8_t>(orientation),
        0,   0,   0,   0,  0,    0};
    const uLong crc = crc32(0, chunk.data() + 4, static_cast<uInt>(chunk.size() - 4));
    for (int shift = 24; shift >= 0; shift -= 8) {
        chunk.push_back(static_cast<std::uint8_t>(crc >> shift));
    }
    png.insert(png.begin() + 33, chunk.begin(), chunk.end());  // signature 8 + IHDR 25
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
}

// The size the probe gives is the size Fovea's decoder shows, in every format it orients.
TEST(YoloFormat, UprightSizeAgreesWithTheDecoder) {
    const TempFolder folder("fovea-yolo");
    std::vector<fs::path> files;
    for (int orientation = 1; orientation <= 8; ++orientation) {
        files.push_back(folder / ("exif" + std::to_string(orientation) + ".jpg"));
        test::writeJpegWithOrientation(files.back(), 30, 20, orientation);
    }
    for (int orientation : {1, 6, 8}) {
        files.push_back(folder / ("exif" + std::to_string(orientation) + ".png"));
        writePngWithOrientation(files.back(), 30, 20, orientation);
    }
    for (const char* name : {"plain.tif", "plain.webp", "plain.bmp"}) {
        files.push_back(folder / name);
        writeImage(files.back(), 30, 20);
    }
    for (const fs::path& file : files) {
        const Result<box_formats::UprightSize> size = box_formats::probeUprightSize(file);
        ASSERT_TRUE(size) << size.error().message;
        const Result<DecodedImage> decoded = decodeImage(file);
        ASSERT_TRUE(decoded) << decoded.error().message;
        EXPECT_EQ(size.value().width, decoded.value().rgb.cols) << file;
        EXPECT_EQ(size.value().height, decoded.value().rgb.rows) << file;
    }
    EXPECT_EQ(box_formats::probeUprightSize(folder / "exif8.png").value().width, 20);
}

TEST(YoloFormat, EachMalformedLineIsReportedWithItsLineAndTheRestImports) {
    const TempFolder folder("fovea-yolo");
    writeImage(folder / "a.png", 100, 50);
    writeText(folder / "classes.txt", "cat\ndog\n");
    const fs::path labels = folder / "a.txt";
    writeText(labels,
              "0 0.5 0.5 0.2 0.2\n"        // 1: fine
              "0 0.5 0.5 0.2\n"            // 2: four numbers
              "0 abc 0.5 0.2 0.2\n"        // 3: not a number
              "2 0.5 0.5 0.2 0.2\n"        // 4: class out of range (2 names)
              "0 1.5 0.5 0.2 0.2\n"        // 5: a fraction above 1
              "0 0.95 0.5 0.2 0.2\n"       // 6: right edge 5 pixels outside
              "0 0.5 0.5 0 0.2\n"          // 7: zero width
              "-1 0.5 0.5 0.2 0.2\n"       // 8: negative class
              "1.0 0.5 0.5 0.2 0.2\n"      // 9: class not a whole number
              "0 0 0 1 0 1 1 0 1\n"        // 10: a polygon (8 values after the class)
              "1 0.9975 0.5 0.01 0.2\n");  // 11: 0.25 px out: clipped, kept
    const Result<BoxAnnotations> read = readYoloFolder(folder.path(), folder.path());
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& yolo = read.value();
    expectProblem(yolo.problems, labels, 2, "expected 5 values");
    expectProblem(yolo.problems, labels, 3, "\"abc\" is not a number");
    expectProblem(yolo.problems, labels, 4, "class 2 is out of range (2 names in classes.txt)");
    expectProblem(yolo.problems, labels, 5, "cx 1.5 is outside 0..1");
    expectProblem(yolo.problems, labels, 6, "outside the 100x50 image");
    expectProblem(yolo.problems, labels, 7, "zero or negative size");
    expectProblem(yolo.problems, labels, 8, "not a class index");
    expectProblem(yolo.problems, labels, 9, "not a class index");
    expectProblem(yolo.problems, labels, 10, "segmentation polygon");
    EXPECT_EQ(yolo.problems.size(), 9u);
    ASSERT_EQ(yolo.images.size(), 1u);
    ASSERT_EQ(yolo.images[0].boxes.size(), 2u);
    expectBox(yolo.images[0].boxes[0], "cat", 40, 20, 20, 10);
    expectBox(yolo.images[0].boxes[1], "dog", 99.25f, 20, 0.75f, 10);
}

TEST(YoloFormat, UnreadableImagesAndLabelsWithoutImagesAreReported) {
    const TempFolder folder("fovea-yolo");
    writeImage(folder / "images/good.png", 20, 20);
    writeText(folder / "images/broken.png", "not an image");
    writeText(folder / "labels/broken.txt", "0 0.5 0.5 0.5 0.5\n");
    writeText(folder / "labels/gone.txt", "0 0.5 0.5 0.5 0.5\n");
    const Result<BoxAnnotations> read = readYoloFolder(folder / "images", folder / "labels");
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& yolo = read.value();
    expectProblem(yolo.problems, folder / "images/broken.png", 0, "not an image");
    expectProblem(yolo.problems, folder / "labels/gone.txt", 0, "no image named gone.*");
    EXPECT_EQ(yolo.problems.size(), 2u);
    ASSERT_EQ(yolo.images.size(), 1u);
    EXPECT_EQ(yolo.images[0].image, fs::path("good.png"));
}

TEST(YoloFormat, ClassNamesFromUltralyticsDataYaml) {
    const TempFolder folder("fovea-yolo");
    // Ultralytics' layout: data.yaml at the root, images/train and labels/train below it.
    writeImage(folder / "images/train/a.png", 40, 40);
    writeText(folder / "labels/train/a.txt", "2 0.5 0.5 0.5 0.5\n");
    writeText(folder / "data.yaml",
              "path: .\ntrain: images/train\nnames:\n  0: person\n  1: 'traffic light'  # x\n"
              "  2: \"stop sign\"\nnc: 3\n");
    Result<BoxAnnotations> read = readYoloFolder(folder / "images/train", folder / "labels/train");
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read.value().classesFrom, folder / "data.yaml");
    EXPECT_EQ(read.value().classes,
              (std::vector<std::string>{"person", "traffic light", "stop sign"}));
    EXPECT_EQ(read.value().images.at(0).boxes.at(0).className, "stop sign");

    writeText(folder / "list.yaml", "names: [person, 'a, b', car]\n");
    const auto flow = readYoloClassNames(folder / "list.yaml");
    ASSERT_TRUE(flow) << flow.error().message;
    EXPECT_EQ(flow.value(), (std::vector<std::string>{"person", "a, b", "car"}));
    writeText(folder / "block.yml", "nc: 2\nnames:\n  - person\n  - car\ntrain: x\n");
    const auto block = readYoloClassNames(folder / "block.yml");
    ASSERT_TRUE(block) << block.error().message;
    EXPECT_EQ(block.value(), (std::vector<std::string>{"person", "car"}));
}

TEST(YoloFormat, BadClassNamesFilesAreErrorsNamingTheLine) {
    const TempFolder folder("fovea-yolo");
    writeText(folder / "gap.txt", "cat\n\ndog\n");
    const auto gap = readYoloClassNames(folder / "gap.txt");
    ASSERT_FALSE(gap);
    EXPECT_EQ(gap.error().message,
              (folder / "gap.txt").string() + ", line 2: blank line between class names");
    writeText(folder / "skip.yaml", "names:\n  0: a\n  2: c\n");
    const auto skip = readYoloClassNames(folder / "skip.yaml");
    ASSERT_FALSE(skip);
    EXPECT_NE(skip.error().message.find("skip.yaml, line 3: class index 2"), std::string::npos)
        << skip.error().message;
    writeText(folder / "twice.txt", "cat\ncat\n");
    EXPECT_FALSE(readYoloClassNames(folder / "twice.txt"));
    // A broken names file found beside the labels stops the import: wrong names are worse than
    // none.
    writeImage(folder / "img/a.png", 8, 8);
    writeText(folder / "img/classes.txt", "a\n\nb\n");
    EXPECT_FALSE(readYoloFolder(folder / "img", folder / "img"));
    EXPECT_FALSE(readYoloFolder(folder / "missing", folder / "missing"));
}

}  // namespace
}  // namespace fovea::core::detection
