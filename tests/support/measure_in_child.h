#pragma once

// Measurements that must run in a fresh process (a policy the executable sets before main, an
// environment variable read at start-up): the test program runs one of its own cases again,
// which prints "key=value" when `measureVariable` is set.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "run_process.h"

namespace fovea::test {

// This program again, alone, running `testCase` with `environment` (runProcess's entries) and
// `measureVariable`=1; the number it printed after "`key`=", or NaN (and a failure) if none.
inline double measureInChild(const std::string& testCase, const std::string& measureVariable,
                             const std::string& key, std::vector<std::string> environment) {
    environment.push_back(measureVariable + "=1");
    const auto result = runProcess("/proc/self/exe", {"--gtest_filter=" + testCase}, environment);
    const auto at = result.output.find(key + "=");
    EXPECT_NE(at, std::string::npos) << result.output;
    if (at == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
    return std::stod(result.output.substr(at + key.size() + 1));
}

}  // namespace fovea::test
