#include "fovea/core/weights/pth_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "weights_test_support.h"

namespace fovea::core {
namespace {

using test::expectMatchesPython;
using test::fixture;

// Every error names the file first, so a message shown alone still says which file is bad.
void expectErrorNaming(const Result<StateDict>& result, const std::filesystem::path& file,
                       const std::string& problem) {
    ASSERT_FALSE(result.ok()) << file << " was read, expected an error containing: " << problem;
    const std::string& message = result.error().message;
    EXPECT_EQ(message.rfind(file.string() + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << problem;
}

// --- Files torch.save wrote, compared bit for bit with what Python saved ---

struct SavedFile {
    const char* file;
    const char* expectedSet;
};

class ReadPthSavedFile : public ::testing::TestWithParam<SavedFile> {};

TEST_P(ReadPthSavedFile, MatchesWhatPythonSaved) {
    const auto result = readPth(fixture(GetParam().file));
    ASSERT_TRUE(result.ok()) << result.error().message;
    expectMatchesPython(result.value(), GetParam().expectedSet);
}

INSTANTIATE_TEST_SUITE_P(
    TorchSave, ReadPthSavedFile,
    ::testing::Values(
        // torchvision resnet18().state_dict(): an OrderedDict with _metadata, 122 tensors.
        SavedFile{"resnet18_zip.pth", "resnet18"}, SavedFile{"resnet18_legacy.pth", "resnet18"},
        // Every dtype, a 0-dim and an empty tensor; pickle protocols 2 and 4 (FRAME, MEMOIZE).
        SavedFile{"dtypes_zip.pth", "dtypes"}, SavedFile{"dtypes_legacy.pth", "dtypes"},
        SavedFile{"dtypes_p4_zip.pth", "dtypes"}, SavedFile{"dtypes_p4_legacy.pth", "dtypes"},
        // Five views of one storage: offsets, transposes, steps, a 0-dim element.
        SavedFile{"views_zip.pth", "views"}, SavedFile{"views_legacy.pth", "views"},
        // A zero-stride expand(): 4000 elements over a storage of 4.
        SavedFile{"expanded_zip.pth", "expanded"},
        // nn.Parameter saved alone (one entry named "") and in a dict.
        SavedFile{"parameter_zip.pth", "parameter"}, SavedFile{"parameter_legacy.pth", "parameter"},
        SavedFile{"params_dict_zip.pth", "params_dict"},
        // A plain dict, and checkpoints whose state dict sits under "state_dict" or "model"
        // next to an epoch, floats, a list, a 2**70 integer and an optimizer state.
        SavedFile{"plain_dict_zip.pth", "small"}, SavedFile{"checkpoint_zip.pth", "small"},
        SavedFile{"checkpoint_legacy.pth", "small"}, SavedFile{"checkpoint_model_zip.pth", "small"},
        // Hand-made by the fixture script and checked there with torch.load.
        SavedFile{"crafted_valid_zip.pth", "crafted_valid"},
        // Legacy files of older torch: a storage view (view_metadata) and a storage tagged
        // torch.cuda.FloatStorage, loaded to the CPU.
        SavedFile{"legacy_view_crafted.pth", "legacy_view"},
        SavedFile{"legacy_cuda_crafted.pth", "legacy_cuda"}),
    [](const auto& info) {
        std::string name = info.param.file;
        for (char& c : name) {
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        }
        return name;
    });

TEST(ReadPth, Resnet18HasTorchvisionNamesInModuleOrder) {
    const auto result = readPth(fixture("resnet18_zip.pth"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const StateDict& stateDict = result.value();
    ASSERT_EQ(stateDict.size(), 122u);  // 62 parameters, 60 BatchNorm buffers
    EXPECT_EQ(stateDict.keys().front(), "conv1.weight");
    EXPECT_EQ(stateDict.keys().back(), "fc.bias");
    EXPECT_EQ(stateDict["layer1.0.conv1.weight"].sizes(), torch::IntArrayRef({64, 64, 3, 3}));
    EXPECT_EQ(stateDict["bn1.num_batches_tracked"].scalar_type(), torch::kLong);
    EXPECT_EQ(stateDict["bn1.num_batches_tracked"].item<std::int64_t>(), 7);
}

// Views come back as independent contiguous copies: writing one must not change another
// that shared its storage in the file.
TEST(ReadPth, ViewsOfOneStorageBecomeIndependentTensors) {
    auto result = readPth(fixture("views_zip.pth"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    StateDict& views = result.value();
    for (const auto& item : views) EXPECT_TRUE(item.value().is_contiguous()) << item.key();
    const torch::Tensor base = torch::arange(24, torch::kFloat).reshape({4, 6});
    EXPECT_TRUE(torch::equal(views["c"], base.t()));
    views["a"].fill_(-1);
    EXPECT_TRUE(torch::equal(views["c"], base.t()));
    EXPECT_EQ(views["e"].item<float>(), 15.0f);
}

TEST(ReadPth, BoolBytesOtherThanZeroOrOneReadAsTrue) {
    const auto result = readPth(fixture("bool_bytes_zip.pth"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const torch::Tensor flags = result.value()["b"];
    ASSERT_EQ(flags.scalar_type(), torch::kBool);
    EXPECT_TRUE(
        torch::equal(flags.view(torch::kUInt8), torch::tensor({0, 1, 1, 1}, torch::kUInt8)));
}

// --- Hostile pickles: each runs a command or eval() under Python's pickle (the fixture
// script proves that with a control copy). Fovea must refuse the global by name and never
// create the marker file. ---

struct EvilFile {
    const char* file;
    const char* global;
};

class ReadPthRefuses : public ::testing::TestWithParam<EvilFile> {};

TEST_P(ReadPthRefuses, NamesTheGlobalAndRunsNothing) {
    const auto file = fixture(GetParam().file);
    const auto result = readPth(file);
    expectErrorNaming(result, file,
                      std::string("refused pickle global '") + GetParam().global +
                          "': Fovea loads only tensors and state dicts");
    EXPECT_FALSE(std::filesystem::exists(fixture("pwned"))) << "the payload ran";
}

INSTANTIATE_TEST_SUITE_P(
    Malicious, ReadPthRefuses,
    ::testing::Values(EvilFile{"evil_posix_system_zip.pth", "posix.system"},
                      EvilFile{"evil_builtins_eval_zip.pth", "builtins.eval"},
                      EvilFile{"evil_posix_system_legacy.pth", "posix.system"},
                      EvilFile{"evil_inside_state_dict_zip.pth", "posix.system"},
                      EvilFile{"evil_stack_global_zip.pth", "posix.system"},
                      EvilFile{"evil_os_system_zip.pth", "os.system"},
                      EvilFile{"evil_py2_eval_zip.pth", "__builtin__.eval"},
                      EvilFile{"evil_plain_pickle.pth", "posix.system"},
                      // torch.save(model): the class is refused like any other global.
                      EvilFile{"whole_module_zip.pth", "torch.nn.modules.container.Sequential"}),
    [](const auto& info) {
        std::string name = info.param.file;
        for (char& c : name) {
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        }
        return name;
    });

// --- Corrupt files: each is an error naming the file and the problem, never a crash ---

struct CorruptFile {
    const char* file;
    const char* problem;
};

class ReadPthRejects : public ::testing::TestWithParam<CorruptFile> {};

TEST_P(ReadPthRejects, WithAClearError) {
    const auto file = fixture(GetParam().file);
    expectErrorNaming(readPth(file), file, GetParam().problem);
}

INSTANTIATE_TEST_SUITE_P(
    Corrupt, ReadPthRejects,
    ::testing::Values(
        CorruptFile{"storage_larger_than_record_zip.pth",
                    "holds 64 bytes but 1000 elements of Float need 4000"},
        CorruptFile{"offset_outside_storage_zip.pth",
                    "tensor reaches element 17 of a storage of 16 elements"},
        CorruptFile{"stride_outside_storage_zip.pth",
                    "tensor reaches element 18 of a storage of 16 elements"},
        CorruptFile{"missing_record_zip.pth", "storage record 'data/7' is missing"},
        CorruptFile{"memo_missing_zip.pth", "memo entry 99 read before it was stored"},
        CorruptFile{"stack_underflow_zip.pth", "stack underflow"},
        CorruptFile{"mark_underflow_zip.pth", "stack underflow"},
        CorruptFile{"huge_string_zip.pth", "declares 4294967280 bytes but only"},
        CorruptFile{"no_stop_zip.pth", "unexpected end of data"},
        CorruptFile{"unknown_opcode_zip.pth", "unsupported pickle opcode 0xff"},
        CorruptFile{"storage_called_zip.pth", "not callable"},
        CorruptFile{"newer_protocol_zip.pth", "pickle protocol 6"},
        CorruptFile{"huge_record_zip.pth", "declares 4294967280 bytes, more than the file holds"},
        CorruptFile{"legacy_count_mismatch.pth", "holds 25 elements but the pickle declared 24"},
        CorruptFile{"legacy_huge_count.pth",
                    "holds 4611686018427387904 elements but the pickle declared 24"},
        CorruptFile{"legacy_truncated_data.pth", "(truncated file?)"},
        CorruptFile{"legacy_view_outside.pth", "storage view outside its storage"},
        CorruptFile{"legacy_truncated_pickle.pth", "unexpected end of data (truncated file?)"},
        CorruptFile{"not_a_state_dict_zip.pth",
                    "neither a state dict (entry 'epoch' is an int, not a tensor)"},
        CorruptFile{"list_zip.pth", "holds a list, not a state dict"}),
    [](const auto& info) {
        std::string name = info.param.file;
        for (char& c : name) {
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        }
        return name;
    });

TEST(ReadPth, TruncatedRealFilesAreErrors) {
    const auto dir = test::scratchDir("truncated");
    for (const char* name : {"resnet18_zip.pth", "resnet18_legacy.pth"}) {
        const std::string bytes = test::readBytes(fixture(name));
        const auto file = dir / name;
        test::writeBytes(file, bytes.substr(0, bytes.size() / 2));
        const auto result = readPth(file);
        ASSERT_FALSE(result.ok()) << name;
        EXPECT_EQ(result.error().message.rfind(file.string() + ": ", 0), 0u)
            << result.error().message;
    }
}

// Cutting a small real file at every length must give an error each time: no crash, no
// read past the data, no allocation from a half-read length. The file is shortened in place
// (one truncate per length) to keep this fast.
TEST(ReadPth, EveryPrefixOfASmallFileIsAnError) {
    const auto dir = test::scratchDir("prefixes");
    for (const char* name : {"dtypes_legacy.pth", "dtypes_zip.pth"}) {
        const auto file = dir / name;
        std::filesystem::copy_file(fixture(name), file);
        for (auto length = std::filesystem::file_size(file); length-- > 0;) {
            std::filesystem::resize_file(file, length);
            const auto result = readPth(file);
            ASSERT_FALSE(result.ok()) << name << " cut at " << length;
            ASSERT_EQ(result.error().message.rfind(file.string() + ": ", 0), 0u)
                << result.error().message;
        }
    }
}

// Flipping any one byte of a legacy file (pickles and data) must not crash; most flips are
// errors, a flipped data byte reads as other values.
TEST(ReadPth, AnySingleCorruptByteIsHandled) {
    const auto file = test::scratchDir("flips") / "flipped.pth";
    std::filesystem::copy_file(fixture("dtypes_legacy.pth"), file);
    const std::string bytes = test::readBytes(file);
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    const auto put = [&](std::size_t position, char value) {
        stream.seekp(static_cast<std::streamoff>(position));
        stream.put(value);
        stream.flush();
    };
    int errors = 0;
    for (std::size_t position = 0; position < bytes.size(); ++position) {
        put(position, static_cast<char>(bytes[position] ^ 0xff));
        if (!readPth(file).ok()) ++errors;
        put(position, bytes[position]);
    }
    ASSERT_TRUE(stream.good());
    EXPECT_GT(errors, 0);
    EXPECT_TRUE(readPth(file).ok()) << "the file was not restored";
}

TEST(ReadPth, EmptyFileIsAnError) {
    const auto file = test::scratchDir("empty") / "empty.pth";
    test::writeBytes(file, "");
    expectErrorNaming(readPth(file), file, "empty file, not a PyTorch .pth file");
}

TEST(ReadPth, TextFileIsAnError) {
    const auto file = test::scratchDir("text") / "notes.pth";
    test::writeBytes(file, "These are not weights.\nJust text.\n");
    expectErrorNaming(readPth(file), file,
                      "not a PyTorch .pth file (neither a zip archive nor a pickle)");
}

TEST(ReadPth, RandomBytesAreAnError) {
    const auto dir = test::scratchDir("random");
    std::mt19937 generator(1234);
    std::uniform_int_distribution<int> byte(0, 255);
    // Plain noise, and noise behind each signature so that both parsers see it.
    for (const std::string& head :
         {std::string(), std::string("\x80\x02"), std::string("PK\x03\x04", 4)}) {
        std::string bytes = head;
        for (int i = 0; i < 4096; ++i) bytes += static_cast<char>(byte(generator));
        const auto file = dir / "noise.pth";
        test::writeBytes(file, bytes);
        const auto result = readPth(file);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().message.rfind(file.string() + ": ", 0), 0u)
            << result.error().message;
    }
}

TEST(ReadPth, MissingFileAndFolderAreErrors) {
    const auto dir = test::scratchDir("missing");
    expectErrorNaming(readPth(dir / "absent.pth"), dir / "absent.pth", "cannot open");
    expectErrorNaming(readPth(dir), dir, "is a folder");
}

}  // namespace
}  // namespace fovea::core
