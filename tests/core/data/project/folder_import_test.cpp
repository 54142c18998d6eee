#include "fovea/core/project/folder_import.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::writeImage;

// path relative to `root` -> label ("" for unlabeled), for compact expectations.
std::map<std::string, std::string> labelsBelow(const ProjectStore& store, const fs::path& root) {
    std::map<std::string, std::string> labels;
    const auto images = store.images().value();
    for (const auto& image : images) {
        labels[image.path.lexically_relative(root).generic_string()] = test::labelOf(store, image);
    }
    return labels;
}

std::vector<std::string> classNames(const ProjectStore& store) {
    std::vector<std::string> names;
    const auto classes = store.classes().value();
    for (const auto& info : classes) names.push_back(info.name);
    return names;
}

TEST(FolderImport, ImageFolderLayoutGivesLabelsFromFirstLevelFolders) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeImage(root / "zebra/z1.png", 10, 7);
    writeImage(root / "cat/c1.png", 12, 9);
    writeImage(root / "cat/deeper/c2.jpg", 16, 16);
    writeImage(root / "ant/a1.png");
    writeImage(root / "loose.png");
    test::writeText(root / "cat/notes.txt", "not an image");
    ProjectStore store = test::createProject(dir / "project");

    auto report = importFolder(store, root);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().layout, FolderLayout::ImageFolder);
    EXPECT_EQ(report.value().found, 5u);
    EXPECT_EQ(report.value().added, 5u);
    EXPECT_TRUE(report.value().unreadable.empty());
    // Sorted by name, as torchvision.datasets.ImageFolder numbers classes.
    EXPECT_EQ(report.value().classesCreated, (std::vector<std::string>{"ant", "cat", "zebra"}));
    EXPECT_EQ(classNames(store), (std::vector<std::string>{"ant", "cat", "zebra"}));
    const std::map<std::string, std::string> expected = {{"zebra/z1.png", "zebra"},
                                                         {"cat/c1.png", "cat"},
                                                         {"cat/deeper/c2.jpg", "cat"},
                                                         {"ant/a1.png", "ant"},
                                                         {"loose.png", ""}};
    EXPECT_EQ(labelsBelow(store, root), expected);

    const ImageRecord c1 = test::imageAt(store, root / "cat/c1.png");
    EXPECT_EQ(c1.width, 12);
    EXPECT_EQ(c1.height, 9);
    EXPECT_EQ(c1.fileSize, fs::file_size(root / "cat/c1.png"));
    EXPECT_FALSE(c1.split);
    EXPECT_FALSE(c1.error);
    // The files were not touched.
    EXPECT_TRUE(fs::exists(root / "cat/c1.png"));
    EXPECT_EQ(store.importRoots().value().size(), 1u);
}

TEST(FolderImport, FlatFolderGivesOnlyUnlabeledImages) {
    TempDir dir;
    writeImage(dir / "flat/a.png");
    writeImage(dir / "flat/b.jpg");
    writeImage(dir / "flat/c.PNG");
    ProjectStore store = test::createProject(dir / "project");
    auto report = importFolder(store, dir / "flat");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().added, 3u);
    EXPECT_TRUE(store.classes().value().empty());
    ImageFilter labeled;
    labeled.labeled = Require::Yes;
    EXPECT_EQ(store.imageCount(labeled).value(), 0);
}

TEST(FolderImport, FlatLayoutIgnoresSubFolders) {
    TempDir dir;
    writeImage(dir / "data/cat/a.png");
    writeImage(dir / "data/b.png");
    ProjectStore store = test::createProject(dir / "project");
    FolderImportOptions options;
    options.layout = FolderLayout::Flat;
    auto report = importFolder(store, dir / "data", options);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.value().added, 2u);
    EXPECT_TRUE(store.classes().value().empty());
}

TEST(FolderImport, SplitLayoutGivesSplitsAndLabels) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeImage(root / "Train/dog/d1.png");
    writeImage(root / "Train/cat/c1.png");
    writeImage(root / "train-extra.png");  // a file, not a folder: does not affect detection
    writeImage(root / "VALID/cat/c2.png");
    writeImage(root / "test/dog/deep/d2.png");
    writeImage(root / "test/t.png");
    ProjectStore store = test::createProject(dir / "project");

    EXPECT_EQ(detectFolderLayout(root).value(), FolderLayout::SplitImageFolder);
    auto report = importFolder(store, root);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().layout, FolderLayout::SplitImageFolder);
    EXPECT_EQ(classNames(store), (std::vector<std::string>{"cat", "dog"}));
    const auto at = [&](const char* path) { return test::imageAt(store, root / path); };
    EXPECT_EQ(at("Train/dog/d1.png").split, std::optional<Split>(Split::Train));
    EXPECT_EQ(test::labelOf(store, at("Train/dog/d1.png")), "dog");
    EXPECT_EQ(at("VALID/cat/c2.png").split, std::optional<Split>(Split::Val));
    EXPECT_EQ(test::labelOf(store, at("VALID/cat/c2.png")), "cat");
    EXPECT_EQ(at("test/dog/deep/d2.png").split, std::optional<Split>(Split::Test));
    EXPECT_EQ(test::labelOf(store, at("test/dog/deep/d2.png")), "dog");
    EXPECT_EQ(at("test/t.png").split, std::optional<Split>(Split::Test));
    EXPECT_EQ(test::labelOf(store, at("test/t.png")), "");
    EXPECT_FALSE(at("train-extra.png").split);
}

TEST(FolderImport, ClassNamedLikeASplitStaysAClass) {
    TempDir dir;
    writeImage(dir / "data/test/a.png");
    writeImage(dir / "data/cat/b.png");
    EXPECT_EQ(detectFolderLayout(dir / "data").value(), FolderLayout::ImageFolder);
    ProjectStore store = test::createProject(dir / "project");
    ASSERT_TRUE(importFolder(store, dir / "data").ok());
    EXPECT_EQ(classNames(store), (std::vector<std::string>{"cat", "test"}));
}

TEST(FolderImport, SkipsHiddenEntriesAndSurvivesSymlinkLoops) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeImage(root / "cat/a.png");
    writeImage(root / "cat/.thumb.png");
    writeImage(root / ".cache/b.png");
    fs::create_directory_symlink(root, root / "cat/loop");       // back up the tree
    fs::create_directory_symlink(root / "cat", root / "alias");  // a second way into cat
    fs::create_symlink(root / "cat/a.png", root / "cat/link.png");
    fs::create_symlink(root / "nowhere.png", root / "cat/dangling.png");
    ProjectStore store = test::createProject(dir / "project");

    auto report = importFolder(store, root);
    ASSERT_TRUE(report.ok()) << report.error().message;
    // a.png and the file symlink link.png, each once, whichever way into cat/ came first.
    EXPECT_EQ(report.value().found, 2u);
    EXPECT_EQ(store.imageCount().value(), 2);
}

TEST(FolderImport, BrokenFilesAreReportedAndImportedWithTheirError) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeImage(root / "cat/good.png", 5, 4);
    test::writeText(root / "cat/empty.jpg", "");
    test::writeText(root / "cat/text.jpg", "I am a text file with an image name\n");
    writeImage(root / "dog/full.png", 64, 64, 3);
    fs::resize_file(root / "dog/full.png", 20);  // cut inside the header
    ProjectStore store = test::createProject(dir / "project");

    auto report = importFolder(store, root);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().added, 4u);
    ASSERT_EQ(report.value().unreadable.size(), 3u);
    for (const auto& problem : report.value().unreadable) {
        EXPECT_FALSE(problem.message.empty());
        EXPECT_NE(problem.path.filename(), "good.png");
    }
    const ImageRecord empty = test::imageAt(store, root / "cat/empty.jpg");
    ASSERT_TRUE(empty.error);
    EXPECT_EQ(test::labelOf(store, empty), "cat");
    EXPECT_TRUE(test::imageAt(store, root / "cat/text.jpg").error);
    EXPECT_TRUE(test::imageAt(store, root / "dog/full.png").error);
    EXPECT_FALSE(test::imageAt(store, root / "cat/good.png").error);
    auto counts = store.classCounts().value();
    EXPECT_EQ(counts[0].failed, 2);  // cat
    EXPECT_EQ(counts[0].unassigned, 1);
}

TEST(FolderImport, ImportingTwiceAddsNothing) {
    TempDir dir;
    writeImage(dir / "data/cat/a.png");
    ProjectStore store = test::createProject(dir / "project");
    ASSERT_TRUE(importFolder(store, dir / "data").ok());
    auto again = importFolder(store, dir / "data");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value().found, 1u);
    EXPECT_EQ(again.value().added, 0u);
    EXPECT_EQ(again.value().updated, 0u);
    EXPECT_TRUE(again.value().classesCreated.empty());
    EXPECT_EQ(store.imageCount().value(), 1);
}

TEST(FolderImport, RescanAddsFlagsMissingAndNeverOverwritesLabels) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeImage(root / "cat/a.png");
    writeImage(root / "cat/b.png");
    writeImage(root / "dog/c.png", 8, 6);
    ProjectStore store = test::createProject(dir / "project");
    ASSERT_TRUE(importFolder(store, root).ok());

    // The user says a.png is a dog and removes the label of b.png.
    const ClassId dog = test::classIdOf(store, "dog");
    ASSERT_TRUE(store.setLabel({test::imageAt(store, root / "cat/a.png").id}, dog).ok());
    ASSERT_TRUE(store.setLabel({test::imageAt(store, root / "cat/b.png").id}, std::nullopt).ok());
    // On disk: a new file, a new class, a file gone, a file changed.
    writeImage(root / "cat/new.png");
    writeImage(root / "bird/e.png");
    fs::rename(root / "dog/c.png", dir / "c.png");
    writeImage(root / "cat/b.png", 30, 20, 5);

    auto report = rescanProject(store);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().added, 2u);
    EXPECT_EQ(report.value().markedMissing, 1u);
    EXPECT_EQ(report.value().updated, 1u);
    EXPECT_EQ(report.value().classesCreated, std::vector<std::string>{"bird"});
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, root / "cat/a.png")), "dog");
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, root / "cat/b.png")), "");
    EXPECT_EQ(test::imageAt(store, root / "cat/b.png").width, 30);
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, root / "cat/new.png")), "cat");
    const ImageRecord c = test::imageAt(store, root / "dog/c.png");
    EXPECT_TRUE(c.missing);
    EXPECT_EQ(test::labelOf(store, c), "dog");  // kept, with its label, for when it returns

    fs::rename(dir / "c.png", root / "dog/c.png");
    auto back = rescanProject(store);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value().returned, 1u);
    EXPECT_EQ(back.value().added, 0u);
    EXPECT_FALSE(test::imageAt(store, root / "dog/c.png").missing);
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, root / "cat/a.png")), "dog");
}

TEST(FolderImport, RescanReportsAFolderThatIsGone) {
    TempDir dir;
    writeImage(dir / "data/cat/a.png");
    ProjectStore store = test::createProject(dir / "project");
    ASSERT_TRUE(importFolder(store, dir / "data").ok());
    fs::remove_all(dir / "data");
    auto report = rescanProject(store);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.value().markedMissing, 1u);
    ASSERT_EQ(report.value().problems.size(), 1u);
    EXPECT_NE(report.value().problems[0].message.find("is not there any more"), std::string::npos);
}

TEST(FolderImport, CancelledImportChangesNothingAndProgressIsReported) {
    TempDir dir;
    for (int i = 0; i < 30; ++i) writeImage(dir / ("data/cat/" + std::to_string(i) + ".png"));
    ProjectStore store = test::createProject(dir / "project");

    std::atomic<bool> cancel{true};
    FolderImportOptions cancelled;
    cancelled.cancel = &cancel;
    auto refused = importFolder(store, dir / "data", cancelled);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("cancelled"), std::string::npos);
    EXPECT_EQ(store.imageCount().value(), 0);
    EXPECT_TRUE(store.classes().value().empty());

    std::vector<ImportProgress::Phase> phases;
    FolderImportOptions watched;
    watched.progress = [&](const ImportProgress& progress) { phases.push_back(progress.phase); };
    ASSERT_TRUE(importFolder(store, dir / "data", watched).ok());
    EXPECT_NE(std::find(phases.begin(), phases.end(), ImportProgress::Phase::Probing),
              phases.end());
    EXPECT_EQ(phases.back(), ImportProgress::Phase::Saving);
}

TEST(FolderImport, RefusesWhatIsNotAFolder) {
    TempDir dir;
    writeImage(dir / "a.png");
    ProjectStore store = test::createProject(dir / "project");
    EXPECT_FALSE(importFolder(store, dir / "nowhere").ok());
    auto file = importFolder(store, dir / "a.png");
    ASSERT_FALSE(file.ok());
    EXPECT_NE(file.error().message.find("not a folder"), std::string::npos);
}

TEST(FolderImport, ImagesInsideTheProjectMoveWithIt) {
    TempDir dir;
    writeImage(dir / "project/images/cat/a.png");
    {
        ProjectStore store = test::createProject(dir / "project");
        ASSERT_TRUE(importFolder(store, dir / "project/images").ok());
    }
    fs::rename(dir / "project", dir / "moved");
    ProjectStore store = test::openProject(dir / "moved");
    EXPECT_EQ(store.images().value()[0].path, dir / "moved/images/cat/a.png");
    EXPECT_EQ(store.importRoots().value()[0].path, dir / "moved/images");
    auto rescan = rescanProject(store);
    ASSERT_TRUE(rescan.ok());
    EXPECT_EQ(rescan.value().markedMissing, 0u);
    EXPECT_EQ(rescan.value().added, 0u);
}

}  // namespace
}  // namespace fovea::core
