#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace fovea::test {

// A child process that runs while the test runs (e.g. an HTTP server on 127.0.0.1), killed
// when this object goes. The first line it prints to stdout is kept for the test (e.g. its
// port).
class BackgroundProcess {
  public:
    BackgroundProcess(const std::string& program, const std::vector<std::string>& args);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    const std::string& firstLine() const { return m_firstLine; }

  private:
    pid_t m_pid = -1;
    std::string m_firstLine;
};

}  // namespace fovea::test
