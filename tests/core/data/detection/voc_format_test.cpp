// Pascal VOC XML: 1-based corners converted to pixel edges, and every unusable file or object
// reported with its line.
#include "detection_test_files.h"

namespace fovea::core::detection {
namespace {

namespace fs = std::filesystem;
using test::expectBox;
using test::expectProblem;
using test::lineOfMarker;
using test::TempFolder;
using test::writeText;

std::string vocObject(const std::string& name, const std::string& corners,
                      const std::string& extra = "") {
    return "  <object>\n    <name>" + name + "</name>" + extra + "\n    <bndbox>" + corners +
           "</bndbox>\n  </object>\n";
}

std::string vocCorners(int xmin, int ymin, int xmax, int ymax) {
    return "<xmin>" + std::to_string(xmin) + "</xmin><ymin>" + std::to_string(ymin) +
           "</ymin><xmax>" + std::to_string(xmax) + "</xmax><ymax>" + std::to_string(ymax) +
           "</ymax>";
}

std::string vocFile(const std::string& filename, int width, int height,
                    const std::string& objects) {
    return "<annotation>\n  <folder>VOC2012</folder>\n  <filename>" + filename +
           "</filename>\n  <size><width>" + std::to_string(width) + "</width><height>" +
           std::to_string(height) + "</height><depth>3</depth></size>\n" + objects +
           "</annotation>\n";
}

TEST(VocFormat, ReadsOneBasedCornersAsPixelEdges) {
    const TempFolder folder("fovea-voc");
    writeText(
        folder / "Annotations/2007_000027.xml",
        vocFile("2007_000027.jpg", 486, 500,
                vocObject("person", vocCorners(1, 1, 486, 500)) +
                    vocObject(" dog ", vocCorners(11, 21, 50, 80), "<difficult>1</difficult>") +
                    // 0 is written by tools counting from 0: the image's edge.
                    vocObject("cat", vocCorners(0, 0, 10, 10))));
    writeText(folder / "Annotations/sub/b.xml", vocFile("b.png", 20, 10, ""));
    const Result<BoxAnnotations> read = readVocFolder(folder / "Annotations");
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& voc = read.value();
    EXPECT_TRUE(voc.problems.empty()) << describe(voc.problems.front());
    EXPECT_EQ(voc.classes, (std::vector<std::string>{"person", "dog", "cat"}));
    ASSERT_EQ(voc.images.size(), 2u);
    EXPECT_EQ(voc.images[0].image, fs::path("2007_000027.jpg"));
    EXPECT_EQ(voc.images[0].width, 486);
    EXPECT_EQ(voc.images[0].height, 500);
    ASSERT_EQ(voc.images[0].boxes.size(), 3u);
    expectBox(voc.images[0].boxes[0], "person", 0, 0, 486, 500);
    expectBox(voc.images[0].boxes[1], "dog", 10, 20, 40, 60);
    EXPECT_TRUE(voc.images[0].boxes[1].difficult);
    EXPECT_FALSE(voc.images[0].boxes[0].difficult);
    expectBox(voc.images[0].boxes[2], "cat", 0, 0, 10, 10);
    // Images are named below the XML's own folder.
    EXPECT_EQ(voc.images[1].image, fs::path("sub/b.png"));
    EXPECT_TRUE(voc.images[1].boxes.empty());
}

TEST(VocFormat, EachBadFileOrObjectIsReportedWithItsLineAndTheRestImports) {
    const TempFolder folder("fovea-voc");
    const std::string text =
        vocFile("a.jpg", 100, 50,
                vocObject("fine", vocCorners(1, 1, 10, 10)) +
                    "  <object>\n    <name>nobox</name>\n  </object>\n" +
                    vocObject("bad", "<xmin>abc</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax>") +
                    vocObject("half", "<xmin>1</xmin><ymin>1</ymin><xmax>5</xmax>") +
                    vocObject("outside", vocCorners(90, 1, 110, 10)) +
                    vocObject("flat", vocCorners(20, 20, 19, 30)) + "  <object>\n    <bndbox>" +
                    vocCorners(1, 1, 2, 2) + "</bndbox>\n  </object>\n");
    const fs::path good = folder / "a.xml";
    writeText(good, text);
    const fs::path broken = folder / "broken.xml";
    writeText(broken, "<annotation>\n  <filename>c.jpg</filename>\n  <size>\n</annotation>\n");
    const fs::path noSize = folder / "nosize.xml";
    writeText(noSize, "<annotation>\n  <filename>d.jpg</filename>\n</annotation>\n");
    const fs::path other = folder / "other.xml";
    writeText(other, "<?xml version=\"1.0\"?>\n<svg>\n</svg>\n");
    const Result<BoxAnnotations> read = readVocFolder(folder.path());
    ASSERT_TRUE(read) << read.error().message;
    const BoxAnnotations& voc = read.value();
    expectProblem(voc.problems, good, lineOfMarker(text, "<name>nobox") - 1, "no <bndbox>");
    expectProblem(voc.problems, good, lineOfMarker(text, "<xmin>abc"),
                  "<xmin> \"abc\" is not a number");
    expectProblem(voc.problems, good, lineOfMarker(text, "<xmax>5</xmax></bndbox>"),
                  "<ymax> is missing");
    expectProblem(voc.problems, good, lineOfMarker(text, "<xmin>90"), "outside the 100x50 image");
    expectProblem(voc.problems, good, lineOfMarker(text, "<xmin>20"), "zero or negative size");
    expectProblem(voc.problems, good,
                  lineOfMarker(text, "<xmin>1</xmin><ymin>1</ymin><xmax>2<") - 1,
                  "<name> (its class) is missing");
    // pugixml stops at the end tag that does not match <size>.
    expectProblem(voc.problems, broken, 4, "not valid XML");
    expectProblem(voc.problems, noSize, 1, "<size> needs a positive whole");
    expectProblem(voc.problems, other, 2, "not a Pascal VOC file");
    EXPECT_EQ(voc.problems.size(), 9u);
    ASSERT_EQ(voc.images.size(), 1u);
    ASSERT_EQ(voc.images[0].boxes.size(), 1u);
    expectBox(voc.images[0].boxes[0], "fine", 0, 0, 10, 10);
    EXPECT_FALSE(readVocFolder(folder / "missing"));
}

}  // namespace
}  // namespace fovea::core::detection
