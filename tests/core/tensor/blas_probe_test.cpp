#include "fovea/core/blas_probe.h"

#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <torch/torch.h>

namespace fovea::core {
namespace {

// packaging/setup.sh installs the OpenMP flavour of OpenBLAS because Debian's reference BLAS
// makes LibTorch 20-35x slower; this fails when a machine is left with the slow one.
TEST(BlasProbe, FindsOpenBlasWithOpenMpThreading) {
    // This checks the machine's setup, not our code: LibTorch builds with MKL never use it.
    if (at::hasMKL()) GTEST_SKIP() << "this LibTorch computes with Intel MKL, not the system BLAS";
    // A matmul makes sure LibTorch has really gone through its BLAS before we look.
    const auto product = torch::ones({64, 64}).matmul(torch::ones({64, 64}));
    ASSERT_FLOAT_EQ(product[0][0].item<float>(), 64.0f);

    const BlasInfo blas = probeBlas();
    EXPECT_NE(blas.name.find("OpenBLAS"), std::string::npos) << blas.name;
    EXPECT_NE(blas.name.find("openmp"), std::string::npos) << blas.name;
    EXPECT_NE(blas.library.find("openblas"), std::string::npos) << blas.library;
    EXPECT_FALSE(blas.slow);
}

}  // namespace
}  // namespace fovea::core
