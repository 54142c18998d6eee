#include <gtest/gtest.h>

#include "fovea/core/project/csv_format.h"
#include "fovea/core/project/csv_labels.h"
#include "fovea/core/project/folder_import.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::writeImage;

using Fields = std::vector<std::string>;

// --- The RFC 4180 reader and writer ---

TEST(CsvFormat, ParsesQuotesEmbeddedSeparatorsAndLineEnds) {
    const std::string text =
        "\xEF\xBB\xBFpath,label\r\n"
        "\"a,b.png\",cat\r\n"
        "\"say \"\"hi\"\".png\",\"dog\"\n"
        "\"two\r\nlines.png\",\r\n"
        "\r\n"
        "plain.png,bird\r"
        "last.png,,val";  // no final line end
    auto records = parseCsv(text, "labels.csv");
    ASSERT_TRUE(records.ok()) << records.error().message;
    const auto& r = records.value();
    ASSERT_EQ(r.size(), 6u);
    EXPECT_EQ(r[0].fields, (Fields{"path", "label"}));  // BOM gone
    EXPECT_EQ(r[1].fields, (Fields{"a,b.png", "cat"}));
    EXPECT_EQ(r[2].fields, (Fields{"say \"hi\".png", "dog"}));
    EXPECT_EQ(r[3].fields, (Fields{"two\r\nlines.png", ""}));
    EXPECT_EQ(r[4].fields, (Fields{"plain.png", "bird"}));
    EXPECT_EQ(r[5].fields, (Fields{"last.png", "", "val"}));
    // Lines as an editor numbers them: the quoted line break counts, the blank line is skipped.
    EXPECT_EQ(r[0].line, 1u);
    EXPECT_EQ(r[3].line, 4u);
    EXPECT_EQ(r[4].line, 7u);
    EXPECT_EQ(r[5].line, 8u);
}

TEST(CsvFormat, TrailingCommaGivesAnEmptyLastField) {
    auto records = parseCsv("a.png,\n", "x.csv");
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records.value()[0].fields, (Fields{"a.png", ""}));
}

TEST(CsvFormat, MalformedQuotingNamesTheLine) {
    auto unterminated = parseCsv("a.png,cat\n\"b.png,dog\n", "labels.csv");
    ASSERT_FALSE(unterminated.ok());
    EXPECT_NE(unterminated.error().message.find("labels.csv, line 2"), std::string::npos)
        << unterminated.error().message;
    auto stray = parseCsv("a.png,cat\nb.png,\"dog\"x\n", "labels.csv");
    ASSERT_FALSE(stray.ok());
    EXPECT_NE(stray.error().message.find("line 2"), std::string::npos);
}

TEST(CsvFormat, WritesFieldsThatReadBack) {
    EXPECT_EQ(csvField("plain.png"), "plain.png");
    EXPECT_EQ(csvField("a,b"), "\"a,b\"");
    EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csvField(" padded"), "\" padded\"");
    EXPECT_EQ(csvLine({"x", "y,z"}), "x,\"y,z\"\r\n");
    const Fields awkward = {"a,b", "\"q\"", "line\nbreak", " s ", "", "ünïcødé"};
    auto back = parseCsv(csvLine(awkward), "t");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value()[0].fields, awkward);
}

// --- Label files ---

TEST(CsvLabels, ImportAddsImagesClassesAndSplits) {
    TempDir dir;
    writeImage(dir / "data/img/1.png", 9, 7);
    writeImage(dir / "data/img/2.png");
    writeImage(dir / "data/img/3.png");
    writeImage(dir / "data/img/4.png");
    test::writeText(dir / "data/labels.csv",
                    "path,label,split\r\n"
                    "img/1.png,cat,train\r\n"
                    "img/2.png,dog,VAL\r\n"
                    "img/3.png,,\r\n"
                    "img/4.png,dog,\r\n");
    ProjectStore store = test::createProject(dir / "project");
    auto report = importCsv(store, dir / "data/labels.csv");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().found, 4u);
    EXPECT_EQ(report.value().added, 4u);
    EXPECT_TRUE(report.value().problems.empty());
    EXPECT_EQ(report.value().classesCreated, (std::vector<std::string>{"cat", "dog"}));
    const auto one = test::imageAt(store, dir / "data/img/1.png");
    EXPECT_EQ(test::labelOf(store, one), "cat");
    EXPECT_EQ(one.split, std::optional<Split>(Split::Train));
    EXPECT_EQ(one.width, 9);
    EXPECT_EQ(test::imageAt(store, dir / "data/img/2.png").split, std::optional<Split>(Split::Val));
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "data/img/3.png")), "");
    EXPECT_FALSE(test::imageAt(store, dir / "data/img/4.png").split);
}

TEST(CsvLabels, HeaderlessFileAndColumnsByName) {
    TempDir dir;
    writeImage(dir / "a.png");
    writeImage(dir / "b.png");
    writeImage(dir / "c.png");
    test::writeText(dir / "plain.csv", "a.png,cat\nb.png,dog,test\n");
    test::writeText(dir / "named.csv", "split,Class,PATH\ntrain,bird,c.png\n");
    ProjectStore store = test::createProject(dir / "project");
    ASSERT_TRUE(importCsv(store, dir / "plain.csv").ok());
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "a.png")), "cat");
    EXPECT_FALSE(test::imageAt(store, dir / "a.png").split);
    EXPECT_EQ(test::imageAt(store, dir / "b.png").split, std::optional<Split>(Split::Test));

    auto named = importCsv(store, dir / "named.csv");
    ASSERT_TRUE(named.ok());
    EXPECT_EQ(named.value().found, 1u);
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "c.png")), "bird");
    EXPECT_EQ(test::imageAt(store, dir / "c.png").split, std::optional<Split>(Split::Train));
}

TEST(CsvLabels, RowsThatCannotBeUsedAreReportedWithTheirLine) {
    TempDir dir;
    writeImage(dir / "base/ok.png");
    writeImage(dir / "outside.png");
    test::writeText(dir / "base/labels.csv",
                    "path,label,split\n"
                    "ok.png,cat,train\n"     // line 2
                    "../outside.png,cat,\n"  // line 3
                    "\"" +
                        (dir / "outside.png").string() +
                        "\",cat,\n"             // line 4
                        "missing.png,cat,\n"    // line 5
                        "ok.png,cat,holdout\n"  // line 6
                        ",cat,\n");             // line 7
    ProjectStore store = test::createProject(dir / "project");
    auto report = importCsv(store, dir / "base/labels.csv");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().added, 1u);
    ASSERT_EQ(report.value().problems.size(), 5u);
    const auto& problems = report.value().problems;
    EXPECT_NE(problems[0].message.find("labels.csv, line 3: path \"../outside.png\" is outside "
                                       "the base folder"),
              std::string::npos)
        << problems[0].message;
    EXPECT_NE(problems[1].message.find("line 4"), std::string::npos);
    EXPECT_NE(problems[1].message.find("outside the base folder"), std::string::npos);
    EXPECT_NE(problems[2].message.find("line 5: file not found"), std::string::npos);
    EXPECT_NE(problems[3].message.find("line 6: unknown split \"holdout\""), std::string::npos);
    EXPECT_NE(problems[4].message.find("line 7"), std::string::npos);
    EXPECT_EQ(store.imageCount().value(), 1);
}

TEST(CsvLabels, BaseFolderOption) {
    TempDir dir;
    writeImage(dir / "images/a.png");
    test::writeText(dir / "meta/labels.csv", "a.png,cat\n");
    ProjectStore store = test::createProject(dir / "project");
    CsvImportOptions options;
    options.baseFolder = dir / "images";
    auto report = importCsv(store, dir / "meta/labels.csv", options);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.value().added, 1u);
}

TEST(CsvLabels, ExistingLabelsAreKeptUnlessReplacing) {
    TempDir dir;
    writeImage(dir / "data/cat/a.png");
    writeImage(dir / "data/b.png");
    test::writeText(dir / "data/labels.csv", "cat/a.png,dog\nb.png,dog\n");
    ProjectStore store = test::createProject(dir / "project");
    ASSERT_TRUE(importFolder(store, dir / "data").ok());

    auto filled = importCsv(store, dir / "data/labels.csv");
    ASSERT_TRUE(filled.ok());
    EXPECT_EQ(filled.value().labelsApplied, 1u);  // b.png had no label
    ASSERT_EQ(filled.value().conflicts.size(), 1u);
    EXPECT_NE(filled.value().conflicts[0].message.find("kept \"cat\""), std::string::npos);
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "data/cat/a.png")), "cat");
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "data/b.png")), "dog");

    CsvImportOptions replace;
    replace.replaceExisting = true;
    ASSERT_TRUE(importCsv(store, dir / "data/labels.csv", replace).ok());
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "data/cat/a.png")), "dog");
}

TEST(CsvLabels, ExportThenImportRoundTripsAwkwardPaths) {
    TempDir dir;
    const fs::path root = dir / "data";
    const std::vector<std::string> names = {"cat/comma, in name.png", "cat/say \"cheese\".png",
                                            "dog/ leading space.png", "dog/ünïcødé.png",
                                            "plain.png"};
    for (const auto& name : names) writeImage(root / name);
    {
        ProjectStore store = test::createProject(dir / "one");
        ASSERT_TRUE(importFolder(store, root).ok());
        const auto weird = test::imageAt(store, root / "cat/say \"cheese\".png").id;
        ASSERT_TRUE(store.setSplit({weird}, Split::Test).ok());
        auto exported = exportCsv(store, root / "labels.csv");
        ASSERT_TRUE(exported.ok()) << exported.error().message;
        EXPECT_EQ(exported.value().rows, 5u);
    }
    const std::string written = test::readText(root / "labels.csv");
    EXPECT_EQ(written.rfind("path,label,split\r\n", 0), 0u);
    EXPECT_NE(written.find("\"cat/say \"\"cheese\"\".png\",cat,test\r\n"), std::string::npos)
        << written;
    EXPECT_NE(written.find("\"cat/comma, in name.png\",cat,\r\n"), std::string::npos);
    // Atomic replace: no temporary file is left beside it.
    for (const auto& entry : fs::directory_iterator(root)) {
        EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);
    }

    ProjectStore other = test::createProject(dir / "two");
    auto imported = importCsv(other, root / "labels.csv");
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    EXPECT_TRUE(imported.value().problems.empty());
    EXPECT_EQ(imported.value().added, 5u);
    for (const auto& name : names) {
        const auto image = test::imageAt(other, root / name);
        const std::string expected = name.rfind("cat/", 0) == 0   ? "cat"
                                     : name.rfind("dog/", 0) == 0 ? "dog"
                                                                  : "";
        EXPECT_EQ(test::labelOf(other, image), expected) << name;
    }
    EXPECT_EQ(test::imageAt(other, root / "cat/say \"cheese\".png").split,
              std::optional<Split>(Split::Test));
}

TEST(CsvLabels, ExportLeavesOutWhatItIsAskedTo) {
    TempDir dir;
    TempDir elsewhere;
    ProjectStore store = test::createProject(dir / "project");
    const auto inside = test::addFakeImages(store, {dir / "data/a.png", dir / "data/b.png"}, "cat");
    test::addFakeImages(store, {dir / "data/u.png"});
    test::addFakeImages(store, {elsewhere / "far.png"}, "cat");
    ASSERT_TRUE(store.setExcluded({inside[1]}, true).ok());
    fs::create_directories(dir / "data");

    CsvExportOptions options;
    options.includeUnlabeled = false;
    options.includeSplit = false;
    auto report = exportCsv(store, dir / "data/out.csv", options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().rows, 1u);
    EXPECT_EQ(report.value().excludedSkipped, 1u);
    EXPECT_EQ(report.value().unlabeledSkipped, 1u);
    EXPECT_EQ(report.value().outsideBaseFolder, 1u);
    EXPECT_EQ(test::readText(dir / "data/out.csv"), "path,label\r\na.png,cat\r\n");

    // Replacing an existing file works the same way.
    ASSERT_TRUE(exportCsv(store, dir / "data/out.csv").ok());
    EXPECT_NE(test::readText(dir / "data/out.csv").find("u.png,,"), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
