// The migration mechanism, driven with made-up migration lists through the store's private
// SQLite layer (core/src/data/project).
#include "schema.h"

#include <gtest/gtest.h>

#include "project_test_support.h"
#include "sqlite_database.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

sqlite::Database openDatabase(const fs::path& file) {
    auto db = sqlite::Database::open(file, true);
    EXPECT_TRUE(db.ok());
    return std::move(db).value();
}

bool hasTable(sqlite::Database& db, const std::string& name) {
    auto count = db.queryInt("SELECT count(*) FROM sqlite_master WHERE name = '" + name + "'");
    return count.ok() && count.value() == 1;
}

TEST(Schema, MigratesFromEveryOlderVersionInOrder) {
    test::TempDir dir;
    const std::vector<std::string> steps = {
        "CREATE TABLE a (x INTEGER)",
        "INSERT INTO a VALUES (1); CREATE TABLE b (y TEXT)",
        "ALTER TABLE b ADD COLUMN z INTEGER DEFAULT 7",
    };
    sqlite::Database db = openDatabase(dir / "db.sqlite");
    // A database left at version 1 by an older build.
    ASSERT_TRUE(schema::migrate(db, {steps[0]}).ok());
    EXPECT_EQ(db.queryInt("PRAGMA user_version").value(), 1);
    EXPECT_EQ(db.queryInt("PRAGMA application_id").value(), schema::kApplicationId);

    ASSERT_TRUE(schema::migrate(db, steps).ok());
    EXPECT_EQ(db.queryInt("PRAGMA user_version").value(), 3);
    EXPECT_EQ(db.queryInt("SELECT count(*) FROM a").value(), 1);  // step 2 ran once
    ASSERT_TRUE(db.exec("INSERT INTO b (y) VALUES ('q')").ok());
    EXPECT_EQ(db.queryInt("SELECT z FROM b").value(), 7);

    // Up to date: nothing runs again.
    ASSERT_TRUE(schema::migrate(db, steps).ok());
    EXPECT_EQ(db.queryInt("SELECT count(*) FROM a").value(), 1);
}

TEST(Schema, FailedStepRollsBackTheWholeUpgrade) {
    test::TempDir dir;
    sqlite::Database db = openDatabase(dir / "db.sqlite");
    const std::vector<std::string> steps = {
        "CREATE TABLE a (x INTEGER)",
        "CREATE TABLE b (y TEXT)",
        "THIS IS NOT SQL",
    };
    auto migrated = schema::migrate(db, steps);
    ASSERT_FALSE(migrated.ok());
    EXPECT_NE(migrated.error().message.find("to schema 3"), std::string::npos)
        << migrated.error().message;
    EXPECT_EQ(db.queryInt("PRAGMA user_version").value(), 0);
    EXPECT_FALSE(hasTable(db, "a"));
    EXPECT_FALSE(hasTable(db, "b"));
}

TEST(Schema, RefusesDatabasesItDoesNotOwn) {
    schema::DatabaseIdentity newer{schema::kApplicationId, 9, 5};
    auto refused = schema::checkIdentity(newer, "/p/db", 2);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find(
                  "/p/db was written by a newer Fovea (schema 9, this build reads up to 2)"),
              std::string::npos);

    schema::DatabaseIdentity foreign{0, 0, 3};
    EXPECT_FALSE(schema::checkIdentity(foreign, "/p/db", 2).ok());
    schema::DatabaseIdentity otherApp{1234, 1, 3};
    EXPECT_FALSE(schema::checkIdentity(otherApp, "/p/db", 2).ok());
    schema::DatabaseIdentity blank{0, 0, 0};
    EXPECT_TRUE(schema::checkIdentity(blank, "/p/db", 2).ok());
    schema::DatabaseIdentity older{schema::kApplicationId, 1, 4};
    EXPECT_TRUE(schema::checkIdentity(older, "/p/db", 2).ok());
}

TEST(Schema, TransactionRollsBackUnlessCommitted) {
    test::TempDir dir;
    sqlite::Database db = openDatabase(dir / "db.sqlite");
    ASSERT_TRUE(db.exec("CREATE TABLE t (x INTEGER)").ok());
    {
        auto transaction = sqlite::Transaction::begin(db);
        ASSERT_TRUE(transaction.ok());
        ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)").ok());
    }
    EXPECT_EQ(db.queryInt("SELECT count(*) FROM t").value(), 0);
    {
        auto transaction = sqlite::Transaction::begin(db);
        ASSERT_TRUE(db.exec("INSERT INTO t VALUES (2)").ok());
        ASSERT_TRUE(transaction.value().commit().ok());
    }
    EXPECT_EQ(db.queryInt("SELECT count(*) FROM t").value(), 1);
}

TEST(Schema, StatementReportsPrepareErrorsWhenRun) {
    test::TempDir dir;
    sqlite::Database db = openDatabase(dir / "db.sqlite");
    auto statement = db.prepare("SELECT * FROM no_such_table WHERE x = ?");
    statement.bind(1, std::int64_t{3});  // a no-op, not a crash
    auto run = statement.run();
    ASSERT_FALSE(run.ok());
    EXPECT_NE(run.error().message.find("no such table"), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
