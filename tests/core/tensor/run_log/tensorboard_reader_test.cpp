#include "fovea/core/training/tensorboard_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fovea/core/training/tensorboard_writer.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

std::vector<std::int64_t> stepsOf(const std::vector<ScalarPoint>& curve) {
    std::vector<std::int64_t> steps;
    for (const ScalarPoint& point : curve) steps.push_back(point.step);
    return steps;
}

// A file written by TensorBoardWriter: "batch/loss" at steps first..last with value step / 8,
// then a text note that the reader must skip.
fs::path writeLossCurve(const fs::path& folder, std::int64_t first, std::int64_t last) {
    auto writer = TensorBoardWriter::create(folder);
    EXPECT_TRUE(writer.ok());
    for (std::int64_t step = first; step <= last; ++step) {
        EXPECT_TRUE(writer.value().addScalar("batch/loss", step, step / 8.0).ok());
    }
    EXPECT_TRUE(writer.value().addText("settings", 0, "lr 0.01").ok());
    EXPECT_TRUE(writer.value().flush().ok());
    return writer.value().path();
}

void truncate(const fs::path& file, std::uintmax_t bytesLess) {
    fs::resize_file(file, fs::file_size(file) - bytesLess);
}

class TensorBoardReaderTest : public ::testing::Test {
  protected:
    test::TempFolder m_folder{"fovea-tensorboard-reader"};
};

TEST_F(TensorBoardReaderTest, ReadsBackWhatTheWriterWroteExactlyInStepOrder) {
    auto writer = TensorBoardWriter::create(m_folder.path());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer.value().addScalar("batch/loss", 2, 0.75).ok());
    ASSERT_TRUE(writer.value().addScalar("batch/learning_rate", 2, 1e-3).ok());
    ASSERT_TRUE(writer.value().addScalar("batch/loss", 1, 2.5).ok());
    ASSERT_TRUE(writer.value().addScalar("batch/loss", -3, 1.0 / 3).ok());
    ASSERT_TRUE(writer.value().flush().ok());

    const ScalarCurves curves = readTensorBoardScalars(m_folder.path());
    ASSERT_EQ(curves.size(), 2u);
    const auto& loss = curves.at("batch/loss");
    EXPECT_EQ(stepsOf(loss), (std::vector<std::int64_t>{-3, 1, 2}));
    EXPECT_EQ(loss[0].value, static_cast<double>(1.0f / 3));  // stored as float32
    EXPECT_EQ(loss[1].value, 2.5);
    EXPECT_EQ(loss[2].value, 0.75);
    EXPECT_EQ(curves.at("batch/learning_rate")[0].value, static_cast<double>(1e-3f));
}

TEST_F(TensorBoardReaderTest, AResumedRunsLaterFileReplacesTheEarlierFromItsFirstStep) {
    // Crashed after step 10 with its checkpoint at step 5; resumed, it reached step 8. Two
    // writers of one process in the same second differ by a counter, which must be read as a
    // number: file 10 comes after file 9.
    const std::string prefix = "events.out.tfevents.1700000000.host.42.";
    fs::rename(writeLossCurve(m_folder.path() / "first", 1, 10), m_folder.path() / (prefix + "9"));
    fs::rename(writeLossCurve(m_folder.path() / "resumed", 6, 8),
               m_folder.path() / (prefix + "10"));
    const auto loss = readTensorBoardScalars(m_folder.path()).at("batch/loss");
    EXPECT_EQ(stepsOf(loss), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(loss.back().value, 1.0);
}

TEST_F(TensorBoardReaderTest, AnIncompleteOrCorruptRecordEndsItsFile) {
    const fs::path file = writeLossCurve(m_folder.path(), 1, 5);
    // The text note is the last record; cutting into it leaves the five losses.
    truncate(file, 3);
    EXPECT_EQ(stepsOf(readTensorBoardScalars(m_folder.path()).at("batch/loss")),
              (std::vector<std::int64_t>{1, 2, 3, 4, 5}));

    // A flipped byte half way through: that record's CRC fails and the file ends before it.
    std::string bytes;
    {
        std::ifstream in(file, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    bytes[bytes.size() / 2] ^= 0x20;
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    const auto curves = readTensorBoardScalars(m_folder.path());
    const std::size_t kept = curves.count("batch/loss") ? curves.at("batch/loss").size() : 0;
    EXPECT_LT(kept, 5u);
    for (std::size_t index = 0; index < kept; ++index) {
        EXPECT_EQ(curves.at("batch/loss")[index].step, static_cast<std::int64_t>(index + 1));
    }
}

TEST_F(TensorBoardReaderTest, ReadsFilesOfAnIndependentWriterWithSeveralValuesPerEvent) {
    const fs::path file = m_folder.path() / "events.out.tfevents.1700000000.other-host.7.0";
    const auto written = test::runProcess(
        "/usr/bin/python3",
        {test::foveaSourceDir() + "/tests/core/tensor/run_log/write_tfevents.py", file.string(),
         R"([{"step": 1, "scalars": {"batch/loss": 2.0, "batch/learning_rate": 0.5}},
             {"step": 2, "scalars": {"batch/loss": 1.5}, "text": "a note"},
             {"step": 3, "text": "only text"}])"},
        {}, true);
    ASSERT_EQ(written.exitCode, 0) << written.output;
    const ScalarCurves curves = readTensorBoardScalars(m_folder.path());
    ASSERT_EQ(curves.size(), 2u);
    EXPECT_EQ(stepsOf(curves.at("batch/loss")), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(curves.at("batch/loss")[1].value, 1.5);
    EXPECT_EQ(curves.at("batch/learning_rate")[0].value, 0.5);
}

TEST_F(TensorBoardReaderTest, AMissingFolderOrOtherFilesHaveNoCurves) {
    EXPECT_TRUE(readTensorBoardScalars(m_folder.path() / "absent").empty());
    std::ofstream(m_folder.path() / "metrics.csv") << "epoch,train_loss\n1,0.5\n";
    std::ofstream(m_folder.path() / "events.out.tfevents.1.host.1.0") << "not a record";
    EXPECT_TRUE(readTensorBoardScalars(m_folder.path()).empty());
}

}  // namespace
}  // namespace fovea::core
