#include "run_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace fovea::test {

ProcessResult runProcess(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& environment, bool mergeStderr) {
    int pipeFds[2];
    if (pipe(pipeFds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(pipeFds[1], STDOUT_FILENO);
        if (mergeStderr) dup2(pipeFds[1], STDERR_FILENO);
        close(pipeFds[0]);
        close(pipeFds[1]);
        for (const auto& entry : environment) {
            if (!entry.empty() && entry[0] == '-') {
                unsetenv(entry.c_str() + 1);
            } else if (const auto eq = entry.find('='); eq != std::string::npos) {
                setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 1);
            }
        }
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
        argv.push_back(nullptr);
        execv(program.c_str(), argv.data());
        _exit(127);
    }
    close(pipeFds[1]);
    ProcessResult result;
    char buffer[4096];
    ssize_t count;
    while ((count = read(pipeFds[0], buffer, sizeof buffer)) > 0)
        result.output.append(buffer, count);
    close(pipeFds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// The environment (set by ctest) wins; else the folders of the build this test was compiled in
// (tests/CMakeLists.txt defines them), so a test binary also runs on its own.
std::string foveaSourceDir() {
    if (const char* dir = std::getenv("FOVEA_SOURCE_DIR")) return dir;
#ifdef FOVEA_TEST_SOURCE_DIR
    return FOVEA_TEST_SOURCE_DIR;
#else
    throw std::runtime_error("FOVEA_SOURCE_DIR is not set; run the tests through ctest");
#endif
}

std::string foveaBinary(const std::string& name) {
    if (const char* dir = std::getenv("FOVEA_BIN_DIR")) return std::string(dir) + "/" + name;
#ifdef FOVEA_TEST_BIN_DIR
    return std::string(FOVEA_TEST_BIN_DIR) + "/" + name;
#else
    throw std::runtime_error("FOVEA_BIN_DIR is not set; run the tests through ctest");
#endif
}

}  // namespace fovea::test
