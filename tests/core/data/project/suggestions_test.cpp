// Suggestions in the project database: stored apart from labels, shown only on unlabeled
// images, filtered by confidence, ordered for "Label next", accepted without ever replacing a
// label given by hand; and a project of the first schema upgraded to hold them.
#include <gtest/gtest.h>

#include "project_test_support.h"
#include "schema.h"
#include "sqlite_database.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

class Suggestions : public ::testing::Test {
  protected:
    void SetUp() override {
        m_store.emplace(test::createProject(m_dir / "project"));
        m_cat = m_store->addClass("cat").value();
        m_dog = m_store->addClass("dog").value();
        m_images = test::addFakeImages(
            *m_store, {m_dir / "a.png", m_dir / "b.png", m_dir / "c.png", m_dir / "d.png"});
    }

    LabelSuggestion suggest(ImageId image, ClassId classId, double confidence) const {
        return {image, classId, confidence, confidence / 2, 0.5, "runs/first", std::nullopt};
    }

    test::TempDir m_dir;
    std::optional<ProjectStore> m_store;
    ClassId m_cat = 0;
    ClassId m_dog = 0;
    std::vector<ImageId> m_images;
};

TEST_F(Suggestions, AreStoredApartFromLabelsAndShownOnlyOnUnlabeledImages) {
    ASSERT_TRUE(m_store->setLabel({m_images[3]}, m_cat).ok());
    ASSERT_TRUE(m_store
                    ->replaceSuggestions({suggest(m_images[0], m_dog, 0.9),
                                          suggest(m_images[1], m_cat, 0.4),
                                          suggest(m_images[3], m_dog, 0.8)})
                    .ok());
    const auto images = m_store->images().value();
    ASSERT_TRUE(images[0].suggestion.has_value());
    EXPECT_EQ(images[0].suggestion->classId, m_dog);
    EXPECT_DOUBLE_EQ(images[0].suggestion->confidence, 0.9);
    EXPECT_FALSE(images[0].classId.has_value());  // a suggestion is not a label
    EXPECT_FALSE(images[2].suggestion.has_value());
    EXPECT_FALSE(images[3].suggestion.has_value());  // labeled by hand: the label wins
    EXPECT_EQ(*images[3].classId, m_cat);
    EXPECT_EQ(m_store->image(m_images[1]).value().suggestion->classId, m_cat);

    const auto stored = m_store->suggestions().value();
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[0].model, "runs/first");
    EXPECT_DOUBLE_EQ(stored[1].margin, 0.2);

    // A new pass replaces the old one entirely.
    ASSERT_TRUE(m_store->replaceSuggestions({suggest(m_images[2], m_cat, 0.7)}).ok());
    EXPECT_EQ(m_store->suggestions().value().size(), 1u);
    EXPECT_FALSE(m_store->image(m_images[0]).value().suggestion.has_value());
}

TEST_F(Suggestions, TheSuggestedFilterTakesAConfidenceThreshold) {
    ASSERT_TRUE(m_store->setLabel({m_images[3]}, m_cat).ok());
    ASSERT_TRUE(m_store
                    ->replaceSuggestions({suggest(m_images[0], m_dog, 0.9),
                                          suggest(m_images[1], m_cat, 0.4),
                                          suggest(m_images[3], m_dog, 0.95)})
                    .ok());
    ImageFilter filter;
    filter.suggested = Require::Yes;
    EXPECT_EQ(m_store->imageCount(filter).value(), 2);  // not the labeled image
    filter.minSuggestionConfidence = 0.5;
    const auto confident = m_store->images(filter).value();
    ASSERT_EQ(confident.size(), 1u);
    EXPECT_EQ(confident[0].id, m_images[0]);
    filter.suggested = Require::No;
    EXPECT_EQ(m_store->imageCount(filter).value(), 3);
    // Combined with the other conditions, whose columns are named by table now.
    ImageFilter dogs;
    dogs.suggested = Require::Yes;
    dogs.labeled = Require::No;
    dogs.pathContains = "a.png";
    EXPECT_EQ(m_store->imageCount(dogs).value(), 1);
}

TEST_F(Suggestions, LabelNextOrderPutsOrderedImagesFirst) {
    ASSERT_TRUE(m_store
                    ->replaceSuggestions({suggest(m_images[0], m_dog, 0.9),
                                          suggest(m_images[1], m_cat, 0.4),
                                          suggest(m_images[2], m_cat, 0.6)})
                    .ok());
    ASSERT_TRUE(m_store->setLabelOrder({m_images[2], m_images[0]}).ok());
    ImageFilter next;
    next.order = ImageOrder::LabelNext;
    const auto images = m_store->images(next).value();
    std::vector<ImageId> order;
    for (const auto& image : images) order.push_back(image.id);
    EXPECT_EQ(order, (std::vector<ImageId>{m_images[2], m_images[0], m_images[1], m_images[3]}));
    // An image without a suggestion has no place to take.
    EXPECT_FALSE(m_store->setLabelOrder({m_images[3]}).ok());
    EXPECT_EQ(m_store->suggestions().value()[2].labelOrder, std::optional<std::int64_t>(0));
}

TEST_F(Suggestions, AcceptingLabelsOnlyWhatIsStillUnlabeledAndSaysWhat) {
    ASSERT_TRUE(m_store
                    ->replaceSuggestions({suggest(m_images[0], m_dog, 0.9),
                                          suggest(m_images[1], m_cat, 0.4),
                                          suggest(m_images[2], m_cat, 0.6)})
                    .ok());
    ASSERT_TRUE(m_store->setLabel({m_images[1]}, m_dog).ok());  // by hand, before accepting
    auto accepted = m_store->acceptSuggestions({m_images[0], m_images[1], m_images[3]});
    ASSERT_TRUE(accepted.ok()) << accepted.error().message;
    EXPECT_EQ(accepted.value(), (std::vector<std::pair<ImageId, ClassId>>{{m_images[0], m_dog}}));
    EXPECT_EQ(*m_store->image(m_images[0]).value().classId, m_dog);
    EXPECT_EQ(*m_store->image(m_images[1]).value().classId, m_dog);  // the hand's label stays
    EXPECT_FALSE(m_store->image(m_images[3]).value().classId.has_value());
}

TEST_F(Suggestions, BadSuggestionsAreRefusedWhole) {
    ASSERT_TRUE(m_store->replaceSuggestions({suggest(m_images[0], m_dog, 0.9)}).ok());
    for (const LabelSuggestion& bad :
         {suggest(9999, m_dog, 0.5), suggest(m_images[1], 9999, 0.5),
          suggest(m_images[1], m_dog, 1.5), suggest(m_images[1], m_dog, std::nan(""))}) {
        auto refused = m_store->replaceSuggestions({suggest(m_images[2], m_cat, 0.3), bad});
        EXPECT_FALSE(refused.ok());
        // Nothing changed: the earlier pass is still there.
        ASSERT_EQ(m_store->suggestions().value().size(), 1u);
        EXPECT_EQ(m_store->suggestions().value()[0].image, m_images[0]);
    }
}

TEST_F(Suggestions, FollowTheirClassAndImage) {
    ASSERT_TRUE(m_store
                    ->replaceSuggestions({suggest(m_images[0], m_dog, 0.9),
                                          suggest(m_images[1], m_cat, 0.4),
                                          suggest(m_images[2], m_cat, 0.6)})
                    .ok());
    ASSERT_TRUE(m_store->removeImages({m_images[2]}).ok());
    EXPECT_EQ(m_store->suggestions().value().size(), 2u);
    ASSERT_TRUE(m_store->mergeClasses(m_cat, m_dog).ok());
    EXPECT_EQ(m_store->image(m_images[1]).value().suggestion->classId, m_dog);
    ASSERT_TRUE(m_store->deleteClass(m_dog).ok());
    EXPECT_TRUE(m_store->suggestions().value().empty());
}

TEST(SuggestionsSchema, AProjectOfTheFirstSchemaIsUpgradedWithItsLabelsKept) {
    test::TempDir dir;
    const fs::path folder = dir / "old project";
    fs::create_directories(folder);
    {
        auto db = sqlite::Database::open(folder / kProjectDatabaseName, true);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(schema::migrate(db.value(), {schema::migrations()[0]}).ok());
        ASSERT_TRUE(db.value()
                        .exec("INSERT INTO classes (id, name, position, colour) VALUES "
                              "(1, 'cat', 0, '#1f77b4'); "
                              "INSERT INTO images (id, path, class_id) VALUES "
                              "(1, 'a.png', 1), (2, 'b.png', NULL)")
                        .ok());
    }
    auto store = ProjectStore::open(folder);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto version = sqlite::Database::open(folder / kProjectDatabaseName, false)
                       .value()
                       .queryInt("PRAGMA user_version");
    EXPECT_EQ(version.value(), ProjectStore::schemaVersion());
    EXPECT_GE(ProjectStore::schemaVersion(), 2);
    const auto images = store.value().images().value();
    ASSERT_EQ(images.size(), 2u);
    EXPECT_EQ(images[0].classId, std::optional<ClassId>(1));
    ASSERT_TRUE(store.value().replaceSuggestions({{2, 1, 0.75, 0.5, 0.6, "model.pt", {}}}).ok());
    EXPECT_EQ(store.value().image(2).value().suggestion->classId, 1);
}

}  // namespace
}  // namespace fovea::core
