// Label files whose paths try to leave the folder they may reach (csv_labels.h: a CSV reaches
// only the images under its base folder). Each such row is refused with an error naming the CSV
// and the line, the rows around it are imported, and nothing outside is added to the project.
// (Plain "../" and absolute paths are in csv_test.cpp:
// RowsThatCannotBeUsedAreReportedWithTheirLine.)

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "fovea/core/project/csv_labels.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::writeImage;

// The problem reported for `line`, or a failed test.
std::string problemOnLine(const ImportReport& report, std::size_t line) {
    const std::string tag = "labels.csv, line " + std::to_string(line) + ": ";
    for (const auto& problem : report.problems) {
        if (problem.message.rfind(tag, 0) == 0) return problem.message;
    }
    ADD_FAILURE() << "no problem reported for line " << line;
    return {};
}

void expectOnlyInsideImages(const ProjectStore& store, const std::vector<std::string>& names) {
    auto images = store.images();
    ASSERT_TRUE(images.ok()) << images.error().message;
    std::vector<std::string> found;
    for (const auto& image : images.value()) found.push_back(image.path.filename().string());
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, names);
}

TEST(CsvAbuse, PathsEscapingTheFolderAreRefusedPerRowAndTheRestImports) {
    TempDir dir;
    writeImage(dir / "base/ok.png");
    writeImage(dir / "base/sub/deep.png");
    test::writeText(dir / "base/labels.csv",
                    "path,label\n"
                    "ok.png,cat\n"                           // 2
                    "../../../../../../../etc/passwd,cat\n"  // 3
                    "/etc/passwd,cat\n"                      // 4
                    "sub/../../base/../../etc/passwd,cat\n"  // 5
                    "sub/deep.png,dog\n");                   // 6
    ProjectStore store = test::createProject(dir / "project");
    auto report = importCsv(store, dir / "base/labels.csv");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().added, 2u);
    for (const std::size_t line : {3u, 4u, 5u}) {
        const std::string message = problemOnLine(report.value(), line);
        EXPECT_NE(message.find("is outside the base folder"), std::string::npos) << message;
    }
    expectOnlyInsideImages(store, {"deep.png", "ok.png"});
}

TEST(CsvAbuse, SymbolicLinkToAFileOutsideIsRefused) {
    TempDir dir;
    writeImage(dir / "base/ok.png");
    writeImage(dir / "secret/outside.png");
    fs::create_symlink(dir / "secret/outside.png", dir / "base/innocent.png");
    fs::create_symlink("/etc/passwd", dir / "base/passwd.png");
    test::writeText(dir / "base/labels.csv",
                    "innocent.png,cat\n"  // 1
                    "ok.png,cat\n"        // 2
                    "passwd.png,dog\n");  // 3
    ProjectStore store = test::createProject(dir / "project");
    auto report = importCsv(store, dir / "base/labels.csv");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().added, 1u);
    const std::string first = problemOnLine(report.value(), 1);
    EXPECT_NE(first.find("path \"innocent.png\" leads through a symbolic link to " +
                         fs::canonical(dir / "secret/outside.png").string() +
                         ", outside the base folder"),
              std::string::npos)
        << first;
    EXPECT_NE(problemOnLine(report.value(), 3).find("symbolic link to /etc/passwd"),
              std::string::npos);
    expectOnlyInsideImages(store, {"ok.png"});
}

TEST(CsvAbuse, SymbolicLinkToAFolderOutsideIsRefused) {
    TempDir dir;
    writeImage(dir / "base/ok.png");
    writeImage(dir / "elsewhere/far.png");
    fs::create_directory_symlink(dir / "elsewhere", dir / "base/linked");
    test::writeText(dir / "base/labels.csv", "linked/far.png,cat\nok.png,dog\n");
    ProjectStore store = test::createProject(dir / "project");
    auto report = importCsv(store, dir / "base/labels.csv");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_NE(problemOnLine(report.value(), 1).find("leads through a symbolic link"),
              std::string::npos);
    expectOnlyInsideImages(store, {"ok.png"});
}

TEST(CsvAbuse, SymbolicLinksThatStayInsideAreImported) {
    // The control: a link within the folder (and a base folder reached through a link) is fine.
    TempDir dir;
    writeImage(dir / "real/images/a.png");
    fs::create_symlink("a.png", dir / "real/images/alias.png");
    fs::create_directory_symlink(dir / "real", dir / "via-link");
    test::writeText(dir / "real/images/labels.csv", "alias.png,cat\n");
    ProjectStore store = test::createProject(dir / "project");
    auto report = importCsv(store, dir / "via-link/images/labels.csv");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(report.value().problems.empty()) << report.value().problems.front().message;
    expectOnlyInsideImages(store, {"alias.png"});
}

TEST(CsvAbuse, PathWithANulCharacterIsRefused) {
    // Everything after a NUL would be cut off by the C library: "x\0/../../../etc/passwd" must
    // not be stored as one name and opened as another.
    TempDir dir;
    writeImage(dir / "base/ok.png");
    std::string csv = "ok.png,cat\n\"..";
    csv += '\0';
    csv += "x/ok.png\",cat\n";
    test::writeText(dir / "base/labels.csv", csv);
    ProjectStore store = test::createProject(dir / "project");
    auto report = importCsv(store, dir / "base/labels.csv");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_NE(problemOnLine(report.value(), 2).find("NUL character"), std::string::npos);
    expectOnlyInsideImages(store, {"ok.png"});
}

}  // namespace
}  // namespace fovea::core
