#pragma once

// Shared by the fuzz targets: Fovea's readers take file paths, so each input is written to one
// scratch file per fuzzer process (reused for every input; the folder is removed at exit).

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace fovea::fuzz {

// A private folder under $TMPDIR (or /tmp) named after the target and the process id, so that
// parallel fuzzers (-jobs) never share files.
inline std::filesystem::path scratchFolder(const std::string& target) {
    static const std::filesystem::path folder = [&] {
        std::error_code ec;
        std::filesystem::path base = std::filesystem::temp_directory_path(ec);
        if (ec) base = "/tmp";
        const std::filesystem::path dir =
            base / ("fovea-fuzz-" + target + "-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(folder, ignored);
        });
        return dir;
    }();
    return folder;
}

// Replaces `file` with exactly `size` bytes of `data`; aborts when the file cannot be written
// (a broken fuzzing set-up must not pass as "no crash").
inline void writeBytes(const std::filesystem::path& file, const std::uint8_t* data,
                       std::size_t size) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) std::abort();
}

// With FOVEA_FUZZ_VERBOSE set (replaying one input), prints what the reader said about it.
inline void showError(const std::string& message) {
    static const bool verbose = std::getenv("FOVEA_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "error: %s\n", message.c_str());
}

}  // namespace fovea::fuzz
