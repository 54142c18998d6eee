// The dataset check-up with the offline backbone on real images: Fashion-MNIST with labels
// planted in the wrong class (confident learning must rank them among its first suspects) and a
// clean set (few suspects), and the embedding cache making a second check cheap. Compiled
// without LibTorch, as the workbench includes the header.
#include "fovea/core/session/dataset_checkup.h"

#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/project/folder_import.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

constexpr int kPerClass = 40;
const std::vector<int> kClasses = {0, 1, 5, 8};  // T-shirt/top, Trouser, Sandal, Bag

class DatasetCheckup : public ::testing::Test {
  protected:
    void SetUp() override {
        FashionMnistFolderOptions options;
        options.classes = kClasses;
        options.imagesPerClass = kPerClass;
        options.seed = 5;
        auto written = writeFashionMnistFolder(m_folder.path() / "data", options);
        ASSERT_TRUE(written.ok()) << written.error().message;
        auto store = ProjectStore::create(m_folder.path() / "project");
        ASSERT_TRUE(store.ok());
        m_store.emplace(std::move(store).value());
        ASSERT_TRUE(importFolder(*m_store, m_folder.path() / "data").ok());
    }

    CheckupReport check() {
        auto report = runDatasetCheckup(*m_store, {});
        EXPECT_TRUE(report.ok()) << report.error().message;
        return report.ok() ? report.value() : CheckupReport{};
    }

    test::TempFolder m_folder{"fovea-checkup"};
    std::optional<ProjectStore> m_store;
};

TEST_F(DatasetCheckup, RanksPlantedWrongLabelsFirstAndCachesTheEmbeddings) {
    // Every tenth image of each class moved to the next class: 16 wrong labels of 160.
    const auto classes = m_store->classes().value();
    const auto images = m_store->images().value();
    std::set<ImageId> planted;
    std::map<ClassId, int> seen;
    for (const ImageRecord& image : images) {
        if (!image.classId || ++seen[*image.classId] % 10 != 0) continue;
        std::size_t position = 0;
        while (classes[position].id != *image.classId) ++position;
        const ClassId wrong = classes[(position + 1) % classes.size()].id;
        ASSERT_TRUE(m_store->setLabel({image.id}, wrong).ok());
        planted.insert(image.id);
    }
    ASSERT_EQ(planted.size(), 16u);

    const CheckupReport report = check();
    EXPECT_EQ(report.embeddingsComputed, 4 * kPerClass);
    const auto& issues = report.health.labelIssues;
    std::size_t found = 0;
    for (std::size_t rank = 0; rank < std::min(issues.size(), 2 * planted.size()); ++rank) {
        found += planted.count(issues[rank].image);
    }
    std::cout << "planted wrong labels found in the first " << 2 * planted.size()
              << " suspects: " << found << " of " << planted.size() << " (" << issues.size()
              << " suspects in all)\n";
    EXPECT_GE(found * 10, planted.size() * 8);
    EXPECT_EQ(report.health.labelsChecked, 4 * kPerClass);
    std::cout << "the check's model predicts " << report.health.labelAgreement
              << " of the labels as given\n";
    EXPECT_GT(report.health.labelAgreement, 0.6);
    // A found one is suggested back into the class it came from.
    for (const LabelIssue& issue : issues) {
        if (!planted.count(issue.image)) continue;
        EXPECT_NE(issue.suggested, issue.given);
        EXPECT_EQ(issue.path.parent_path().filename().string(), issue.suggestedName) << issue.path;
        break;
    }

    // The second check reads every embedding from the cache.
    const CheckupReport again = check();
    EXPECT_EQ(again.embeddingsComputed, 0);
    EXPECT_EQ(again.embeddingsCached, 4 * kPerClass);
    EXPECT_EQ(again.health.labelIssues.size(), issues.size());
}

TEST_F(DatasetCheckup, CleanLabelsRaiseFewSuspects) {
    const CheckupReport report = check();
    std::cout << "suspects on " << 4 * kPerClass
              << " clean labels: " << report.health.labelIssues.size() << "\n";
    EXPECT_LE(report.health.labelIssues.size(), 4u * kPerClass / 20);  // at most 5%
    // Fashion-MNIST's aligned look-alikes (sneakers of one cut) are the hard case for near
    // duplicates: a few groups are allowed, and printed.
    std::cout << "near-duplicate groups among " << 4 * kPerClass
              << " distinct Fashion-MNIST images: " << report.health.duplicates.size() << "\n";
    EXPECT_LE(report.health.duplicates.size(), 4u);
}

}  // namespace
}  // namespace fovea::core
