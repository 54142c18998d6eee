#include "fovea/core/project/splits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "fovea/core/project/folder_import.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::vector<fs::path> names(const std::string& folder, int count, int first = 0) {
    std::vector<fs::path> paths;
    for (int i = first; i < first + count; ++i) {
        paths.push_back(folder + "/" + std::to_string(i) + ".png");
    }
    return paths;
}

std::map<ImageId, std::optional<Split>> splitsOf(const ProjectStore& store) {
    std::map<ImageId, std::optional<Split>> splits;
    const auto images = store.images().value();
    for (const auto& image : images) splits[image.id] = image.split;
    return splits;
}

void expectProportions(const ProjectStore& store, const SplitFractions& fractions) {
    const double sum = fractions.train + fractions.val + fractions.test;
    const auto allCounts = store.classCounts().value();
    for (const ClassCounts& counts : allCounts) {
        const double n = static_cast<double>(counts.train + counts.val + counts.test);
        EXPECT_EQ(counts.unassigned, 0);
        EXPECT_LE(std::abs(counts.train - n * fractions.train / sum), 1.0) << counts.total;
        EXPECT_LE(std::abs(counts.val - n * fractions.val / sum), 1.0) << counts.total;
        EXPECT_LE(std::abs(counts.test - n * fractions.test / sum), 1.0) << counts.total;
    }
}

struct SplitsFixture {
    TempDir dir;
    ProjectStore store{test::createProject(dir.path())};
    SplitsFixture() {
        test::addFakeImages(store, names("cat", 100), "cat");
        test::addFakeImages(store, names("dog", 37), "dog");
        test::addFakeImages(store, names("eel", 5), "eel");
        test::addFakeImages(store, names("unlabeled", 23));
    }
};

TEST(Splits, StratifiedWithinOneImageOfTheTargets) {
    SplitsFixture f;
    const SplitFractions fractions{0.7, 0.2, 0.1};
    auto report = assignSplits(f.store, fractions, 42);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report.value().assigned, 165u);
    EXPECT_EQ(report.value().kept, 0u);
    expectProportions(f.store, fractions);
    EXPECT_EQ(f.store.classCounts().value()[0].train, 70);  // cat: exactly 70/20/10
    EXPECT_EQ(f.store.classCounts().value()[0].val, 20);
}

TEST(Splits, SameSeedSameResultOtherSeedOtherResult) {
    SplitsFixture a;
    SplitsFixture b;
    SplitsFixture c;
    ASSERT_TRUE(assignSplits(a.store, {}, 7).ok());
    ASSERT_TRUE(assignSplits(b.store, {}, 7).ok());
    ASSERT_TRUE(assignSplits(c.store, {}, 8).ok());
    EXPECT_EQ(splitsOf(a.store), splitsOf(b.store));
    EXPECT_NE(splitsOf(a.store), splitsOf(c.store));

    // The same seed again on a cleared project gives the same splits back.
    std::vector<ImageId> all;
    for (const auto& [id, split] : splitsOf(a.store)) all.push_back(id);
    const auto before = splitsOf(a.store);
    ASSERT_TRUE(a.store.setSplit(all, std::nullopt).ok());
    ASSERT_TRUE(assignSplits(a.store, {}, 7).ok());
    EXPECT_EQ(splitsOf(a.store), before);
}

TEST(Splits, AddingImagesKeepsEarlierAssignments) {
    SplitsFixture f;
    const SplitFractions fractions{0.6, 0.2, 0.2};
    ASSERT_TRUE(assignSplits(f.store, fractions, 1).ok());
    const auto before = splitsOf(f.store);
    test::addFakeImages(f.store, names("cat", 50, 100), "cat");
    auto report = assignSplits(f.store, fractions, 1);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.value().assigned, 50u);
    EXPECT_EQ(report.value().kept, 165u);
    const auto after = splitsOf(f.store);
    for (const auto& [id, split] : before) EXPECT_EQ(after.at(id), split);
    expectProportions(f.store, fractions);  // the new images fill what the class lacks
}

TEST(Splits, FolderGivenSplitsAreKept) {
    TempDir dir;
    for (int i = 0; i < 10; ++i) {
        test::writeImage(dir / ("data/val/cat/" + std::to_string(i) + ".png"));
        test::writeImage(dir / ("data/train/cat/t" + std::to_string(i) + ".png"));
    }
    ProjectStore store = test::createProject(dir / "project");
    ASSERT_TRUE(importFolder(store, dir / "data").ok());
    const auto before = splitsOf(store);
    auto report = assignSplits(store, {}, 3);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.value().assigned, 0u);
    EXPECT_EQ(report.value().kept, 20u);
    EXPECT_EQ(splitsOf(store), before);
}

TEST(Splits, OnlyUsableImagesAreAssigned) {
    TempDir dir;
    ProjectStore store = test::createProject(dir.path());
    const auto ids = test::addFakeImages(store, names("cat", 4), "cat");
    ASSERT_TRUE(store.setExcluded({ids[0]}, true).ok());
    ASSERT_TRUE(store.recordImageError(ids[1], "cannot decode").ok());
    auto report = assignSplits(store, {1, 0, 0}, 0);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.value().assigned, 2u);
    EXPECT_FALSE(store.image(ids[0]).value().split);
    EXPECT_FALSE(store.image(ids[1]).value().split);
    EXPECT_EQ(store.image(ids[2]).value().split, std::optional<Split>(Split::Train));
}

TEST(Splits, RefusesImpossibleFractions) {
    TempDir dir;
    ProjectStore store = test::createProject(dir.path());
    EXPECT_FALSE(assignSplits(store, {0, 0, 0}, 0).ok());
    EXPECT_FALSE(assignSplits(store, {0.8, -0.1, 0.3}, 0).ok());
    EXPECT_FALSE(assignSplits(store, {NAN, 0.1, 0.1}, 0).ok());
    EXPECT_TRUE(assignSplits(store, {8, 1, 1}, 0).ok());  // normalised
}

}  // namespace
}  // namespace fovea::core
