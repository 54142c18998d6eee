// Project databases that Fovea must refuse without changing anything: one from a newer Fovea
// (whose files a rollback to an older build must not touch) and one cut short. (The newer
// schema's bytes and mtime are checked in project_store_test.cpp; here the whole folder.)

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <string>

#include "fovea/core/project/project_store.h"
#include "project_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// Every file of the folder with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        files[entry.path().filename().string()] = test::readText(entry.path());
    }
    return files;
}

void setUserVersion(const fs::path& database, int version) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
    const std::string sql = "PRAGMA user_version = " + std::to_string(version);
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
}

TEST(ProjectDatabaseAbuse, NewerSchemaIsRefusedAndTheFolderIsLeftAsItWas) {
    TempDir dir;
    {
        ProjectStore store = test::createProject(dir.path());
        ASSERT_TRUE(store.addClass("cat").ok());
        ASSERT_TRUE(store.setSetting("note", "written by a newer Fovea").ok());
    }
    const fs::path database = dir / kProjectDatabaseName;
    setUserVersion(database, ProjectStore::schemaVersion() + 1);
    const auto before = snapshot(dir.path());
    ASSERT_EQ(before.size(), 1u) << "the database was left with companion files";

    for (int attempt = 0; attempt < 2; ++attempt) {  // a second try sees the same file
        auto store = ProjectStore::open(dir.path());
        ASSERT_FALSE(store.ok());
        EXPECT_NE(store.error().message.find(database.string() + " was written by a newer Fovea"),
                  std::string::npos)
            << store.error().message;
        EXPECT_NE(store.error().message.find("it was left untouched"), std::string::npos);
    }
    // No WAL, shared-memory or journal file left, and the database byte for byte the same.
    EXPECT_EQ(snapshot(dir.path()), before);
}

TEST(ProjectDatabaseAbuse, TruncatedDatabaseIsAClearErrorNamingTheFile) {
    TempDir dir;
    {
        ProjectStore store = test::createProject(dir.path());
        ASSERT_TRUE(store.addClass("cat").ok());
    }
    const fs::path database = dir / kProjectDatabaseName;
    const std::string whole = test::readText(database);
    ASSERT_GT(whole.size(), 4096u);
    // Cut inside the first page (the header survives) and after it (tables are missing).
    for (const std::size_t size : {std::size_t{200}, std::size_t{4096}}) {
        SCOPED_TRACE("first " + std::to_string(size) + " bytes");
        test::writeText(database, whole.substr(0, size));
        auto store = ProjectStore::open(dir.path());
        if (store.ok()) {
            // SQLite may accept the header; reading must then fail cleanly, never crash.
            auto classes = store.value().classes();
            if (classes.ok()) continue;
            EXPECT_FALSE(classes.error().message.empty());
            continue;
        }
        EXPECT_NE(store.error().message.find(database.string()), std::string::npos)
            << store.error().message;
    }
}

}  // namespace
}  // namespace fovea::core
