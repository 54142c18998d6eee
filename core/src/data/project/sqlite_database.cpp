#include "sqlite_database.h"

#include <cassert>
#include <utility>

namespace fovea::core::sqlite {

Statement::Statement(sqlite3_stmt* statement, std::string prepareError)
    : m_statement(statement), m_prepareError(std::move(prepareError)) {}

Statement::~Statement() { sqlite3_finalize(m_statement); }

Statement::Statement(Statement&& other) noexcept
    : m_statement(std::exchange(other.m_statement, nullptr)),
      m_prepareError(std::move(other.m_prepareError)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_statement = std::exchange(other.m_statement, nullptr);
        m_prepareError = std::move(other.m_prepareError);
    }
    return *this;
}

// Bind calls only fail for a wrong index or a finalised statement: programmer mistakes.
Statement& Statement::bind(int index, std::int64_t value) {
    if (m_statement) {
        [[maybe_unused]] const int rc = sqlite3_bind_int64(m_statement, index, value);
        assert(rc == SQLITE_OK);
    }
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (m_statement) {
        [[maybe_unused]] const int rc = sqlite3_bind_double(m_statement, index, value);
        assert(rc == SQLITE_OK);
    }
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    if (m_statement) {
        [[maybe_unused]] const int rc = sqlite3_bind_text64(
            m_statement, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        assert(rc == SQLITE_OK);
    }
    return *this;
}

Statement& Statement::bindNull(int index) {
    if (m_statement) {
        [[maybe_unused]] const int rc = sqlite3_bind_null(m_statement, index);
        assert(rc == SQLITE_OK);
    }
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bindNull(index);
}

Error Statement::currentError() const {
    sqlite3* db = sqlite3_db_handle(m_statement);
    const char* file = sqlite3_db_filename(db, "main");
    return Error{std::string(file && *file ? file : "database") + ": " + sqlite3_errmsg(db)};
}

Result<bool> Statement::step() {
    if (!m_statement) return Error{m_prepareError};
    const int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error error = currentError();
    sqlite3_reset(m_statement);
    return error;
}

Result<void> Statement::run() {
    while (true) {
        auto stepped = step();
        if (!stepped) return stepped.error();
        if (!stepped.value()) break;
    }
    sqlite3_reset(m_statement);
    return {};
}

void Statement::reset() {
    if (!m_statement) return;
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
}

std::int64_t Statement::columnInt64(int column) const {
    return sqlite3_column_int64(m_statement, column);
}

double Statement::columnDouble(int column) const {
    return sqlite3_column_double(m_statement, column);
}

bool Statement::columnIsNull(int column) const {
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

std::string Statement::columnText(int column) const {
    const auto* text = sqlite3_column_text(m_statement, column);
    const int size = sqlite3_column_bytes(m_statement, column);
    return text ? std::string(reinterpret_cast<const char*>(text), size) : std::string();
}

std::optional<std::int64_t> Statement::columnOptionalInt64(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnInt64(column);
}

std::optional<std::string> Statement::columnOptionalText(int column) const {
    if (columnIsNull(column)) return std::nullopt;
    return columnText(column);
}

Database::Database(sqlite3* db, std::filesystem::path file) : m_db(db), m_file(std::move(file)) {}

Result<Database> Database::open(const std::filesystem::path& file, bool create) {
    sqlite3* db = nullptr;
    const int flags =
        SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_EXRESCODE;
    const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return Error{file.string() + ": cannot open the database: " + message};
    }
    return Database(db, file);
}

Database::~Database() { sqlite3_close_v2(m_db); }

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_file(std::move(other.m_file)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_file = std::move(other.m_file);
    }
    return *this;
}

Statement Database::prepare(std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    const int rc =
        sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(statement);
        return Statement(nullptr, m_file.string() + ": " + sqlite3_errmsg(m_db));
    }
    return Statement(statement, {});
}

Result<void> Database::exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return Error{m_file.string() + ": " + text};
    }
    return {};
}

Result<std::int64_t> Database::queryInt(const std::string& sql) {
    Statement statement = prepare(sql);
    auto row = statement.step();
    if (!row) return row.error();
    if (!row.value()) return Error{m_file.string() + ": no result for " + sql};
    return statement.columnInt64(0);
}

Result<std::string> Database::queryText(const std::string& sql) {
    Statement statement = prepare(sql);
    auto row = statement.step();
    if (!row) return row.error();
    if (!row.value()) return Error{m_file.string() + ": no result for " + sql};
    return statement.columnText(0);
}

std::int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::changes() const { return sqlite3_changes(m_db); }

Result<Transaction> Transaction::begin(Database& db) {
    if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun) return begun.error();
    Transaction transaction(db);
    transaction.m_open = true;
    return transaction;
}

Transaction::~Transaction() {
    // Nothing better to do with a failed rollback in a destructor: SQLite rolls back a
    // transaction left open when the connection closes.
    if (m_open) (void)m_db->exec("ROLLBACK");
}

Transaction::Transaction(Transaction&& other) noexcept
    : m_db(other.m_db), m_open(std::exchange(other.m_open, false)) {}

Result<void> Transaction::commit() {
    assert(m_open);
    if (auto committed = m_db->exec("COMMIT"); !committed) return committed.error();
    m_open = false;
    return {};
}

}  // namespace fovea::core::sqlite
