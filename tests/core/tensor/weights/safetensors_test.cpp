#include "fovea/core/weights/safetensors.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "run_process.h"
#include "weights_test_support.h"

namespace fovea::core {
namespace {

using test::fixture;
using test::littleEndian64;
using test::readBytes;
using test::scratchDir;
using test::writeBytes;

// One tensor of every supported dtype, with edge values, a 0-dim, an empty and a
// non-contiguous (transposed) tensor. Inserted out of name order on purpose.
StateDict everyDtype() {
    const float inf = std::numeric_limits<float>::infinity();
    StateDict tensors;
    tensors.insert("z_f32", torch::tensor({1.5f, -2.25f, inf, -0.0f, 1e-40f}));
    tensors.insert("f64", torch::tensor({1.0 / 3.0, -1e308, 5e-324}, torch::kFloat64));
    tensors.insert("f16", torch::tensor({0.5, -65504.0, 6e-8}).to(torch::kFloat16));
    tensors.insert("bf16", torch::tensor({1.0, -3e38, 0.0078125}).to(torch::kBFloat16));
    tensors.insert("i64",
                   torch::tensor({std::numeric_limits<std::int64_t>::max(),
                                  std::numeric_limits<std::int64_t>::min(), std::int64_t{-1}}));
    tensors.insert("i32", torch::tensor({2147483647, -2147483647 - 1, 5}, torch::kInt32));
    tensors.insert("i16", torch::tensor({32767, -32768, 7}, torch::kInt16));
    tensors.insert("i8", torch::tensor({127, -128, 0}, torch::kInt8));
    tensors.insert("u8", torch::tensor({0, 255, 128}, torch::kUInt8));
    tensors.insert("bool", torch::tensor({true, false, true}));
    tensors.insert("a_transposed", torch::arange(12, torch::kFloat32).reshape({3, 4}).t());
    tensors.insert("scalar", torch::tensor(2.75, torch::kFloat64));
    tensors.insert("empty", torch::zeros({0, 3}));
    return tensors;
}

const std::map<std::string, std::string> kMetadata = {
    {"labels", "cat,dog,bird"},
    {"preprocessing", "{\"mean\": [0.485, 0.456, 0.406]}"},
    {"unicode", "gr\xc3\xbc\xc3\x9f"}};

// Bit-identical contents, dtype and shape.
void expectSameTensor(const torch::Tensor& actual, const torch::Tensor& expected) {
    ASSERT_EQ(actual.scalar_type(), expected.scalar_type());
    ASSERT_EQ(actual.sizes(), expected.sizes());
    const torch::Tensor a = actual.contiguous();
    const torch::Tensor b = expected.contiguous();
    ASSERT_EQ(a.nbytes(), b.nbytes());
    if (a.nbytes() > 0) {
        EXPECT_EQ(std::memcmp(a.data_ptr(), b.data_ptr(), a.nbytes()), 0);
    }
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
    const auto file = scratchDir("round_trip") / "model.safetensors";
    const StateDict tensors = everyDtype();
    const auto written = writeSafetensors(file, tensors, kMetadata);
    ASSERT_TRUE(written.ok()) << written.error().message;

    const auto read = readSafetensors(file);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read.value().metadata, kMetadata);
    const StateDict& back = read.value().tensors;
    ASSERT_EQ(back.size(), tensors.size());
    // Written in name order, read in byte order: the same thing.
    std::vector<std::string> names = tensors.keys();
    std::sort(names.begin(), names.end());
    EXPECT_EQ(back.keys(), names);
    for (const auto& item : tensors) {
        SCOPED_TRACE(item.key());
        ASSERT_TRUE(back.contains(item.key()));
        expectSameTensor(back[item.key()], item.value());
        EXPECT_TRUE(back[item.key()].is_contiguous());
    }
}

// Parses read_safetensors.py's exact value strings: hex floats, "inf", decimal integers.
double parseFloat(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

TEST(Safetensors, WrittenFileReadsBackInAnIndependentReader) {
    const auto file = scratchDir("independent") / "model.safetensors";
    const StateDict tensors = everyDtype();
    ASSERT_TRUE(writeSafetensors(file, tensors, kMetadata).ok());

    const auto result = test::runProcess(
        test::kPython, {test::testSourceFile("read_safetensors.py").string(), file.string()}, {},
        true);
    ASSERT_EQ(result.exitCode, 0) << result.output;
    const auto report = nlohmann::json::parse(result.output);
    EXPECT_TRUE(report.at("header_size_multiple_of_8").get<bool>());
    const auto metadata = report.at("metadata").get<std::map<std::string, std::string>>();
    EXPECT_EQ(metadata, kMetadata);
    std::vector<std::string> names = tensors.keys();
    std::sort(names.begin(), names.end());
    EXPECT_EQ(report.at("order").get<std::vector<std::string>>(), names);

    ASSERT_EQ(report.at("tensors").size(), tensors.size());
    for (const auto& item : tensors) {
        SCOPED_TRACE(item.key());
        const auto& entry = report.at("tensors").at(item.key());
        EXPECT_EQ(entry.at("shape").get<std::vector<std::int64_t>>(), item.value().sizes().vec());
        const auto values = entry.at("values").get<std::vector<std::string>>();
        const torch::Tensor flat = item.value().contiguous().reshape({-1});
        ASSERT_EQ(static_cast<std::int64_t>(values.size()), flat.numel());
        const bool floating = flat.is_floating_point();
        // Widening to double/int64 is exact for every dtype here, so compare exactly.
        const torch::Tensor wide = flat.to(floating ? torch::kFloat64 : torch::kInt64);
        for (std::int64_t i = 0; i < flat.numel(); ++i) {
            if (floating) {
                const double expected = wide[i].item<double>();
                const double actual = parseFloat(values[i]);
                EXPECT_TRUE(actual == expected && std::signbit(actual) == std::signbit(expected))
                    << "element " << i << ": python read " << values[i] << ", wrote " << expected;
            } else {
                EXPECT_EQ(std::stoll(values[i]), wide[i].item<std::int64_t>()) << "element " << i;
            }
        }
    }
    const std::map<std::string, std::string> dtypes = {
        {"z_f32", "F32"}, {"f64", "F64"}, {"f16", "F16"}, {"bf16", "BF16"}, {"i64", "I64"},
        {"i32", "I32"},   {"i16", "I16"}, {"i8", "I8"},   {"u8", "U8"},     {"bool", "BOOL"}};
    for (const auto& [name, dtype] : dtypes) {
        EXPECT_EQ(report.at("tensors").at(name).at("dtype").get<std::string>(), dtype) << name;
    }
}

TEST(Safetensors, ReadsAFileWrittenByPython) {
    const auto read = readSafetensors(fixture("python_written.safetensors"));
    ASSERT_TRUE(read.ok()) << read.error().message;
    test::expectMatchesPython(read.value().tensors, "python_safetensors");
    const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"labels", "cat,dog"}};
    EXPECT_EQ(read.value().metadata, metadata);
}

// --- Malformed files ---

// A file with `header` as JSON and `bufferSize` zero bytes of tensor data.
std::filesystem::path writeRaw(const std::string& name, const std::string& header,
                               std::size_t bufferSize) {
    const auto file = scratchDir("malformed-" + name) / (name + ".safetensors");
    writeBytes(file, littleEndian64(header.size()) + header + std::string(bufferSize, '\0'));
    return file;
}

void expectReadError(const std::filesystem::path& file, const std::string& problem) {
    const auto result = readSafetensors(file);
    ASSERT_FALSE(result.ok()) << file << " was read; expected: " << problem;
    EXPECT_EQ(result.error().message.rfind(file.string() + ": ", 0), 0u) << result.error().message;
    EXPECT_NE(result.error().message.find(problem), std::string::npos)
        << "message: " << result.error().message << "\nexpected to contain: " << problem;
}

TEST(SafetensorsMalformed, AValidHandWrittenFileReads) {
    // The control for the cases below: the same helper with consistent numbers.
    const auto file = writeRaw("valid",
                               R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                               R"( "b": {"dtype": "U8", "shape": [4], "data_offsets": [8, 12]}})",
                               12);
    const auto result = readSafetensors(file);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result.value().tensors.size(), 2u);
}

TEST(SafetensorsMalformed, OverlappingOffsets) {
    expectReadError(writeRaw("overlap",
                             R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                             R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                             12),
                    "tensor 'b' overlaps the bytes of tensor 'a'");
}

TEST(SafetensorsMalformed, OffsetsOutsideTheBuffer) {
    expectReadError(
        writeRaw("outside", R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8),
        "data_offsets [0, 16) outside the 8-byte buffer");
    expectReadError(
        writeRaw("reversed", R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})", 8),
        "outside the 8-byte buffer");
}

TEST(SafetensorsMalformed, WrongByteCount) {
    expectReadError(
        writeRaw("count", R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8),
        "data_offsets span 8 bytes but its shape and dtype need 12");
}

TEST(SafetensorsMalformed, GapsAndTrailingBytes) {
    expectReadError(writeRaw("gap",
                             R"({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},)"
                             R"( "b": {"dtype": "U8", "shape": [4], "data_offsets": [8, 12]}})",
                             12),
                    "bytes 4 to 8 of the buffer belong to no tensor");
    expectReadError(
        writeRaw("tail", R"({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}})", 9),
        "5 bytes after the last tensor belong to no tensor");
}

TEST(SafetensorsMalformed, HeaderSizeBeyondTheFile) {
    const auto file = scratchDir("huge-header") / "huge.safetensors";
    writeBytes(file, littleEndian64(std::uint64_t{1} << 40) + "{}");
    expectReadError(file, "safetensors header size 1099511627776 exceeds the file");
}

TEST(SafetensorsMalformed, HeaderSizeOverTheLimit) {
    // A sparse 120 MB file: the header size fits the file but not the 100 MB limit, so the
    // limit is what refuses it (and nothing of that size is allocated).
    const auto file = scratchDir("limit") / "limit.safetensors";
    writeBytes(file, littleEndian64(110'000'000) + "{");
    std::filesystem::resize_file(file, 120'000'000);
    expectReadError(file, "safetensors header size 110000000 exceeds the 100 MB limit");
}

TEST(SafetensorsMalformed, BadJson) {
    expectReadError(writeRaw("json", R"({"a": {"dtype": )", 0),
                    "safetensors header is not valid JSON");
    expectReadError(writeRaw("array", "[1, 2]", 0), "safetensors header is not a JSON object");
}

TEST(SafetensorsMalformed, BadEntries) {
    expectReadError(
        writeRaw("dtype", R"({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})", 8),
        "tensor 'a': unsupported dtype 'C64'");
    expectReadError(
        writeRaw("shape", R"({"a": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}})", 0),
        "shape holds a non-integer or negative");
    expectReadError(writeRaw("overflow",
                             R"({"a": {"dtype": "F64", "shape": [4611686018427387904, 4],)"
                             R"( "data_offsets": [0, 0]}})",
                             0),
                    "shape too large");
    expectReadError(
        writeRaw("offsets", R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0]}})", 1),
        "data_offsets is not a pair of non-negative integers");
    expectReadError(writeRaw("metadata", R"({"__metadata__": {"epoch": 3}})", 0),
                    "__metadata__ entry 'epoch' is not a string");
}

TEST(SafetensorsMalformed, TooShortFile) {
    const auto file = scratchDir("short") / "short.safetensors";
    writeBytes(file, "\x02\x00\x00");
    expectReadError(file, "too short for a safetensors file");
}

// --- Atomic writes ---

// Runs `body` in a child process and returns (exit code, what it printed). Used for what must
// not touch this process: dropped privileges and a file size limit.
std::pair<int, std::string> inChild(const std::function<std::string()>& body) {
    int fds[2];
    if (pipe(fds) != 0) return {-1, "pipe failed"};
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const std::string message = body();
        [[maybe_unused]] const auto written = write(fds[1], message.data(), message.size());
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::string output;
    char buffer[1024];
    ssize_t count;
    while ((count = read(fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, count);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::vector<std::string> folderEntries(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(SafetensorsWrite, ReplacesAnExistingFileAndLeavesNoTemporaryFiles) {
    const auto dir = scratchDir("replace");
    const auto file = dir / "model.safetensors";
    StateDict first;
    first.insert("w", torch::ones({100}));
    ASSERT_TRUE(writeSafetensors(file, first).ok());
    StateDict second;
    second.insert("v", torch::full({3}, 7, torch::kInt64));
    ASSERT_TRUE(writeSafetensors(file, second, {{"k", "v"}}).ok());

    const auto read = readSafetensors(file);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read.value().tensors.keys(), std::vector<std::string>{"v"});
    expectSameTensor(read.value().tensors["v"], second["v"]);
    EXPECT_EQ(folderEntries(dir), std::vector<std::string>{"model.safetensors"});
}

TEST(SafetensorsWrite, UnwritableFolderFailsAndKeepsTheOldFile) {
    const auto dir = scratchDir("readonly");
    const auto file = dir / "model.safetensors";
    writeBytes(file, "old contents");
    // World-writable target: a writer that overwrote in place would succeed and clobber it;
    // only the folder (where the temporary file must go) is read-only.
    ASSERT_EQ(::chmod(file.c_str(), 0666), 0);
    ASSERT_EQ(::chmod(dir.c_str(), 0555), 0);
    StateDict tensors;
    tensors.insert("w", torch::ones({4}));

    const auto [exitCode, message] = inChild([&] {
        // Root ignores folder permissions; drop to an unprivileged user as a real user would be.
        if (geteuid() == 0) {
            const passwd* nobody = getpwnam("nobody");
            const uid_t uid = nobody ? nobody->pw_uid : 65534;
            const gid_t gid = nobody ? nobody->pw_gid : 65534;
            if (setgid(gid) != 0 || setuid(uid) != 0) return std::string("cannot drop root");
        }
        const auto result = writeSafetensors(file, tensors);
        return result.ok() ? std::string("written") : result.error().message;
    });
    ::chmod(dir.c_str(), 0755);
    ASSERT_EQ(exitCode, 0);
    EXPECT_EQ(
        message.rfind(file.string() + ": cannot create a temporary file in " + dir.string(), 0), 0u)
        << message;
    EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
    EXPECT_EQ(readBytes(file), "old contents");
    EXPECT_EQ(folderEntries(dir), std::vector<std::string>{"model.safetensors"});
}

TEST(SafetensorsWrite, FailureMidWriteKeepsTheOldFileAndCleansUp) {
    const auto dir = scratchDir("midwrite");
    const auto file = dir / "model.safetensors";
    writeBytes(file, "old contents");
    StateDict tensors;
    tensors.insert("w", torch::ones({1 << 18}));  // 1 MiB, over the 64 KiB limit below

    const auto [exitCode, message] = inChild([&] {
        // A file size limit makes write() fail part way, as a full disk would.
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{64 * 1024, 64 * 1024};
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return std::string("cannot set the limit");
        const auto result = writeSafetensors(file, tensors);
        return result.ok() ? std::string("written") : result.error().message;
    });
    ASSERT_EQ(exitCode, 0);
    EXPECT_EQ(message, file.string() + ": cannot write: File too large");
    EXPECT_EQ(readBytes(file), "old contents");
    EXPECT_EQ(folderEntries(dir), std::vector<std::string>{"model.safetensors"});
}

TEST(SafetensorsWrite, RejectsWhatTheFormatCannotHold) {
    const auto dir = scratchDir("reject");
    const auto file = dir / "model.safetensors";
    writeBytes(file, "old contents");

    StateDict complex;
    complex.insert("c", torch::zeros({2}, torch::kComplexFloat));
    const auto result = writeSafetensors(file, complex);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("tensor 'c' has dtype ComplexFloat"), std::string::npos)
        << result.error().message;

    StateDict reserved;
    reserved.insert("__metadata__", torch::zeros({2}));
    const auto named = writeSafetensors(file, reserved);
    ASSERT_FALSE(named.ok());
    EXPECT_NE(named.error().message.find("may not be named __metadata__"), std::string::npos);

    EXPECT_EQ(readBytes(file), "old contents");
    EXPECT_EQ(folderEntries(dir), std::vector<std::string>{"model.safetensors"});
}

}  // namespace
}  // namespace fovea::core
