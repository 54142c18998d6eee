#include "fovea/core/project/image_folder_export.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "fovea/core/project/folder_import.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::writeImage;

// A project over data/ with: cat/a.png, cat/sub/a.png (same name), dog/b.png, loose.png
// (unlabeled), dog/excluded.png, dog/broken.jpg (text), dog/gone.png (deleted after import).
struct ExportFixture {
    TempDir dir;
    ProjectStore store;

    ExportFixture() : store(test::createProject(dir / "project")) {
        const fs::path root = dir / "data";
        writeImage(root / "cat/a.png", 8, 6, 1);
        writeImage(root / "cat/sub/a.png", 8, 6, 2);
        writeImage(root / "dog/b.png", 8, 6, 3);
        writeImage(root / "dog/excluded.png");
        writeImage(root / "dog/gone.png");
        test::writeText(root / "dog/broken.jpg", "not a jpeg");
        writeImage(root / "loose.png");
        auto imported = importFolder(store, root);
        if (!imported) throw std::runtime_error(imported.error().message);
        (void)store.setExcluded({test::imageAt(store, root / "dog/excluded.png").id}, true);
        fs::remove(root / "dog/gone.png");
        (void)rescanProject(store);
    }

    fs::path data(const std::string& relative) const { return dir / "data" / relative; }
};

TEST(ImageFolderExport, CopiesLabeledImagesWithCollisionSafeNames) {
    ExportFixture f;
    auto report = exportImageFolder(f.store, f.dir / "out");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_FALSE(report.value().bySplit);
    EXPECT_EQ(report.value().exported, 3u);
    EXPECT_EQ(report.value().renamed, 1u);
    EXPECT_EQ(report.value().skippedUnlabeled, 1u);
    EXPECT_EQ(report.value().skippedExcluded, 1u);
    EXPECT_EQ(report.value().skippedMissing, 1u);
    EXPECT_EQ(report.value().skippedFailed, 1u);
    EXPECT_TRUE(report.value().problems.empty());

    EXPECT_EQ(test::readText(f.dir / "out/cat/a.png"), test::readText(f.data("cat/a.png")));
    EXPECT_EQ(test::readText(f.dir / "out/cat/a_2.png"), test::readText(f.data("cat/sub/a.png")));
    EXPECT_EQ(test::readText(f.dir / "out/dog/b.png"), test::readText(f.data("dog/b.png")));
    EXPECT_FALSE(fs::is_symlink(f.dir / "out/dog/b.png"));
    EXPECT_FALSE(fs::exists(f.dir / "out/loose.png"));
    EXPECT_FALSE(fs::exists(f.dir / "out/dog/excluded.png"));
    // The export reads back as the same dataset.
    ProjectStore again = test::createProject(f.dir / "again");
    auto reimported = importFolder(again, f.dir / "out");
    ASSERT_TRUE(reimported.ok());
    EXPECT_EQ(reimported.value().added, 3u);
    EXPECT_EQ(reimported.value().classesCreated, (std::vector<std::string>{"cat", "dog"}));
}

TEST(ImageFolderExport, HardLinksShareTheFile) {
    ExportFixture f;
    ImageFolderExportOptions options;
    options.method = ExportMethod::HardLink;
    auto report = exportImageFolder(f.store, f.dir / "out", options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().exported, 3u);
    struct stat source {};
    struct stat link {};
    ASSERT_EQ(stat(f.data("dog/b.png").c_str(), &source), 0);
    ASSERT_EQ(stat((f.dir / "out/dog/b.png").c_str(), &link), 0);
    EXPECT_EQ(source.st_ino, link.st_ino);
    EXPECT_EQ(report.value().copiedInsteadOfLinked, 0u);
}

TEST(ImageFolderExport, SymlinksPointAtTheProjectFiles) {
    ExportFixture f;
    ImageFolderExportOptions options;
    options.method = ExportMethod::SymLink;
    ASSERT_TRUE(exportImageFolder(f.store, f.dir / "out", options).ok());
    ASSERT_TRUE(fs::is_symlink(f.dir / "out/cat/a_2.png"));
    EXPECT_EQ(fs::read_symlink(f.dir / "out/cat/a_2.png"), f.data("cat/sub/a.png"));
}

TEST(ImageFolderExport, SplitFoldersWhenImagesHaveSplits) {
    ExportFixture f;
    ASSERT_TRUE(
        f.store.setSplit({test::imageAt(f.store, f.data("cat/a.png")).id}, Split::Train).ok());
    ASSERT_TRUE(
        f.store.setSplit({test::imageAt(f.store, f.data("dog/b.png")).id}, Split::Val).ok());
    auto report = exportImageFolder(f.store, f.dir / "out");
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report.value().bySplit);
    EXPECT_EQ(report.value().exported, 2u);
    EXPECT_EQ(report.value().skippedNoSplit, 1u);
    EXPECT_TRUE(fs::exists(f.dir / "out/train/cat/a.png"));
    EXPECT_TRUE(fs::exists(f.dir / "out/val/dog/b.png"));

    ImageFolderExportOptions flat;
    flat.splitFolders = SplitFolders::No;
    auto flatReport = exportImageFolder(f.store, f.dir / "flat", flat);
    ASSERT_TRUE(flatReport.ok());
    EXPECT_EQ(flatReport.value().exported, 3u);
    EXPECT_TRUE(fs::exists(f.dir / "flat/cat/a.png"));
}

TEST(ImageFolderExport, RefusesFoldersItMustNotWriteTo) {
    ExportFixture f;
    test::writeText(f.dir / "busy/keep.txt", "mine");
    auto busy = exportImageFolder(f.store, f.dir / "busy");
    ASSERT_FALSE(busy.ok());
    EXPECT_NE(busy.error().message.find("is not empty"), std::string::npos);
    auto inside = exportImageFolder(f.store, f.data("export"));
    ASSERT_FALSE(inside.ok());
    EXPECT_NE(inside.error().message.find("inside the imported folder"), std::string::npos);
    EXPECT_FALSE(fs::exists(f.data("export")));
}

TEST(ImageFolderExport, ClassNamesBecomeSafeFolderNames) {
    EXPECT_EQ(folderSafeName("T-shirt/top"), "T-shirt_top");
    EXPECT_EQ(folderSafeName(".."), "_");
    EXPECT_EQ(folderSafeName(".hidden"), "_hidden");
    EXPECT_EQ(folderSafeName("what?"), "what_");
    EXPECT_EQ(folderSafeName("trailing. "), "trailing");
    EXPECT_EQ(folderSafeName("Ünïcode ok"), "Ünïcode ok");

    TempDir dir;
    ProjectStore store = test::createProject(dir / "project");
    writeImage(dir / "img/1.png");
    writeImage(dir / "img/2.png");
    test::addFakeImages(store, {dir / "img/1.png"}, "a/b");
    test::addFakeImages(store, {dir / "img/2.png"}, "a_b");
    // Two class names that make the same folder name get distinct folders.
    auto report = exportImageFolder(store, dir / "out");
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(fs::exists(dir / "out/a_b/1.png"));
    EXPECT_TRUE(fs::exists(dir / "out/a_b_2/2.png"));
}

}  // namespace
}  // namespace fovea::core
