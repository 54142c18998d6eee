#include "fovea/core/training/tensorboard_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crc32c.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// --- CRC-32C against published check values (RFC 3720 B.4 and the CRC catalogue) ---

TEST(Crc32c, MatchesPublishedCheckValues) {
    EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
    const std::vector<unsigned char> zeros(32, 0x00);
    EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
    const std::vector<unsigned char> ones(32, 0xFF);
    EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
    std::vector<unsigned char> ascending(32);
    for (int index = 0; index < 32; ++index) ascending[index] = static_cast<unsigned char>(index);
    EXPECT_EQ(crc32c(ascending.data(), ascending.size()), 0x46DD794Eu);
    EXPECT_EQ(crc32c(nullptr, 0), 0u);
}

// --- The writer, read back by read_tfevents.py (Python protobuf, its own CRC) ---

struct Scalar {
    std::string tag;
    std::int64_t step;
    double value;
    double wallTime;
};

class TensorBoardWriterTest : public ::testing::Test {
  protected:
    // Owner permissions back before m_folder is removed (runs before the fixture is destroyed).
    void TearDown() override {
        std::error_code ignored;
        fs::permissions(m_folder.path(), fs::perms::owner_all, fs::perm_options::add, ignored);
    }

    // Runs the reader; its stdout (and stderr when `mergeStderr`) and exit code.
    static test::ProcessResult runReader(const fs::path& file, bool allowTruncatedTail = false,
                                         bool mergeStderr = false) {
        std::vector<std::string> args = {
            test::foveaSourceDir() + "/tests/core/tensor/run_log/read_tfevents.py", file.string()};
        if (allowTruncatedTail) args.push_back("--allow-truncated-tail");
        return test::runProcess("/usr/bin/python3", args, {}, mergeStderr);
    }

    static json readEvents(const fs::path& file, bool allowTruncatedTail = false) {
        const auto result = runReader(file, allowTruncatedTail);
        EXPECT_EQ(result.exitCode, 0) << "read_tfevents.py failed on " << file;
        if (result.exitCode != 0) return json::object();
        return json::parse(result.output);
    }

    test::TempFolder m_folder{"fovea-run-log"};
};

std::string fileBytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

// The reader prints floats as float.hex() strings ("nan", "inf" included); strtod reads both.
double parseHex(const json& value) {
    return std::strtod(value.get<std::string>().c_str(), nullptr);
}

// TensorBoard stores simple_value as float32: compare bit patterns after that rounding, so -0.0,
// subnormals and infinities are checked exactly; any NaN matches any NaN.
void expectSameFloat32(double written, double readBack, const std::string& what) {
    const float expected = static_cast<float>(written);
    const float actual = static_cast<float>(readBack);
    if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(actual)) << what << ": read " << actual;
        return;
    }
    std::uint32_t expectedBits = 0;
    std::uint32_t actualBits = 0;
    std::memcpy(&expectedBits, &expected, 4);
    std::memcpy(&actualBits, &actual, 4);
    EXPECT_EQ(expectedBits, actualBits) << what << ": wrote " << expected << ", read " << actual;
}

void expectScalars(const json& events, const std::vector<Scalar>& written) {
    ASSERT_EQ(events.at("scalars").size(), written.size());
    for (std::size_t index = 0; index < written.size(); ++index) {
        const json& row = events.at("scalars")[index];
        const Scalar& expected = written[index];
        const std::string what = "scalar " + std::to_string(index) + " (" + expected.tag + ")";
        EXPECT_EQ(row[0].get<std::string>(), expected.tag) << what;
        EXPECT_EQ(row[1].get<std::int64_t>(), expected.step) << what;
        expectSameFloat32(expected.value, parseHex(row[2]), what);
        EXPECT_EQ(parseHex(row[3]), expected.wallTime) << what;
    }
}

std::vector<Scalar> sampleScalars() {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    const double start = 1.7e9 + 0.123456789;  // a 2023 wall time with sub-µs digits
    std::vector<Scalar> scalars;
    for (int step = 0; step < 50; ++step) {
        scalars.push_back({"loss/train", step, 2.3 * std::exp(-0.05 * step), start + step * 0.25});
        if (step % 10 == 9) {
            scalars.push_back({"loss/val", step / 10, 2.0 / (step + 1), start + step * 0.25});
            scalars.push_back({"accuracy/val", step / 10, 0.1 * step, start + step * 0.25});
        }
    }
    scalars.push_back({"learning_rate", -1, 1e-3, start - 1});
    scalars.push_back({"learning_rate", kMax, 3.0e-5, start + 1e6});
    scalars.push_back({"learning_rate", kMin, 1e-4, 0.0});
    scalars.push_back({"learning_rate", 1LL << 40, 1.5, start});
    scalars.push_back({"diverged/loss", 1, std::nan(""), start});
    scalars.push_back({"diverged/loss", 2, kInf, start});
    scalars.push_back({"diverged/loss", 3, -kInf, start});
    scalars.push_back({"diverged/loss", 4, 1e39, start});  // beyond float32: inf
    scalars.push_back({"edge/values", 0, -0.0, start});
    scalars.push_back({"edge/values", 1, 1e-40, start});  // float32 subnormal
    scalars.push_back({"edge/values", 2, 3.4028234663852886e38, start});
    scalars.push_back({"Genauigkeit/Prüfung", 7, 0.875, start});
    scalars.push_back({"精度/验证", 7, 0.625, start});
    scalars.push_back({"loss/🚀 train", 7, 0.5, start});
    return scalars;
}

TEST_F(TensorBoardWriterTest, ScalarsReadBackExactlyByAnIndependentReader) {
    const std::vector<Scalar> scalars = sampleScalars();
    fs::path file;
    {
        auto writer = TensorBoardWriter::create(m_folder.path());
        ASSERT_TRUE(writer.ok()) << writer.error().message;
        file = writer.value().path();
        for (const Scalar& scalar : scalars) {
            const auto added =
                writer.value().addScalar(scalar.tag, scalar.step, scalar.value, scalar.wallTime);
            ASSERT_TRUE(added.ok()) << added.error().message;
        }
        // No flush(): the destructor writes what is pending.
    }
    const json events = readEvents(file);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.at("file_version"), "brain.Event:2");
    EXPECT_EQ(events.at("records").get<std::size_t>(), scalars.size() + 1);
    EXPECT_FALSE(events.at("truncated_tail").get<bool>());
    expectScalars(events, scalars);
}

TEST_F(TensorBoardWriterTest, WallTimeDefaultsToNow) {
    auto writer = TensorBoardWriter::create(m_folder.path());
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    const auto seconds = [] {
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    const double before = seconds();
    ASSERT_TRUE(writer.value().addScalar("lr", 0, 0.01).ok());
    const double after = seconds();
    ASSERT_TRUE(writer.value().flush().ok());

    const json events = readEvents(writer.value().path());
    ASSERT_EQ(events.at("scalars").size(), 1u);
    const double wallTime = parseHex(events.at("scalars")[0][3]);
    EXPECT_GE(wallTime, before);
    EXPECT_LE(wallTime, after);
}

TEST_F(TensorBoardWriterTest, TextIsATensorForTheTextPlugin) {
    const std::string note = "**ResNet-18**, lr = 1e-3, Größe 224 — 猫\nsecond line";
    fs::path file;
    {
        auto writer = TensorBoardWriter::create(m_folder.path());
        ASSERT_TRUE(writer.ok()) << writer.error().message;
        file = writer.value().path();
        ASSERT_TRUE(writer.value().addText("run/config", 0, note, 1.7e9).ok());
        ASSERT_TRUE(writer.value().addScalar("loss/train", 0, 1.0, 1.7e9).ok());
        ASSERT_TRUE(writer.value().addText("run/notes", -3, "", 1.7e9 + 1).ok());
    }
    const json events = readEvents(file);
    ASSERT_EQ(events.at("texts").size(), 2u);
    EXPECT_EQ(events.at("texts")[0][0], "run/config");
    EXPECT_EQ(events.at("texts")[0][1], 0);
    EXPECT_EQ(events.at("texts")[0][2], note);
    EXPECT_EQ(parseHex(events.at("texts")[0][3]), 1.7e9);
    EXPECT_EQ(events.at("texts")[1][0], "run/notes");
    EXPECT_EQ(events.at("texts")[1][1], -3);
    EXPECT_EQ(events.at("texts")[1][2], "");
    expectScalars(events, {{"loss/train", 0, 1.0, 1.7e9}});
}

TEST_F(TensorBoardWriterTest, FileIsNamedForTensorBoardAndNeverReused) {
    auto first = TensorBoardWriter::create(m_folder / "runs" / "resnet18-a");
    ASSERT_TRUE(first.ok()) << first.error().message;
    auto second = TensorBoardWriter::create(m_folder / "runs" / "resnet18-a");
    ASSERT_TRUE(second.ok()) << second.error().message;

    const fs::path& path = first.value().path();
    EXPECT_EQ(path.parent_path(), m_folder / "runs" / "resnet18-a");
    const std::string name = path.filename().string();
    EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u) << name;
    EXPECT_NE(name.find("." + std::to_string(getpid()) + "."), std::string::npos) << name;
    EXPECT_NE(first.value().path(), second.value().path());
    // The file-version record is on disk from the start: TensorBoard sees an empty run.
    EXPECT_TRUE(readEvents(path).at("scalars").empty());
}

TEST_F(TensorBoardWriterTest, FlushHandsBufferedRecordsToTheOs) {
    auto writer = TensorBoardWriter::create(m_folder.path());
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    const fs::path file = writer.value().path();
    const auto headerSize = fs::file_size(file);
    ASSERT_TRUE(writer.value().addScalar("loss/train", 0, 0.5, 1.0).ok());
    ASSERT_TRUE(writer.value().addScalar("loss/train", 1, 0.25, 2.0).ok());
    EXPECT_EQ(fs::file_size(file), headerSize) << "written before flush()";

    ASSERT_TRUE(writer.value().flush().ok());
    expectScalars(readEvents(file), {{"loss/train", 0, 0.5, 1.0}, {"loss/train", 1, 0.25, 2.0}});
}

TEST_F(TensorBoardWriterTest, LongRunsAreWrittenOutWithoutFlush) {
    auto writer = TensorBoardWriter::create(m_folder.path());
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    const auto headerSize = fs::file_size(writer.value().path());
    for (int step = 0; step < 5000; ++step) {
        ASSERT_TRUE(writer.value().addScalar("loss/train", step, 1.0 / (step + 1), 1.0).ok());
    }
    EXPECT_GT(fs::file_size(writer.value().path()), headerSize + 32 * 1024);
}

TEST_F(TensorBoardWriterTest, MoveAssignmentFlushesTheFileItReplaces) {
    auto first = TensorBoardWriter::create(m_folder / "first");
    auto second = TensorBoardWriter::create(m_folder / "second");
    ASSERT_TRUE(first.ok() && second.ok());
    const fs::path firstFile = first.value().path();
    TensorBoardWriter writer = std::move(first).value();
    ASSERT_TRUE(writer.addScalar("lr", 5, 0.1, 3.0).ok());
    writer = std::move(second).value();
    EXPECT_EQ(writer.path().parent_path(), m_folder / "second");
    expectScalars(readEvents(firstFile), {{"lr", 5, 0.1, 3.0}});
}

TEST_F(TensorBoardWriterTest, RejectsTagsProtobufCannotCarry) {
    auto writer = TensorBoardWriter::create(m_folder.path());
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    const std::string file = writer.value().path().string();
    for (const std::string& tag : {std::string(), std::string("loss\xff"), std::string("\xc0\xaf"),
                                   std::string("\xed\xa0\x80")}) {
        const auto added = writer.value().addScalar(tag, 0, 1.0);
        ASSERT_FALSE(added.ok()) << "accepted tag of " << tag.size() << " bytes";
        EXPECT_EQ(added.error().message.rfind(file + ": ", 0), 0u) << added.error().message;
    }
    // The refused tags left nothing behind: the file still reads.
    ASSERT_TRUE(writer.value().addScalar("loss/train", 1, 2.0, 4.0).ok());
    ASSERT_TRUE(writer.value().flush().ok());
    expectScalars(readEvents(file), {{"loss/train", 1, 2.0, 4.0}});
}

// --- The reader's checks can fail: otherwise a passing test would prove nothing ---

class CorruptedFileTest : public TensorBoardWriterTest {
  protected:
    void SetUp() override {
        auto writer = TensorBoardWriter::create(m_folder.path());
        ASSERT_TRUE(writer.ok()) << writer.error().message;
        m_file = writer.value().path();
        ASSERT_TRUE(writer.value().addScalar("loss/train", 0, 1.0, 10.0).ok());
        ASSERT_TRUE(writer.value().addScalar("loss/train", 1, 0.5, 11.0).ok());
        ASSERT_TRUE(writer.value().flush().ok());
        m_bytes = fileBytes(m_file);
    }

    // Offset of record `index`, walking the lengths as written.
    std::size_t recordOffset(int index) const {
        std::size_t offset = 0;
        for (int record = 0; record < index; ++record) {
            std::uint64_t length = 0;
            for (int byte = 7; byte >= 0; --byte) {
                length = (length << 8) | static_cast<unsigned char>(m_bytes[offset + byte]);
            }
            offset += 8 + 4 + length + 4;
        }
        return offset;
    }

    fs::path m_file;
    std::string m_bytes;
};

TEST_F(CorruptedFileTest, AFlippedDataByteIsACrcMismatch) {
    std::string bytes = m_bytes;
    bytes[recordOffset(2) + 12 + 3] ^= 0x10;  // inside the last event's wall_time
    writeBytes(m_file, bytes);
    const auto result = runReader(m_file, false, true);
    EXPECT_EQ(result.exitCode, 1) << result.output;
    EXPECT_NE(result.output.find("record 2 at offset " + std::to_string(recordOffset(2)) +
                                 ": data CRC mismatch"),
              std::string::npos)
        << result.output;
}

TEST_F(CorruptedFileTest, AFlippedLengthByteIsACrcMismatch) {
    std::string bytes = m_bytes;
    bytes[recordOffset(1)] ^= 0x01;
    writeBytes(m_file, bytes);
    const auto result = runReader(m_file, false, true);
    EXPECT_EQ(result.exitCode, 1) << result.output;
    EXPECT_NE(result.output.find("record 1 at offset " + std::to_string(recordOffset(1)) +
                                 ": length CRC mismatch"),
              std::string::npos)
        << result.output;
}

// A process killed mid-write leaves a cut last record; everything before it still reads.
TEST_F(CorruptedFileTest, ATruncatedLastRecordLosesOnlyThatRecord) {
    writeBytes(m_file, m_bytes.substr(0, m_bytes.size() - 3));
    const auto strict = runReader(m_file, false, true);
    EXPECT_EQ(strict.exitCode, 1);
    EXPECT_NE(strict.output.find("truncated"), std::string::npos) << strict.output;

    const json events = readEvents(m_file, true);
    EXPECT_TRUE(events.at("truncated_tail").get<bool>());
    expectScalars(events, {{"loss/train", 0, 1.0, 10.0}});
}

// --- Folders that cannot hold a run ---

TEST_F(TensorBoardWriterTest, AFolderBelowAFileIsAnErrorNamingIt) {
    writeBytes(m_folder / "not_a_folder", "x");
    const fs::path folder = m_folder / "not_a_folder" / "run";
    const auto writer = TensorBoardWriter::create(folder);
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.error().message.rfind(folder.string() + ": ", 0), 0u)
        << writer.error().message;
}

TEST_F(TensorBoardWriterTest, AReadOnlyFolderIsAnErrorNamingIt) {
    const fs::path folder = m_folder / "read_only";
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    if (access(folder.c_str(), W_OK) == 0) {
        GTEST_SKIP() << "running as root: permissions do not stop writes";
    }
    const auto writer = TensorBoardWriter::create(folder);
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.error().message.rfind(folder.string() + ": ", 0), 0u)
        << writer.error().message;
    EXPECT_NE(writer.error().message.find(std::strerror(EACCES)), std::string::npos)
        << writer.error().message;
    EXPECT_TRUE(fs::is_empty(folder));
}

}  // namespace
}  // namespace fovea::core
