#pragma once

// A small RAII layer over the SQLite C API for the project store: a connection, prepared
// statements with bind helpers, and a transaction guard. Private to core/src/data/project.

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "fovea/core/result.h"

namespace fovea::core::sqlite {

// A prepared statement. A statement that failed to prepare remembers why and reports it from
// step()/run(), so callers check once per statement instead of after every call; binding on
// it does nothing.
class Statement {
  public:
    Statement() = default;
    Statement(sqlite3_stmt* statement, std::string prepareError);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are numbered from 1, as in SQLite. Text is copied by SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bindNull(int index);
    Statement& bind(int index, const std::optional<std::int64_t>& value);
    Statement& bind(int index, const std::optional<std::string>& value);

    // One step: true when a row is ready to read, false when the statement is done.
    Result<bool> step();
    // Steps to completion (for statements without rows) and rewinds; bindings are kept, so a
    // loop only rebinds the parameters that change.
    Result<void> run();
    // Ready to run again; bindings are cleared.
    void reset();

    // Columns are numbered from 0.
    std::int64_t columnInt64(int column) const;
    double columnDouble(int column) const;
    bool columnIsNull(int column) const;
    std::string columnText(int column) const;
    std::optional<std::int64_t> columnOptionalInt64(int column) const;
    std::optional<std::string> columnOptionalText(int column) const;

  private:
    Error currentError() const;

    sqlite3_stmt* m_statement = nullptr;
    std::string m_prepareError;
};

class Database {
  public:
    // Opens `file` read-write; `create` also creates it when absent. Opening is lazy in SQLite:
    // a file that is not a database is only detected by the first query.
    static Result<Database> open(const std::filesystem::path& file, bool create);

    Database() = default;
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Statement prepare(std::string_view sql);
    // Runs one or more statements without parameters (schema scripts, pragmas).
    Result<void> exec(const std::string& sql);
    // The first column of the first row of `sql` (e.g. a pragma).
    Result<std::int64_t> queryInt(const std::string& sql);
    Result<std::string> queryText(const std::string& sql);

    std::int64_t lastInsertRowId() const;
    int changes() const;  // rows changed by the last INSERT/UPDATE/DELETE
    const std::filesystem::path& file() const { return m_file; }
    sqlite3* handle() const { return m_db; }

  private:
    Database(sqlite3* db, std::filesystem::path file);

    sqlite3* m_db = nullptr;
    std::filesystem::path m_file;
};

// BEGIN IMMEDIATE ... COMMIT. IMMEDIATE takes the write lock up front, so two writers wait on
// the busy timeout instead of failing with SQLITE_BUSY halfway through. Rolled back when
// destroyed without a successful commit().
class Transaction {
  public:
    static Result<Transaction> begin(Database& db);

    ~Transaction();
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Result<void> commit();

  private:
    explicit Transaction(Database& db) : m_db(&db) {}

    Database* m_db = nullptr;
    bool m_open = false;
};

}  // namespace fovea::core::sqlite
