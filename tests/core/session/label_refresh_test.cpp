// Refresh on real images: Fashion-MNIST with ten labels per class and unlabeled images of the
// same classes; the head fitted on the offline backbone's cached embeddings must suggest the
// right class for most of them, order them least certain first, and a second Refresh must read
// every embedding from the cache. Compiled without LibTorch, as the workbench includes the
// header.
#include "fovea/core/session/label_refresh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

constexpr int kLabeledPerClass = 10;
const std::vector<int> kRefreshClasses = {0, 1, 5, 8};  // T-shirt/top, Trouser, Sandal, Bag

class LabelRefresh : public ::testing::Test {
  protected:
    void SetUp() override {
        FashionMnistFolderOptions options;
        options.classes = kRefreshClasses;
        options.imagesPerClass = kLabeledPerClass;
        options.unlabeledImages = 48;
        options.seed = 9;
        auto written = writeFashionMnistFolder(m_folder.path() / "data", options);
        ASSERT_TRUE(written.ok()) << written.error().message;
        for (const auto& file : written.value()) {
            if (!file.labeled) m_truth[file.path.filename().string()] = file.label;
        }
        auto store = ProjectStore::create(project());
        ASSERT_TRUE(store.ok());
        ASSERT_TRUE(importFolder(store.value(), m_folder.path() / "data").ok());
    }

    std::filesystem::path project() const { return m_folder.path() / "project"; }

    test::TempFolder m_folder{"fovea-refresh"};
    std::map<std::string, int> m_truth;  // unlabeled file name -> true Fashion-MNIST label
};

TEST_F(LabelRefresh, SuggestsTheRightClassesLeastCertainFirstAndCachesTheEmbeddings) {
    auto refreshed = refreshSuggestions(project());
    ASSERT_TRUE(refreshed.ok()) << refreshed.error().message;
    const RefreshReport& report = refreshed.value();
    EXPECT_EQ(report.labeled, static_cast<std::int64_t>(kRefreshClasses.size()) * kLabeledPerClass);
    EXPECT_EQ(report.classes, static_cast<std::int64_t>(kRefreshClasses.size()));
    EXPECT_EQ(report.suggested, static_cast<std::int64_t>(m_truth.size()));
    EXPECT_EQ(report.embeddingsComputed, report.labeled + report.suggested);
    EXPECT_NE(report.backbone.find("block10"), std::string::npos) << report.backbone;

    auto store = ProjectStore::open(project());
    ASSERT_TRUE(store.ok());
    std::map<ClassId, std::string> nameOf;
    for (const ClassInfo& info : store.value().classes().value()) nameOf[info.id] = info.name;
    std::map<ImageId, std::string> fileOf;
    for (const ImageRecord& image : store.value().images().value())
        fileOf[image.id] = image.path.filename().string();
    const auto suggestions = store.value().suggestions().value();
    ASSERT_EQ(suggestions.size(), m_truth.size());
    std::size_t right = 0;
    std::vector<std::int64_t> places;
    for (const LabelSuggestion& s : suggestions) {
        const int truth = m_truth.at(fileOf.at(s.image));
        right += nameOf.at(s.classId) == fashionMnistClassNames()[static_cast<size_t>(truth)];
        ASSERT_TRUE(s.labelOrder.has_value());
        places.push_back(*s.labelOrder);
        EXPECT_EQ(s.model.rfind("refresh: ", 0), 0u) << s.model;
    }
    std::cout << "refresh: " << right << " of " << suggestions.size()
              << " suggestions right; backbone " << report.backbone << "\n";
    EXPECT_GE(right, suggestions.size() * 8 / 10);
    // "Label next": a permutation; the first batch comes from the less certain half.
    std::vector<double> margins;
    for (const LabelSuggestion& s : suggestions) margins.push_back(s.margin);
    std::sort(margins.begin(), margins.end());
    const double median = margins[margins.size() / 2];
    std::sort(places.begin(), places.end());
    for (std::size_t i = 0; i < places.size(); ++i) EXPECT_EQ(places[i], std::int64_t(i));
    for (const LabelSuggestion& s : suggestions) {
        if (*s.labelOrder < 10) {
            EXPECT_LE(s.margin, median) << "place " << *s.labelOrder;
        }
    }

    // Again: nothing to embed.
    auto again = refreshSuggestions(project());
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again.value().embeddingsComputed, 0);
    EXPECT_EQ(again.value().embeddingsCached, report.labeled + report.suggested);
}

TEST_F(LabelRefresh, NeedsLabelsOfTwoClasses) {
    {
        auto store = ProjectStore::open(project());
        ASSERT_TRUE(store.ok());
        std::vector<ImageId> relabel;
        for (const ImageRecord& image : store.value().images().value())
            if (image.classId) relabel.push_back(image.id);
        const ClassId only = store.value().classes().value().front().id;
        ASSERT_TRUE(store.value().setLabel(relabel, only).ok());
    }
    auto refreshed = refreshSuggestions(project());
    ASSERT_FALSE(refreshed.ok());
    EXPECT_EQ(refreshed.error().kind, ErrorKind::Usage);
    EXPECT_NE(refreshed.error().message.find("two classes"), std::string::npos)
        << refreshed.error().message;
    EXPECT_NE(refreshed.error().message.find(project().string()), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
