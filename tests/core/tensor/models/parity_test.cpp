// Numerical parity with torchvision: weights written by Debian's python3-torchvision with
// torch.save(model.state_dict()) load into our networks, and logits agree within 1e-4.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include <torch/torch.h>

#include "background_process.h"
#include "fovea/core/download/downloader.h"
#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/models/zoo.h"
#include "python_fixtures.h"
#include "run_process.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

struct Case {
    std::string architecture;
    int imageSize;
    bool trainMode;  // also compare one train-mode forward and the updated BatchNorm statistics
};

const std::vector<Case> kCases{
    {"resnet18", 64, true},
    {"resnet34", 64, false},
    {"resnet50", 64, false},
    {"vgg11_bn", 32, false},
    {"vgg16", 32, false},
    {"vgg16_bn", 32, false},
    {"mobilenet_v2", 64, true},
    {"mobilenet_v3_large", 64, false},
    {"mobilenet_v3_small", 64, false},
    {"efficientnet_b0", 64, false},
    {"inception_v3", 75, false},
};

class Parity : public testing::TestWithParam<Case> {
  public:
    static void SetUpTestSuite() {
        s_fixtures = std::make_unique<test::PythonFixtures>("fovea-parity");
        std::vector<std::string> args;
        for (const auto& each : kCases) {
            args.push_back(each.architecture + ":" + std::to_string(each.imageSize) +
                           (each.trainMode ? ":train" : ""));
        }
        const auto python =
            s_fixtures->generate("tests/core/tensor/models/make_parity_fixtures.py", args);
        ASSERT_EQ(python.exitCode, 0) << python.output;
    }
    static void TearDownTestSuite() { s_fixtures.reset(); }

  protected:
    static StateDict read(const std::string& name) { return s_fixtures->read(name); }

    static std::unique_ptr<test::PythonFixtures> s_fixtures;
};
std::unique_ptr<test::PythonFixtures> Parity::s_fixtures;

TEST_P(Parity, LogitsMatchTorchvision) {
    const Case& each = GetParam();
    auto created = createNetwork(each.architecture, 1000);
    ASSERT_TRUE(created) << created.error().message;
    NetworkPtr network = created.value();
    const StateDict weights = read(each.architecture + ".pth");
    auto loaded = loadStateDict(*network, weights, each.architecture + ".pth");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(loaded.value().skippedHeadKeys.empty());
    EXPECT_EQ(loaded.value().loadedTensors, static_cast<int64_t>(weights.size()));

    const StateDict io = read(each.architecture + ".io.pth");
    const torch::Tensor input = *io.find("input");
    {
        torch::NoGradGuard noGrad;
        network->eval();
        const auto logits = network->forward(input);
        const double difference = (logits - *io.find("logits")).abs().max().item<double>();
        EXPECT_LE(difference, 1e-4) << each.architecture << " eval logits differ by " << difference;
    }
    if (!each.trainMode) return;

    network->train();
    torch::manual_seed(123);  // the same dropout masks as Python's
    const auto logits = network->forward(input).detach();
    const double difference = (logits - *io.find("train_logits")).abs().max().item<double>();
    EXPECT_LE(difference, 1e-4) << each.architecture << " train logits differ by " << difference;
    // BatchNorm running statistics after one train-mode step match too.
    const StateDict after = read(each.architecture + ".after_train.pth");
    for (const auto& item : network->named_buffers()) {
        const double bufferDifference =
            (item.value().to(torch::kDouble) - after.find(item.key())->to(torch::kDouble))
                .abs()
                .max()
                .item<double>();
        EXPECT_LE(bufferDifference, 1e-5) << item.key();
    }
}

// The whole path a user with internet takes: fetch a torchvision file by URL (here from a real
// HTTP server on 127.0.0.1), verify its SHA-256, read it, load it, and get torchvision's logits.
TEST_F(Parity, DownloadedWeightsLoadAndMatch) {
    test::BackgroundProcess server(
        "/usr/bin/python3", {test::foveaSourceDir() + "/tests/support/range_http_server.py",
                             s_fixtures->path().string(), (*s_fixtures / "requests.log").string()});
    const std::string url = "http://127.0.0.1:" + server.firstLine().substr(5) + "/resnet18.pth";
    const auto sum =
        test::runProcess("/usr/bin/sha256sum", {(*s_fixtures / "resnet18.pth").string()});
    setenv("FOVEA_CACHE_DIR", (*s_fixtures / "cache").c_str(), 1);
    int64_t lastReported = 0;
    auto fetched = fetchToCache(url, sum.output.substr(0, 64),
                                [&](const DownloadProgress& p) { lastReported = p.receivedBytes; });
    unsetenv("FOVEA_CACHE_DIR");
    ASSERT_TRUE(fetched) << fetched.error().message;
    EXPECT_EQ(lastReported, static_cast<int64_t>(fs::file_size(*s_fixtures / "resnet18.pth")));

    auto network = createNetwork("resnet18").value();
    auto loaded = loadStateDict(*network, read("cache/weights/resnet18.pth"), url);
    ASSERT_TRUE(loaded) << loaded.error().message;
    torch::NoGradGuard noGrad;
    network->eval();
    const StateDict io = read("resnet18.io.pth");
    EXPECT_LE((network->forward(*io.find("input")) - *io.find("logits")).abs().max().item<double>(),
              1e-4);
}

INSTANTIATE_TEST_SUITE_P(Torchvision, Parity, testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.architecture; });

}  // namespace
}  // namespace fovea::core
