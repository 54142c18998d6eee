#pragma once

#include <string>
#include <utility>
#include <variant>

namespace fovea::core {

// What kind of failure an Error is: fovea-cli derives its exit code from it, the workbench how
// it shows the message.
enum class ErrorKind {
    Usage,      // a setting, option or path is wrong (not a run folder, unknown augmentation...)
    BadData,    // the data or model cannot be used (no images, one class, unreadable weights)
    Io,         // a file or folder could not be read or written (disk full, permissions)
    Cancelled,  // the user stopped it
    Internal,   // something broke while running
};

// A user-facing failure: bad input, unreadable file, shape mismatch. The message is complete
// and names the file or item and the problem, ready to show as it is. Most failures are about
// the user's data, hence the default kind.
struct Error {
    std::string message;
    ErrorKind kind = ErrorKind::BadData;
};

// `error` as a failure of `kind` (the message unchanged).
inline Error withKind(Error error, ErrorKind kind) {
    error.kind = kind;
    return error;
}

// Expected-style return value for operations on user data (no exceptions across the core
// boundary for problems the user can fix). `Result<void>` carries success or an Error.
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Error error) : m_state(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(m_state); }
    const T& value() const& { return std::get<T>(m_state); }
    // By value, so that `for (auto& x : makeResult().value())` owns what it walks over.
    T value() && { return std::get<T>(std::move(m_state)); }
    const Error& error() const { return std::get<Error>(m_state); }

  private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return m_error; }

  private:
    Error m_error;
    bool m_failed = false;
};

}  // namespace fovea::core
