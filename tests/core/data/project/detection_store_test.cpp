// Detection projects in the store (issue 24, point 1): the task, boxes per image, the annotated
// flag, the class operations' effect on boxes, and the schema step that brings them to projects
// made before.
#include <gtest/gtest.h>

#include <limits>

#include "project_test_support.h"
#include "schema.h"
#include "sqlite_database.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::addFakeImages;
using test::openProject;
using test::TempDir;

ProjectStore createDetectionProject(const fs::path& dir) {
    auto store = ProjectStore::create(dir, ProjectTask::Detection);
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(store).value();
}

ProjectBox box(ClassId classId, float x, float y, float w, float h) {
    ProjectBox b;
    b.classId = classId;
    b.x = x;
    b.y = y;
    b.w = w;
    b.h = h;
    return b;
}

void expectSameBox(const ProjectBox& actual, const ProjectBox& expected) {
    EXPECT_EQ(actual.classId, expected.classId);
    EXPECT_EQ(actual.x, expected.x);  // floats stored as doubles: exact
    EXPECT_EQ(actual.y, expected.y);
    EXPECT_EQ(actual.w, expected.w);
    EXPECT_EQ(actual.h, expected.h);
    EXPECT_EQ(actual.crowd, expected.crowd);
    EXPECT_EQ(actual.difficult, expected.difficult);
}

TEST(DetectionStore, ClassificationProjectOfSchemaTwoOpensUnchangedAndStaysClassification) {
    TempDir dir;
    const fs::path database = dir / kProjectDatabaseName;
    {
        // What a Fovea of schema 2 left: a class, a labeled image, a suggestion, a setting.
        auto db = sqlite::Database::open(database, true);
        ASSERT_TRUE(db.ok());
        const std::vector<std::string> two(schema::migrations().begin(),
                                           schema::migrations().begin() + 2);
        ASSERT_TRUE(schema::migrate(db.value(), two).ok());
        ASSERT_TRUE(
            db.value()
                .exec("INSERT INTO classes VALUES (1, 'cat', 0, '#112233');"
                      "INSERT INTO images (id, path, class_id, split, width, height) "
                      "VALUES (1, 'a.png', 1, 'train', 4, 3), (2, 'b.png', NULL, NULL, 4, 3);"
                      "INSERT INTO suggestions VALUES (2, 1, 0.9, 0.5, 0.1, 'm', NULL);"
                      "INSERT INTO settings VALUES ('note', 'kept')")
                .ok());
    }
    ProjectStore store = openProject(dir.path());
    EXPECT_EQ(store.projectTask(), ProjectTask::Classification);
    auto version = sqlite::Database::open(database, false).value().queryInt("PRAGMA user_version");
    EXPECT_EQ(version.value(), ProjectStore::schemaVersion());
    const ImageRecord a = store.image(1).value();
    EXPECT_EQ(a.classId, std::optional<ClassId>(1));
    EXPECT_EQ(a.split, std::optional<Split>(Split::Train));
    EXPECT_FALSE(a.annotated);
    EXPECT_EQ(a.boxCount, 0);
    ASSERT_TRUE(store.image(2).value().suggestion.has_value());
    EXPECT_EQ(store.setting("note").value(), std::optional<std::string>("kept"));
    EXPECT_EQ(store.classCounts().value().front().total, 1);  // cat: a.png, counted by label

    // Boxes belong to detection projects: refused, with the reason.
    auto refused = store.setBoxes(1, {box(1, 0, 0, 2, 2)});
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("classification project"), std::string::npos);
    EXPECT_TRUE(store.boxes(1).value().empty());
}

TEST(DetectionStore, TaskIsKeptAcrossOpens) {
    TempDir dir;
    { createDetectionProject(dir / "d"); }
    { test::createProject(dir / "c"); }
    EXPECT_EQ(openProject(dir / "d").projectTask(), ProjectTask::Detection);
    EXPECT_EQ(openProject(dir / "c").projectTask(), ProjectTask::Classification);
    EXPECT_STREQ(projectTaskName(ProjectTask::Detection), "detection");
    EXPECT_EQ(parseProjectTaskName(" Detection "),
              std::optional<ProjectTask>(ProjectTask::Detection));
    EXPECT_FALSE(parseProjectTaskName("segmentation").has_value());
}

TEST(DetectionStore, SetBoxesReplacesAnImagesBoxesAllOrNothing) {
    TempDir dir;
    ProjectStore store = createDetectionProject(dir.path());
    const auto ids = addFakeImages(store, {"a.png", "b.png"});
    const ClassId dog = store.addClass("dog").value();
    const ClassId cat = store.addClass("cat").value();
    ProjectBox crowd = box(cat, 0.25f, 1.5f, 10.125f, 3.3f);
    crowd.crowd = true;
    ProjectBox hard = box(dog, 5, 6, 7, 8);
    hard.difficult = true;
    ASSERT_TRUE(store.setBoxes(ids[0], {box(dog, 1, 2, 3, 4), crowd, hard}).ok());

    auto read = store.annotation(ids[0]).value();
    EXPECT_TRUE(read.annotated);
    ASSERT_EQ(read.boxes.size(), 3u);  // in the order written
    expectSameBox(read.boxes[0], box(dog, 1, 2, 3, 4));
    expectSameBox(read.boxes[1], crowd);
    expectSameBox(read.boxes[2], hard);
    EXPECT_EQ(store.image(ids[0]).value().boxCount, 3);

    // A bad box anywhere refuses the whole replacement: the three boxes stay.
    for (const ProjectBox& bad :
         {box(dog, 0, 0, 0, 4), box(dog, 0, 0, 3, -1),
          box(dog, std::numeric_limits<float>::quiet_NaN(), 0, 3, 4), box(cat + 99, 0, 0, 3, 4)}) {
        EXPECT_FALSE(store.setBoxes(ids[0], {box(dog, 9, 9, 1, 1), bad}).ok());
    }
    EXPECT_FALSE(store.setBoxes(ids[1] + 99, {box(dog, 9, 9, 1, 1)}).ok());
    EXPECT_EQ(store.boxes(ids[0]).value().size(), 3u);
    EXPECT_EQ(store.boxes(ids[0]).value()[0].x, 1.0f);

    // Undo writes back what it saved; the other image is untouched throughout.
    const ImageAnnotation before = store.annotation(ids[1]).value();
    ASSERT_TRUE(store.setBoxes(ids[1], {box(cat, 1, 1, 1, 1)}).ok());
    ASSERT_TRUE(store.setAnnotation(ids[1], before).ok());
    EXPECT_FALSE(store.image(ids[1]).value().annotated);
    EXPECT_TRUE(store.boxes(ids[1]).value().empty());
    EXPECT_EQ(store.boxes(ids[0]).value().size(), 3u);
}

TEST(DetectionStore, BackgroundImagesAreAnnotatedWithoutBoxes) {
    TempDir dir;
    ProjectStore store = createDetectionProject(dir.path());
    const auto ids = addFakeImages(store, {"boxed.png", "background.png", "new.png"});
    const ClassId dog = store.addClass("dog").value();
    ASSERT_TRUE(store.setBoxes(ids[0], {box(dog, 1, 1, 2, 2)}).ok());
    ASSERT_TRUE(store.setBoxes(ids[1], {}).ok());

    ImageFilter annotated;
    annotated.annotated = Require::Yes;
    EXPECT_EQ(store.imageCount(annotated).value(), 2);
    ImageFilter notYet;
    notYet.annotated = Require::No;
    auto pending = store.images(notYet).value();
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].id, ids[2]);
    EXPECT_TRUE(store.image(ids[1]).value().annotated);
    EXPECT_EQ(store.image(ids[1]).value().boxCount, 0);

    // The class list counts images with a box of the class, and as "unlabeled" those nobody
    // has annotated; the background image is in neither.
    auto counts = store.classCounts().value();
    ASSERT_EQ(counts.size(), 2u);
    EXPECT_EQ(counts[0].classId, std::optional<ClassId>(dog));
    EXPECT_EQ(counts[0].total, 1);
    EXPECT_FALSE(counts[1].classId.has_value());
    EXPECT_EQ(counts[1].total, 1);

    // An image with boxes cannot be "not annotated"; one without can go back and forth.
    EXPECT_FALSE(store.setAnnotated({ids[0]}, false).ok());
    EXPECT_FALSE(store.setAnnotation(ids[2], {false, {box(dog, 1, 1, 1, 1)}}).ok());
    ASSERT_TRUE(store.setAnnotated({ids[1]}, false).ok());
    EXPECT_FALSE(store.image(ids[1]).value().annotated);
    ASSERT_TRUE(store.setAnnotated({ids[1], ids[2]}, true).ok());
    EXPECT_EQ(store.imageCount(annotated).value(), 3);
    // Labels are not how detection images are labeled.
    EXPECT_FALSE(store.setLabel({ids[2]}, dog).ok());
    EXPECT_TRUE(store.setLabel({ids[2]}, std::nullopt).ok());
}

TEST(DetectionStore, SingleBoxEditsAndCounts) {
    TempDir dir;
    ProjectStore store = createDetectionProject(dir.path());
    const auto ids = addFakeImages(store, {"a.png", "b.png", "c.png"});
    const ClassId dog = store.addClass("dog").value();
    const ClassId cat = store.addClass("cat").value();
    const BoxId first = store.addBox(ids[0], box(dog, 1, 1, 2, 2)).value();
    const BoxId second = store.addBox(ids[0], box(dog, 3, 3, 2, 2)).value();
    ASSERT_TRUE(store.addBox(ids[1], box(cat, 0, 0, 5, 5)).ok());
    EXPECT_TRUE(store.image(ids[0]).value().annotated);  // drawing a box annotates

    ASSERT_TRUE(store.updateBox(second, box(cat, 4, 4, 1, 1)).ok());
    EXPECT_FALSE(store.updateBox(second, box(cat, 4, 4, 0, 1)).ok());
    EXPECT_FALSE(store.updateBox(second + 100, box(cat, 4, 4, 1, 1)).ok());
    auto boxes = store.boxes(ids[0]).value();
    ASSERT_EQ(boxes.size(), 2u);
    EXPECT_EQ(boxes[0].id, first);
    expectSameBox(boxes[1], box(cat, 4, 4, 1, 1));

    auto perClass = store.classBoxCounts().value();
    ASSERT_EQ(perClass.size(), 2u);
    EXPECT_EQ(perClass[0].classId, dog);
    EXPECT_EQ(perClass[0].boxes, 1);
    EXPECT_EQ(perClass[0].images, 1);
    EXPECT_EQ(perClass[1].boxes, 2);
    EXPECT_EQ(perClass[1].images, 2);
    auto perImage = store.boxCounts().value();
    ASSERT_EQ(perImage.size(), 2u);
    EXPECT_EQ(perImage[0], std::make_pair(ids[0], std::int64_t{2}));
    EXPECT_EQ(perImage[1], std::make_pair(ids[1], std::int64_t{1}));
    ImageFilter cats;
    cats.boxClassId = cat;
    EXPECT_EQ(store.imageCount(cats).value(), 2);

    ASSERT_TRUE(store.removeBox(first).ok());
    EXPECT_FALSE(store.removeBox(first).ok());
    EXPECT_EQ(store.boxes(ids[0]).value().size(), 1u);
    ASSERT_TRUE(store.removeBox(second).ok());
    EXPECT_TRUE(store.image(ids[0]).value().annotated);  // now a background image
}

TEST(DetectionStore, ClassDeleteTakesItsBoxesAndMergeMovesThem) {
    TempDir dir;
    ProjectStore store = createDetectionProject(dir.path());
    const auto ids = addFakeImages(store, {"a.png", "b.png"});
    const ClassId dog = store.addClass("dog").value();
    const ClassId cat = store.addClass("cat").value();
    const ClassId fox = store.addClass("fox").value();
    ASSERT_TRUE(store.setBoxes(ids[0], {box(dog, 1, 1, 2, 2), box(cat, 2, 2, 2, 2)}).ok());
    ASSERT_TRUE(store.setBoxes(ids[1], {box(cat, 3, 3, 1, 1), box(fox, 0, 0, 1, 1)}).ok());

    // What an undo of the deletion saves first.
    auto ofCat = store.boxesOfClass(cat).value();
    ASSERT_EQ(ofCat.size(), 2u);
    EXPECT_EQ(ofCat[0].first, ids[0]);
    EXPECT_EQ(ofCat[1].first, ids[1]);

    ASSERT_TRUE(store.deleteClass(cat).ok());
    EXPECT_EQ(store.boxes(ids[0]).value().size(), 1u);
    EXPECT_EQ(store.boxes(ids[1]).value().size(), 1u);
    EXPECT_TRUE(store.image(ids[0]).value().annotated);

    ASSERT_TRUE(store.mergeClasses(fox, dog).ok());
    auto boxes = store.boxes(ids[1]).value();
    ASSERT_EQ(boxes.size(), 1u);
    EXPECT_EQ(boxes[0].classId, dog);
    EXPECT_EQ(store.classBoxCounts().value().at(0).boxes, 2);

    // Renaming touches no box.
    ASSERT_TRUE(store.renameClass(dog, "hound").ok());
    EXPECT_EQ(store.boxes(ids[0]).value().at(0).classId, dog);
}

TEST(DetectionStore, RemovingAnImageRemovesItsBoxes) {
    TempDir dir;
    ProjectStore store = createDetectionProject(dir.path());
    const auto ids = addFakeImages(store, {"a.png", "b.png"});
    const ClassId dog = store.addClass("dog").value();
    ASSERT_TRUE(store.setBoxes(ids[0], {box(dog, 1, 1, 2, 2)}).ok());
    ASSERT_TRUE(store.setBoxes(ids[1], {box(dog, 1, 1, 2, 2), box(dog, 2, 2, 1, 1)}).ok());
    ASSERT_TRUE(store.removeImages({ids[0]}).ok());
    auto perImage = store.boxCounts().value();
    ASSERT_EQ(perImage.size(), 1u);
    EXPECT_EQ(perImage[0].first, ids[1]);
    EXPECT_EQ(store.classBoxCounts().value().at(0).boxes, 2);
}

TEST(DetectionStore, ImportBatchReplacesBoxesAndKeepsImagesOnce) {
    TempDir dir;
    ProjectStore store = createDetectionProject(dir.path());
    ImportBatch batch;
    batch.classOrder = {"person", "bike"};
    ImportItem item;
    item.path = dir / "a.png";
    item.header = ProbedHeader{40, 30, std::nullopt};
    item.boxes = std::vector<ImportedBox>{{"bike", 1, 2, 3, 4, false, true}, {"car", 0, 0, 5, 5}};
    batch.items.push_back(item);
    auto first = store.applyImport(batch);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first.value().added, 1u);
    EXPECT_EQ(first.value().boxesWritten, 2u);
    const std::vector<std::string> created = {"person", "bike", "car"};
    EXPECT_EQ(first.value().classesCreated, created);

    // The same image again with other boxes: one image, the file's boxes.
    batch.items[0].header.reset();
    batch.items[0].boxes = std::vector<ImportedBox>{{"person", 2, 2, 2, 2}};
    auto second = store.applyImport(batch);
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(second.value().added, 0u);
    EXPECT_EQ(store.imageCount().value(), 1);
    const ImageRecord image = store.images().value().at(0);
    auto boxes = store.boxes(image.id).value();
    ASSERT_EQ(boxes.size(), 1u);
    EXPECT_EQ(boxes[0].classId, test::classIdOf(store, "person"));
    EXPECT_EQ(image.width, 40);  // header facts kept

    // A classification project refuses boxes (and writes nothing).
    ProjectStore classification = test::createProject(dir / "c");
    EXPECT_FALSE(classification.applyImport(batch).ok());
    EXPECT_EQ(classification.imageCount().value(), 0);
}

}  // namespace
}  // namespace fovea::core
