#include "cli_test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "run_process.h"

extern char** environ;

namespace fovea::test {
namespace fs = std::filesystem;

namespace {

// The parent's environment with the "NAME=value" / "-NAME" changes applied. Built before
// fork(): only async-signal-safe calls are allowed in the child of a threaded parent.
std::vector<std::string> childEnvironment(const std::vector<std::string>& changes) {
    std::vector<std::string> entries;
    for (char** entry = environ; *entry; ++entry) entries.emplace_back(*entry);
    for (const auto& change : changes) {
        const bool remove = !change.empty() && change[0] == '-';
        const std::string name = remove ? change.substr(1) : change.substr(0, change.find('='));
        if (name.empty() || (!remove && change.find('=') == std::string::npos)) continue;
        std::vector<std::string> kept;
        for (auto& entry : entries) {
            if (entry.compare(0, name.size() + 1, name + "=") != 0) kept.push_back(entry);
        }
        entries = std::move(kept);
        if (!remove) entries.push_back(change);
    }
    return entries;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& s : strings) result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

}  // namespace

JsonRun parseJsonRun(int exitCode, std::string output) {
    JsonRun run;
    run.exitCode = exitCode;
    // Strict: trailing text after the value (a second object, a stray line) is a parse error.
    run.json = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
    run.output = std::move(output);
    return run;
}

JsonRun runCliJson(const std::vector<std::string>& args,
                   const std::vector<std::string>& environment) {
    auto result = runProcess(foveaBinary("fovea-cli"), args, environment);
    return parseJsonRun(result.exitCode, std::move(result.output));
}

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::vector<std::string>& environment, const fs::path& stdoutFile,
                           const fs::path& stderrFile) {
    std::vector<std::string> argStrings{program};
    argStrings.insert(argStrings.end(), args.begin(), args.end());
    std::vector<std::string> envStrings = childEnvironment(environment);
    std::vector<char*> argv = pointers(argStrings);
    std::vector<char*> envp = pointers(envStrings);

    const int out = ::open(stdoutFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err = ::open(stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || err < 0) throw std::runtime_error("cannot create " + stdoutFile.string());
    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("fork failed");
    if (m_pid == 0) {
        ::dup2(out, STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copies
        ::dup2(err, STDERR_FILENO);
        ::execve(program.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out);
    ::close(err);
}

ChildProcess::~ChildProcess() {
    if (m_pid > 0 && !m_exited) {
        ::kill(m_pid, SIGKILL);
        wait();
    }
}

void ChildProcess::record(int status) {
    m_exited = true;
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

bool ChildProcess::running() {
    if (m_exited) return false;
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) record(status);
    return !m_exited;
}

void ChildProcess::sendSignal(int signal) {
    if (running()) ::kill(m_pid, signal);
}

int ChildProcess::wait() {
    if (!m_exited) {
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0) {
            if (errno != EINTR) throw std::runtime_error("waitpid failed");
        }
        record(status);
    }
    return m_status;
}

bool waitForFile(const fs::path& path, ChildProcess& child, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (fs::exists(path)) return true;
        if (!child.running()) return fs::exists(path);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return fs::exists(path);
}

std::string readWholeFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> csvDataRows(const fs::path& file) {
    std::istringstream text(readWholeFile(file));
    std::vector<std::string> rows;
    std::string line;
    std::getline(text, line);  // the header
    while (std::getline(text, line)) {
        if (!line.empty()) rows.push_back(line);
    }
    return rows;
}

}  // namespace fovea::test
