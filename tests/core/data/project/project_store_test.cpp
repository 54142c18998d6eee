#include "fovea/core/project/project_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <cmath>
#include <set>
#include <string>
#include <type_traits>

#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::addFakeImages;
using test::createProject;
using test::openProject;
using test::TempDir;

static_assert(!std::is_copy_constructible_v<ProjectStore>);
static_assert(std::is_nothrow_move_constructible_v<ProjectStore>);

// Runs SQL on the project database the way another tool would (sqlite3 command line).
void rawExec(const fs::path& database, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << text;
}

std::string rawQueryText(const fs::path& database, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    std::string result;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(statement, 0);
        result = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return result;
}

TEST(ProjectStore, CreateThenReopenKeepsData) {
    TempDir dir;
    const fs::path folder = dir / "nested/project";
    {
        ProjectStore store = createProject(folder);
        EXPECT_EQ(store.directory(), folder);
        EXPECT_EQ(store.databasePath(), folder / kProjectDatabaseName);
        EXPECT_TRUE(fs::exists(folder / kProjectDatabaseName));
        ASSERT_TRUE(store.addClass("cat").ok());
        ASSERT_TRUE(store.setSetting("model", "resnet18").ok());
    }
    EXPECT_TRUE(ProjectStore::exists(folder));
    ProjectStore store = openProject(folder);
    auto classes = store.classes();
    ASSERT_TRUE(classes.ok());
    ASSERT_EQ(classes.value().size(), 1u);
    EXPECT_EQ(classes.value()[0].name, "cat");
    EXPECT_EQ(store.setting("model").value(), std::optional<std::string>("resnet18"));
    // A moved store keeps working.
    ProjectStore moved = std::move(store);
    EXPECT_EQ(moved.classes().value().size(), 1u);
}

TEST(ProjectStore, DatabaseIsWalWithCurrentSchemaVersion) {
    TempDir dir;
    { ProjectStore store = createProject(dir.path()); }
    const fs::path database = dir / kProjectDatabaseName;
    EXPECT_EQ(rawQueryText(database, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(rawQueryText(database, "PRAGMA user_version"),
              std::to_string(ProjectStore::schemaVersion()));
    EXPECT_EQ(rawQueryText(database, "PRAGMA application_id"), std::to_string(0x46564541));
    EXPECT_EQ(rawQueryText(database, "PRAGMA integrity_check"), "ok");
}

TEST(ProjectStore, CreateRefusesExistingProject) {
    TempDir dir;
    { ProjectStore store = createProject(dir.path()); }
    auto again = ProjectStore::create(dir.path());
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("already holds a Fovea project"), std::string::npos);
}

TEST(ProjectStore, OpenExplainsMissingProject) {
    TempDir dir;
    auto missingFolder = ProjectStore::open(dir / "nowhere");
    ASSERT_FALSE(missingFolder.ok());
    EXPECT_NE(missingFolder.error().message.find("does not exist"), std::string::npos);

    auto emptyFolder = ProjectStore::open(dir.path());
    ASSERT_FALSE(emptyFolder.ok());
    EXPECT_NE(emptyFolder.error().message.find("is not a Fovea project"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir / kProjectDatabaseName));  // open never creates
}

TEST(ProjectStore, OpenRefusesFileThatIsNotADatabase) {
    TempDir dir;
    const fs::path database = dir / kProjectDatabaseName;
    const std::string text = "these are my notes, not a database\n" + std::string(600, 'x');
    test::writeText(database, text);
    auto store = ProjectStore::open(dir.path());
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().message.find(database.string()), std::string::npos);
    EXPECT_NE(store.error().message.find("is not a SQLite database"), std::string::npos)
        << store.error().message;
    EXPECT_EQ(test::readText(database), text);
}

TEST(ProjectStore, OpenRefusesNewerSchemaAndLeavesItUntouched) {
    TempDir dir;
    const fs::path database = dir / kProjectDatabaseName;
    {
        ProjectStore store = createProject(dir.path());
        ASSERT_TRUE(store.addClass("cat").ok());
    }
    const int newer = ProjectStore::schemaVersion() + 5;
    rawExec(database, "PRAGMA user_version = " + std::to_string(newer));
    const std::string before = test::readText(database);
    const auto modified = fs::last_write_time(database);

    auto store = ProjectStore::open(dir.path());
    ASSERT_FALSE(store.ok());
    const std::string expected = "was written by a newer Fovea (schema " + std::to_string(newer) +
                                 ", this build reads up to " +
                                 std::to_string(ProjectStore::schemaVersion()) + ")";
    EXPECT_NE(store.error().message.find(expected), std::string::npos) << store.error().message;
    EXPECT_NE(store.error().message.find(database.string()), std::string::npos);
    EXPECT_EQ(test::readText(database), before);
    EXPECT_EQ(fs::last_write_time(database), modified);
}

TEST(ProjectStore, OpenRefusesAnotherApplicationsDatabase) {
    TempDir dir;
    const fs::path database = dir / kProjectDatabaseName;
    rawExec(database, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)");
    auto store = ProjectStore::open(dir.path());
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.error().message.find("another application"), std::string::npos);
    EXPECT_EQ(rawQueryText(database, "PRAGMA user_version"), "0");
}

TEST(ProjectStore, EmptyDatabaseFileIsUpgradedToTheCurrentSchema) {
    TempDir dir;
    test::writeText(dir / kProjectDatabaseName, "");  // SQLite reads a 0-byte file as empty
    ProjectStore store = openProject(dir.path());
    EXPECT_TRUE(store.addClass("cat").ok());
    EXPECT_EQ(rawQueryText(dir / kProjectDatabaseName, "PRAGMA user_version"),
              std::to_string(ProjectStore::schemaVersion()));
}

TEST(ProjectStore, SecondConnectionSeesCommittedChanges) {
    TempDir dir;
    ProjectStore first = createProject(dir.path());
    ProjectStore second = openProject(dir.path());
    ASSERT_TRUE(first.addClass("cat").ok());
    ASSERT_TRUE(second.addClass("dog").ok());
    EXPECT_EQ(first.classes().value().size(), 2u);
    EXPECT_EQ(second.classes().value().size(), 2u);
}

// --- Classes ---

// CIELAB (D65) of an sRGB "#rrggbb" colour, and the delta E 1976 between two.
std::array<double, 3> cielab(const std::string& hex) {
    std::array<double, 3> linear{};
    for (int c = 0; c < 3; ++c) {
        const double v = std::stoi(hex.substr(1 + 2 * c, 2), nullptr, 16) / 255.0;
        linear[c] = v > 0.04045 ? std::pow((v + 0.055) / 1.055, 2.4) : v / 12.92;
    }
    const auto [r, g, b] = linear;
    const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    const auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; };
    return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

double cielabDistance(const std::string& first, const std::string& second) {
    const auto a = cielab(first);
    const auto b = cielab(second);
    return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                     (a[2] - b[2]) * (a[2] - b[2]));
}

TEST(ProjectStore, ClassesKeepOrderAndGetDistinctColours) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    std::set<std::string> colours;
    for (int i = 0; i < 30; ++i) {
        auto id = store.addClass("class " + std::to_string(i));
        ASSERT_TRUE(id.ok()) << id.error().message;
    }
    auto classes = store.classes().value();
    ASSERT_EQ(classes.size(), 30u);
    for (std::size_t i = 0; i < classes.size(); ++i) {
        EXPECT_EQ(classes[i].name, "class " + std::to_string(i));
        ASSERT_EQ(classes[i].colour.size(), 7u);
        EXPECT_EQ(classes[i].colour[0], '#');
        colours.insert(classes[i].colour);
    }
    EXPECT_EQ(colours.size(), 30u);

    // A ten-class project tells every class from every other at a glance: at least 25 CIELAB
    // units (delta E 1976) between any two of the first ten colours.
    for (std::size_t a = 0; a < 10; ++a) {
        for (std::size_t b = a + 1; b < 10; ++b) {
            EXPECT_GE(cielabDistance(classes[a].colour, classes[b].colour), 25.0)
                << classes[a].colour << " " << classes[b].colour;
        }
    }
}

TEST(ProjectStore, AddClassValidatesNames) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    auto cat = store.addClass("  cat ");
    ASSERT_TRUE(cat.ok());
    EXPECT_EQ(store.classes().value()[0].name, "cat");
    auto duplicate = store.addClass("cat");
    ASSERT_FALSE(duplicate.ok());
    EXPECT_NE(duplicate.error().message.find("already exists"), std::string::npos);
    EXPECT_TRUE(store.addClass("Cat").ok());  // names are case-sensitive, like folders
    EXPECT_FALSE(store.addClass("   ").ok());
    EXPECT_FALSE(store.addClass("two\nlines").ok());
    EXPECT_FALSE(store.addClass(std::string(300, 'a')).ok());
    EXPECT_EQ(store.classes().value().size(), 2u);
}

TEST(ProjectStore, RenameRecolourAndReorderClasses) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    const ClassId cat = store.addClass("cat").value();
    const ClassId dog = store.addClass("dog").value();
    const ClassId bird = store.addClass("bird").value();

    ASSERT_TRUE(store.renameClass(cat, "kitten").ok());
    EXPECT_FALSE(store.renameClass(dog, "kitten").ok());
    EXPECT_TRUE(store.renameClass(dog, "dog").ok());  // its own name is fine
    EXPECT_FALSE(store.renameClass(999, "x").ok());

    ASSERT_TRUE(store.setClassColour(dog, "#A0B0C0").ok());
    EXPECT_FALSE(store.setClassColour(dog, "red").ok());
    EXPECT_FALSE(store.setClassColour(dog, "#12345g").ok());

    ASSERT_TRUE(store.reorderClasses({bird, cat, dog}).ok());
    EXPECT_FALSE(store.reorderClasses({bird, cat}).ok());
    EXPECT_FALSE(store.reorderClasses({bird, cat, cat}).ok());
    auto classes = store.classes().value();
    ASSERT_EQ(classes.size(), 3u);
    EXPECT_EQ(classes[0].name, "bird");
    EXPECT_EQ(classes[1].name, "kitten");
    EXPECT_EQ(classes[2].name, "dog");
    EXPECT_EQ(classes[2].colour, "#a0b0c0");
}

TEST(ProjectStore, MergeMovesImagesAndDeletesTheSource) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    const auto cats = addFakeImages(store, {"a/1.png", "a/2.png"}, "cat");
    const auto dogs = addFakeImages(store, {"b/1.png"}, "dog");
    const ClassId cat = test::classIdOf(store, "cat");
    const ClassId dog = test::classIdOf(store, "dog");
    EXPECT_FALSE(store.mergeClasses(cat, cat).ok());
    ASSERT_TRUE(store.mergeClasses(cat, dog).ok());
    EXPECT_EQ(store.classes().value().size(), 1u);
    ImageFilter ofDog;
    ofDog.classId = dog;
    EXPECT_EQ(store.imageCount(ofDog).value(), 3);
}

TEST(ProjectStore, DeleteClassLeavesItsImagesUnlabeled) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    const auto ids = addFakeImages(store, {"a/1.png", "a/2.png"}, "cat");
    ASSERT_TRUE(store.deleteClass(test::classIdOf(store, "cat")).ok());
    EXPECT_TRUE(store.classes().value().empty());
    for (ImageId id : ids) EXPECT_FALSE(store.image(id).value().classId.has_value());
    EXPECT_FALSE(store.deleteClass(12345).ok());
}

// An undo step holds a deleted class's id to recreate it by; were the id handed out again, two
// classes would answer to it (the workbench's undo then loops or relabels the wrong class).
TEST(ProjectStore, AClassIdIsNeverGivenTwiceEvenAfterReopening) {
    TempDir dir;
    std::set<ClassId> given;
    {
        ProjectStore store = createProject(dir.path());
        for (const char* name : {"cat", "dog"}) given.insert(store.addClass(name).value());
        // The highest id deleted, a class added: a new id, not the deleted one.
        ASSERT_TRUE(store.deleteClass(test::classIdOf(store, "dog")).ok());
        const ClassId bird = store.addClass("bird").value();
        EXPECT_TRUE(given.insert(bird).second) << bird;
        ASSERT_TRUE(store.deleteClass(bird).ok());
    }
    ProjectStore store = ProjectStore::open(dir.path()).value();
    const ClassId dog = store.addClass("dog").value();
    EXPECT_TRUE(given.insert(dog).second) << dog;
    EXPECT_EQ(store.classes().value().size(), 2u);
}

// --- Images ---

TEST(ProjectStore, BulkChangesApplyToAllIdsOrNone) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    const auto ids = addFakeImages(store, {"1.png", "2.png", "3.png"});
    const ClassId cat = store.addClass("cat").value();

    ASSERT_TRUE(store.setLabel({ids[0], ids[1]}, cat).ok());
    EXPECT_EQ(store.image(ids[0]).value().classId, std::optional<ClassId>(cat));
    EXPECT_EQ(store.image(ids[1]).value().classId, std::optional<ClassId>(cat));
    EXPECT_FALSE(store.image(ids[2]).value().classId);

    // One unknown id refuses the whole call: ids[2] stays unlabeled.
    auto refused = store.setLabel({ids[2], 9999}, cat);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("image 9999 is not in the project"), std::string::npos);
    EXPECT_FALSE(store.image(ids[2]).value().classId);
    EXPECT_FALSE(store.setLabel({ids[2]}, ClassId{777}).ok());  // unknown class

    ASSERT_TRUE(store.setLabel({ids[0]}, std::nullopt).ok());
    EXPECT_FALSE(store.image(ids[0]).value().classId);

    ASSERT_TRUE(store.setSplit(ids, Split::Val).ok());
    EXPECT_EQ(store.image(ids[1]).value().split, std::optional<Split>(Split::Val));
    EXPECT_FALSE(store.setSplit({ids[0], -1}, Split::Test).ok());
    EXPECT_EQ(store.image(ids[0]).value().split, std::optional<Split>(Split::Val));
    ASSERT_TRUE(store.setSplits({{ids[0], Split::Train}, {ids[1], Split::Test}}).ok());
    EXPECT_EQ(store.image(ids[0]).value().split, std::optional<Split>(Split::Train));
    EXPECT_EQ(store.image(ids[1]).value().split, std::optional<Split>(Split::Test));
    ASSERT_TRUE(store.setSplit({ids[2]}, std::nullopt).ok());
    EXPECT_FALSE(store.image(ids[2]).value().split);

    ASSERT_TRUE(store.setExcluded({ids[1], ids[2]}, true).ok());
    EXPECT_TRUE(store.image(ids[1]).value().excluded);
    EXPECT_FALSE(store.setExcluded({ids[0], 4242}, true).ok());
    EXPECT_FALSE(store.image(ids[0]).value().excluded);
    ASSERT_TRUE(store.setExcluded({ids[1]}, false).ok());
    EXPECT_FALSE(store.image(ids[1]).value().excluded);

    ASSERT_TRUE(store.removeImages({ids[2]}).ok());
    EXPECT_FALSE(store.image(ids[2]).ok());
    EXPECT_EQ(store.imageCount().value(), 2);
}

TEST(ProjectStore, ImageErrorsAreRecordedAndCleared) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    const auto ids = addFakeImages(store, {"1.png"});
    ASSERT_TRUE(store.recordImageError(ids[0], "1.png: cannot decode: bad Huffman code").ok());
    EXPECT_EQ(store.image(ids[0]).value().error,
              std::optional<std::string>("1.png: cannot decode: bad Huffman code"));
    ImageFilter failed;
    failed.hasError = Require::Yes;
    EXPECT_EQ(store.imageCount(failed).value(), 1);
    ASSERT_TRUE(store.clearImageError(ids[0]).ok());
    EXPECT_FALSE(store.image(ids[0]).value().error);
    EXPECT_FALSE(store.recordImageError(555, "x").ok());
}

TEST(ProjectStore, FiltersSelectImages) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    const auto cats = addFakeImages(store, {"cat/1.png", "cat/2.png", "cat/3.png"}, "cat");
    const auto dogs = addFakeImages(store, {"dog/1.png", "dog/2.png"}, "dog", Split::Train);
    const auto loose = addFakeImages(store, {"loose/1.png"});
    ASSERT_TRUE(store.setSplit({cats[0]}, Split::Val).ok());
    ASSERT_TRUE(store.setExcluded({cats[1]}, true).ok());

    ImageFilter filter;
    EXPECT_EQ(store.images(filter).value().size(), 6u);
    filter.classId = test::classIdOf(store, "cat");
    EXPECT_EQ(store.imageCount(filter).value(), 3);
    filter.excluded = Require::No;
    EXPECT_EQ(store.imageCount(filter).value(), 2);

    ImageFilter unlabeled;
    unlabeled.labeled = Require::No;
    auto found = store.images(unlabeled).value();
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].id, loose[0]);
    EXPECT_EQ(found[0].path, dir / "loose/1.png");

    ImageFilter train;
    train.split = Split::Train;
    EXPECT_EQ(store.imageCount(train).value(), 2);
    ImageFilter noSplit;
    noSplit.hasSplit = Require::No;
    EXPECT_EQ(store.imageCount(noSplit).value(), 3);

    ImageFilter byPath;
    byPath.pathContains = "dog/";
    byPath.split = Split::Train;
    EXPECT_EQ(store.imageCount(byPath).value(), 2);

    ImageFilter page;
    page.offset = 2;
    page.limit = 3;
    auto paged = store.images(page).value();
    ASSERT_EQ(paged.size(), 3u);
    EXPECT_EQ(paged[0].id, cats[2]);
    EXPECT_EQ(store.imageCount(page).value(), 3);
}

TEST(ProjectStore, ClassCountsPerSplit) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    const auto cats = addFakeImages(store, {"c/1.png", "c/2.png", "c/3.png", "c/4.png"}, "cat");
    addFakeImages(store, {"u/1.png", "u/2.png"});
    store.addClass("empty").value();
    ASSERT_TRUE(store.setSplit({cats[0], cats[1]}, Split::Train).ok());
    ASSERT_TRUE(store.setSplit({cats[2]}, Split::Test).ok());
    ASSERT_TRUE(store.setExcluded({cats[1]}, true).ok());
    ASSERT_TRUE(store.recordImageError(cats[3], "broken").ok());

    auto counts = store.classCounts().value();
    ASSERT_EQ(counts.size(), 3u);  // cat, empty, unlabeled
    EXPECT_EQ(counts[0].classId, std::optional<ClassId>(test::classIdOf(store, "cat")));
    EXPECT_EQ(counts[0].total, 4);
    EXPECT_EQ(counts[0].train, 1);
    EXPECT_EQ(counts[0].test, 1);
    EXPECT_EQ(counts[0].unassigned, 0);
    EXPECT_EQ(counts[0].excluded, 1);
    EXPECT_EQ(counts[0].failed, 1);
    EXPECT_EQ(counts[1].total, 0);
    EXPECT_FALSE(counts[2].classId);
    EXPECT_EQ(counts[2].total, 2);
    EXPECT_EQ(counts[2].unassigned, 2);
}

TEST(ProjectStore, SettingsAreKeyValuePairs) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    EXPECT_FALSE(store.setting("epochs").value());
    ASSERT_TRUE(store.setSetting("epochs", "10").ok());
    ASSERT_TRUE(store.setSetting("epochs", "12").ok());
    EXPECT_EQ(store.setting("epochs").value(), std::optional<std::string>("12"));
    ASSERT_TRUE(store.removeSetting("epochs").ok());
    EXPECT_FALSE(store.setting("epochs").value());
}

TEST(ProjectStore, PathsInsideTheProjectAreRelativeSoItCanMove) {
    TempDir dir;
    TempDir elsewhere;
    const fs::path outside = elsewhere / "shared/x.png";
    {
        ProjectStore store = createProject(dir / "before");
        addFakeImages(store, {dir / "before/images/a.png", outside});
    }
    const fs::path database = dir / "before" / kProjectDatabaseName;
    EXPECT_EQ(rawQueryText(database, "SELECT path FROM images ORDER BY id"), "images/a.png");
    EXPECT_EQ(rawQueryText(database, "SELECT path FROM images ORDER BY id DESC"),
              outside.generic_string());

    fs::rename(dir / "before", dir / "after");
    ProjectStore store = openProject(dir / "after");
    auto images = store.images().value();
    ASSERT_EQ(images.size(), 2u);
    EXPECT_EQ(images[0].path, dir / "after/images/a.png");
    EXPECT_EQ(images[1].path, outside);
}

// --- applyImport: how imports treat labels the project already has ---

TEST(ProjectStore, ApplyImportKeepsFillsOrReplacesExistingLabels) {
    TempDir dir;
    ProjectStore store = createProject(dir.path());
    addFakeImages(store, {"a.png"}, "cat", Split::Train);
    addFakeImages(store, {"b.png"});
    auto batchFor = [&](ExistingLabels mode) {
        ImportBatch batch;
        batch.existingLabels = mode;
        for (const char* name : {"a.png", "b.png"}) {
            ImportItem item;
            item.path = dir / name;
            item.className = "dog";
            item.split = Split::Val;
            item.splitGiven = true;
            batch.items.push_back(item);
        }
        return batch;
    };

    auto kept = store.applyImport(batchFor(ExistingLabels::Keep)).value();
    EXPECT_EQ(kept.added, 0u);
    EXPECT_EQ(kept.labelsApplied, 0u);
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "a.png")), "cat");
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "b.png")), "");

    auto filled = store.applyImport(batchFor(ExistingLabels::FillUnlabeled)).value();
    EXPECT_EQ(filled.labelsApplied, 1u);
    EXPECT_EQ(filled.splitsApplied, 1u);
    EXPECT_EQ(filled.conflicts.size(), 2u);  // a.png's label and split
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "a.png")), "cat");
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "b.png")), "dog");

    auto replaced = store.applyImport(batchFor(ExistingLabels::Replace)).value();
    EXPECT_EQ(replaced.labelsApplied, 1u);
    EXPECT_EQ(test::labelOf(store, test::imageAt(store, dir / "a.png")), "dog");
    EXPECT_EQ(test::imageAt(store, dir / "a.png").split, std::optional<Split>(Split::Val));
}

}  // namespace
}  // namespace fovea::core
