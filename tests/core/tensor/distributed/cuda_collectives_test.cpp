// Collectives of CUDA tensors: over NCCL on their GPU where the build has it (the GPU check's
// CUDA LibTorch does), summed right, synchronously and asynchronously, and synchronised
// BatchNorm on the GPU through them. One rank: NCCL refuses two ranks on one GPU, and a GPU
// machine here has one. Skips without a CUDA device.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>

#include "cuda_test.h"
#include "fovea/core/distributed/launch_environment.h"
#include "fovea/core/distributed/process_group.h"
#include "fovea/core/models/batch_norm_sync.h"
#include "fovea/core/models/network.h"
#include "free_port.h"
#include "tiny_problem.h"

namespace fovea::core {
namespace {

std::unique_ptr<ProcessGroup> joinAlone() {
    LaunchEnvironment launch;
    launch.masterAddress = "127.0.0.1";
    launch.masterPort = fovea::test::freeLoopbackPort();
    auto group = ProcessGroup::join(launch, std::chrono::seconds(30));
    if (!group) throw std::runtime_error(group.error().message);
    return std::move(group).value();
}

TEST(CudaCollectives, CudaTensorsAreSummedOnTheirGpu) {
    FOVEA_SKIP_WITHOUT_CUDA();
    if (!distributedTrainingAvailable()) GTEST_SKIP() << "no c10d in this build";
    const auto group = joinAlone();
    const torch::Device gpu(torch::kCUDA, 0);
    std::cout << "CUDA tensors' collectives: " << group->backendFor(gpu) << "\n";
    // The GPU check's LibTorch (PyTorch's CUDA wheel) has NCCL: there it must be used.
    if (std::getenv("FOVEA_REQUIRE_CUDA")) EXPECT_EQ(group->backendFor(gpu), "NCCL");
    EXPECT_EQ(group->backendFor(torch::Device(torch::kCPU)), "Gloo");

    const torch::Tensor expected = torch::arange(10, torch::kFloat);
    std::vector<torch::Tensor> tensors{expected.to(gpu)};
    group->allreduceSum(tensors);
    EXPECT_TRUE(tensors[0].is_cuda());
    EXPECT_TRUE(torch::equal(tensors[0].cpu(), expected));
    torch::Tensor flat = (expected * 2).to(gpu);
    const auto wait = group->allreduceSumAsync(flat);
    wait();
    EXPECT_TRUE(torch::equal(flat.cpu(), expected * 2));
}

TEST(CudaCollectives, SynchronisedBatchNormOnTheGpuTrainsAsBatchNorm) {
    FOVEA_SKIP_WITHOUT_CUDA();
    if (!distributedTrainingAvailable()) GTEST_SKIP() << "no c10d in this build";
    const auto group = joinAlone();
    const torch::Device gpu(torch::kCUDA, 0);
    const auto step = [&](bool synchronised) {
        torch::manual_seed(4);
        NetworkPtr network = fovea::test::makeTinyNetwork("resnet18");
        network->to(gpu);
        if (synchronised) {
            EXPECT_GT(synchroniseBatchNorm(*network,
                                           [&](torch::Tensor& t) {
                                               std::vector<torch::Tensor> one{t};
                                               group->allreduceSum(one);
                                           }),
                      0u);
        }
        network->train(true);
        torch::manual_seed(5);
        const torch::Tensor images = torch::randn({6, 3, 32, 32}).to(gpu);
        const torch::Tensor logits = network->forward(images);
        logits.square().mean().backward();
        std::vector<torch::Tensor> out{logits.detach().cpu()};
        for (const auto& p : network->parameters()) out.push_back(p.grad().cpu());
        for (const auto& b : network->buffers()) out.push_back(b.detach().cpu());
        return out;
    };
    const auto alone = step(false);
    const auto synced = step(true);
    ASSERT_EQ(alone.size(), synced.size());
    double largest = 0;
    for (std::size_t i = 0; i < alone.size(); ++i) {
        largest = std::max(largest, (alone[i].to(torch::kDouble) - synced[i].to(torch::kDouble))
                                        .abs()
                                        .max()
                                        .item<double>());
    }
    std::cout << "synchronised BatchNorm on the GPU against BatchNorm: " << largest << "\n";
    EXPECT_LT(largest, 1e-3);
}

}  // namespace
}  // namespace fovea::core
