#include "fovea/core/project/folder_walk.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::writeText;

struct Walked {
    std::vector<std::string> files;  // relative to the root, generic, in walk order
    FolderWalkResult result;
};

Walked walk(const fs::path& root, FolderWalkVisitor visitor = {}) {
    Walked walked;
    visitor.visitFile = [&](const WalkedFile& file) {
        walked.files.push_back(file.path.lexically_relative(root).generic_string());
    };
    walked.result = walkFolder(root, visitor);
    return walked;
}

TEST(FolderWalk, SkipsHiddenFilesAndFoldersAtAnyDepth) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(root / "a.png", "a");
    writeText(root / ".hidden.png", "h");
    writeText(root / ".cache/b.png", "b");
    writeText(root / "sub/c.png", "c");
    writeText(root / "sub/.d.png", "d");
    writeText(root / "sub/.git/e.png", "e");

    const Walked walked = walk(root);
    EXPECT_EQ(walked.files, (std::vector<std::string>{"a.png", "sub/c.png"}));
    EXPECT_TRUE(walked.result.problems.empty());
}

TEST(FolderWalk, FilesComeInNameOrderWithTheirSizes) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(root / "b.png", "bb");
    writeText(root / "a.png", "a");
    writeText(root / "c/z.png", "zzz");
    writeText(root / "c/y.png", "yyyy");
    std::vector<std::string> files;
    std::vector<std::uintmax_t> sizes;
    FolderWalkVisitor visitor;
    visitor.visitFile = [&](const WalkedFile& file) {
        files.push_back(file.path.lexically_relative(root).generic_string());
        sizes.push_back(file.size);
    };

    ASSERT_TRUE(walkFolder(root, visitor).problems.empty());
    EXPECT_EQ(files, (std::vector<std::string>{"a.png", "b.png", "c/y.png", "c/z.png"}));
    EXPECT_EQ(sizes, (std::vector<std::uintmax_t>{1, 2, 4, 3}));
}

TEST(FolderWalk, ASymlinkLoopEnds) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(root / "sub/x.png", "x");
    fs::create_directory_symlink(root, root / "sub/up");                 // back up the tree
    fs::create_directory_symlink(root / "sub/self", root / "sub/self");  // a link to itself

    const Walked walked = walk(root);
    EXPECT_EQ(walked.files, (std::vector<std::string>{"sub/x.png"}));
    EXPECT_TRUE(walked.result.problems.empty());
}

TEST(FolderWalk, ASymlinkedFolderIsWalkedOnceUnderItsOwnPath) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(root / "cat/a.png", "a");
    // Both links sort before "cat" and are met first; the folder is still listed as cat/.
    fs::create_directory_symlink(root / "cat", root / "alias");
    fs::create_directory_symlink(root / "cat", root / "b-alias");

    const Walked walked = walk(root);
    EXPECT_EQ(walked.files, (std::vector<std::string>{"cat/a.png"}));
}

TEST(FolderWalk, FollowsLinksToFilesAndToFoldersOutsideTheRoot) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(dir / "elsewhere/o.png", "o");
    writeText(root / "a.png", "a");
    fs::create_directory_symlink(dir / "elsewhere", root / "outside");
    fs::create_symlink(root / "a.png", root / "link.png");
    fs::create_symlink(root / "nowhere.png", root / "dangling.png");

    const Walked walked = walk(root);
    EXPECT_EQ(walked.files, (std::vector<std::string>{"a.png", "link.png", "outside/o.png"}));
    EXPECT_TRUE(walked.result.problems.empty());
}

TEST(FolderWalk, EnterFolderSeesRelativePathsAndCanPrune) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(root / "keep/a.png", "a");
    writeText(root / "keep/deeper/b.png", "b");
    writeText(root / "skip/c.png", "c");
    std::vector<std::string> entered;
    FolderWalkVisitor visitor;
    visitor.enterFolder = [&](const fs::path& folder, const fs::path& relative) {
        EXPECT_EQ(folder, relative.empty() ? root : root / relative);
        entered.push_back(relative.generic_string());
        return relative != "skip";
    };
    visitor.wantsFile = [](const fs::path& file) { return file.filename() != "b.png"; };

    const Walked walked = walk(root, visitor);
    EXPECT_EQ(walked.files, (std::vector<std::string>{"keep/a.png"}));
    EXPECT_EQ(entered, (std::vector<std::string>{"", "keep", "keep/deeper", "skip"}));
}

TEST(FolderWalk, StopEndsTheWalk) {
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(root / "a/x.png", "x");
    writeText(root / "b/y.png", "y");
    std::size_t entered = 0;
    FolderWalkVisitor visitor;
    visitor.enterFolder = [&](const fs::path&, const fs::path&) {
        ++entered;
        return true;
    };
    visitor.stop = [&] { return entered == 2; };  // after the root and a/

    const Walked walked = walk(root, visitor);
    EXPECT_TRUE(walked.result.stopped);
    EXPECT_EQ(walked.files, (std::vector<std::string>{"a/x.png"}));
}

TEST(FolderWalk, ReportsARootThatIsNoFolder) {
    TempDir dir;
    writeText(dir / "file.png", "f");
    const Walked missing = walk(dir / "nope");
    ASSERT_EQ(missing.result.problems.size(), 1u);
    EXPECT_EQ(missing.result.problems[0].folder, dir / "nope");
    EXPECT_EQ(missing.result.problems[0].error, std::errc::no_such_file_or_directory);

    const Walked file = walk(dir / "file.png");
    ASSERT_EQ(file.result.problems.size(), 1u);
    EXPECT_EQ(file.result.problems[0].error, std::errc::not_a_directory);
    EXPECT_TRUE(file.files.empty());
}

TEST(FolderWalk, AnUnreadableFolderIsReportedAndTheWalkGoesOn) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads every folder";
    TempDir dir;
    const fs::path root = dir / "data";
    writeText(root / "locked/a.png", "a");
    writeText(root / "open/b.png", "b");
    fs::permissions(root / "locked", fs::perms::none);

    const Walked walked = walk(root);
    fs::permissions(root / "locked", fs::perms::owner_all);  // so TempDir can remove it
    EXPECT_EQ(walked.files, (std::vector<std::string>{"open/b.png"}));
    ASSERT_EQ(walked.result.problems.size(), 1u);
    EXPECT_EQ(walked.result.problems[0].folder, root / "locked");
    EXPECT_EQ(walked.result.problems[0].error, std::errc::permission_denied);
    EXPECT_FALSE(walked.result.problems[0].partly);
}

}  // namespace
}  // namespace fovea::core
