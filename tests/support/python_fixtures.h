#pragma once

// Reference tensors written once per test suite by a Python (torchvision) script into a fresh
// temporary folder, then read back as state dicts: the parity tests' fixtures.

#include <ATen/Parallel.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "fovea/core/weights/pth_reader.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {

class PythonFixtures {
  public:
    explicit PythonFixtures(const std::string& prefix) : m_folder(prefix) {}

    // Runs `python3 SCRIPT FOLDER THREADS ARGS...`, SCRIPT relative to the source tree and
    // THREADS LibTorch's (so Python computes with as many); stderr is merged into the output.
    ProcessResult generate(const std::string& script, std::vector<std::string> args) const {
        args.insert(args.begin(), {foveaSourceDir() + "/" + script, m_folder.path().string(),
                                   std::to_string(at::get_num_threads())});
        return runProcess("/usr/bin/python3", args, {}, /*mergeStderr=*/true);
    }

    // A .pth file the script wrote (or any other in the folder); throws when it cannot be read.
    core::StateDict read(const std::string& name) const {
        auto loaded = core::readPth(m_folder / name);
        if (!loaded) throw std::runtime_error(loaded.error().message);
        return loaded.value();
    }

    const std::filesystem::path& path() const { return m_folder.path(); }
    std::filesystem::path operator/(const std::filesystem::path& name) const {
        return m_folder / name;
    }

  private:
    TempFolder m_folder;
};

}  // namespace fovea::test
