#pragma once

// Shared by the weight-file tests: the folder of files Python wrote for this run, and checks
// against the values Python recorded next to them.

#include <cstdint>
#include <filesystem>
#include <string>

#include "fovea/core/state_dict.h"

namespace fovea::test {

// Folder holding make_pth_fixtures.py's output (created once per test program run).
const std::filesystem::path& fixtureDir();
std::filesystem::path fixture(const std::string& name);

// A fresh empty folder inside the fixture folder, for files a test writes itself.
std::filesystem::path scratchDir(const std::string& name);

// Debian's Python with torch 1.13 (not the pyenv python3 on PATH).
constexpr const char* kPython = "/usr/bin/python3";
// Path of a file in tests/core/tensor/weights of the source tree.
std::filesystem::path testSourceFile(const std::string& name);

std::string readBytes(const std::filesystem::path& file);
void writeBytes(const std::filesystem::path& file, const std::string& bytes);
// `value` as 8 little-endian bytes (a safetensors file's header length).
std::string littleEndian64(std::uint64_t value);

// Checks `actual` against the set `setName` of expected.json: same names in the same order,
// same dtype and shape, and bit-identical contents. Adds GoogleTest failures.
void expectMatchesPython(const core::StateDict& actual, const std::string& setName);

}  // namespace fovea::test
