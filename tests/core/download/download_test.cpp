// Downloads from a real HTTP server on 127.0.0.1 (tests/support/range_http_server.py).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "background_process.h"
#include "fovea/core/download/downloader.h"
#include "fovea/core/download/sha256.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeAll(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary) << bytes;
}

class Download : public testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(m_root / "served");
        std::mt19937 random(7);
        m_payload.resize(1'500'000);
        for (auto& byte : m_payload) byte = static_cast<char>(random() & 0xff);
        writeAll(m_root / "served" / "weights.pth", m_payload);
        // The expected hash comes from coreutils, not from the code under test.
        const auto sum =
            test::runProcess("/usr/bin/sha256sum", {(m_root / "served" / "weights.pth").string()});
        m_sha256 = sum.output.substr(0, 64);
        m_server = std::make_unique<test::BackgroundProcess>(
            "/usr/bin/python3",
            std::vector<std::string>{test::foveaSourceDir() + "/tests/support/range_http_server.py",
                                     (m_root / "served").string(),
                                     (m_root / "requests.log").string()});
        m_base = "http://127.0.0.1:" + m_server->firstLine().substr(5);
    }
    void TearDown() override { m_server.reset(); }

    std::vector<std::string> requests() const {
        std::vector<std::string> lines;
        std::istringstream in(readAll(m_root / "requests.log"));
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }

    test::TempFolder m_root{"fovea-download"};
    std::string m_payload;
    std::string m_sha256;
    std::string m_base;
    std::unique_ptr<test::BackgroundProcess> m_server;
};

TEST_F(Download, Sha256AgreesWithCoreutils) {
    auto digest = sha256OfFile(m_root / "served" / "weights.pth");
    ASSERT_TRUE(digest) << digest.error().message;
    EXPECT_EQ(digest.value(), m_sha256);
    EXPECT_TRUE(digestMatches(m_sha256, m_sha256.substr(0, 8)));
    EXPECT_TRUE(digestMatches(m_sha256, m_sha256.substr(0, 8).insert(0, "")));
    EXPECT_FALSE(digestMatches(m_sha256, m_sha256.substr(0, 7)));  // too short to trust
    EXPECT_FALSE(digestMatches(m_sha256, "00000000"));
}

TEST_F(Download, FetchesReportsProgressAndVerifies) {
    std::vector<DownloadProgress> seen;
    const fs::path target = m_root / "out" / "weights.pth";
    auto result = downloadFile({m_base + "/weights.pth", target, m_sha256},
                               [&](const DownloadProgress& p) { seen.push_back(p); });
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(readAll(target), m_payload);
    EXPECT_FALSE(fs::exists(target.string() + ".part"));
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().receivedBytes, static_cast<int64_t>(m_payload.size()));
    EXPECT_EQ(seen.back().totalBytes, static_cast<int64_t>(m_payload.size()));
    for (size_t i = 1; i < seen.size(); ++i) {
        EXPECT_GE(seen[i].receivedBytes, seen[i - 1].receivedBytes);
    }
}

TEST_F(Download, ResumesAPartialFileWithARangeRequest) {
    const fs::path target = m_root / "weights.pth";
    writeAll(target.string() + ".part", m_payload.substr(0, 600'000));
    auto result = downloadFile({m_base + "/weights.pth", target, m_sha256});
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(readAll(target), m_payload);
    ASSERT_EQ(requests().size(), 1u);
    EXPECT_EQ(requests()[0], "/weights.pth bytes=600000-");
}

TEST_F(Download, ResumesAfterTheConnectionDrops) {
    const fs::path target = m_root / "weights.pth";
    auto result = downloadFile({m_base + "/weights.pth?cut=500000", target, m_sha256});
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(readAll(target), m_payload);
    const auto lines = requests();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "/weights.pth -");
    EXPECT_EQ(lines[1], "/weights.pth bytes=500000-");
}

TEST_F(Download, StartsOverWhenTheServerIgnoresRange) {
    const fs::path target = m_root / "weights.pth";
    writeAll(target.string() + ".part", std::string(1000, 'x'));
    auto result = downloadFile({m_base + "/weights.pth?norange=1", target, m_sha256});
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(readAll(target), m_payload);
}

TEST_F(Download, WrongHashIsRefusedAndNothingIsKept) {
    const fs::path target = m_root / "weights.pth";
    const std::string wrong(64, 'a');
    auto result = downloadFile({m_base + "/weights.pth", target, wrong});
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("SHA-256 mismatch"), std::string::npos);
    EXPECT_NE(result.error().message.find("/weights.pth"), std::string::npos);
    EXPECT_FALSE(fs::exists(target));
    EXPECT_FALSE(fs::exists(target.string() + ".part"));
}

TEST_F(Download, CancelKeepsThePartAndTheNextCallResumes) {
    const fs::path target = m_root / "weights.pth";
    std::atomic<bool> cancel{false};
    auto cancelled = downloadFile(
        {m_base + "/weights.pth?slow=1", target, m_sha256},
        [&](const DownloadProgress& p) {
            if (p.receivedBytes > 200'000) cancel = true;
        },
        &cancel);
    ASSERT_FALSE(cancelled);
    EXPECT_NE(cancelled.error().message.find("cancelled"), std::string::npos);
    EXPECT_FALSE(fs::exists(target));
    const auto kept = fs::file_size(target.string() + ".part");
    EXPECT_GT(kept, 0u);
    EXPECT_LT(kept, m_payload.size());

    auto resumed = downloadFile({m_base + "/weights.pth", target, m_sha256});
    ASSERT_TRUE(resumed) << resumed.error().message;
    EXPECT_EQ(readAll(target), m_payload);
    EXPECT_EQ(requests().back(), "/weights.pth bytes=" + std::to_string(kept) + "-");
}

TEST_F(Download, MissingFileAndUnreachableServerSayWhat) {
    auto missing = downloadFile({m_base + "/nothing.pth", m_root / "nothing.pth", ""});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("HTTP 404"), std::string::npos)
        << missing.error().message;

    // Port 1 on loopback: nothing listens there, as on a machine without network.
    auto offline = downloadFile({"http://127.0.0.1:1/weights.pth", m_root / "w.pth", ""});
    ASSERT_FALSE(offline);
    EXPECT_NE(offline.error().message.find("cannot reach"), std::string::npos)
        << offline.error().message;
    EXPECT_FALSE(fs::exists(m_root / "w.pth"));
}

TEST_F(Download, CacheServesARepeatAndRefetchesACorruptCopy) {
    setenv("FOVEA_CACHE_DIR", (m_root / "cache").c_str(), 1);
    auto first = fetchToCache(m_base + "/weights.pth", m_sha256);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first.value(), m_root / "cache" / "weights" / "weights.pth");
    auto second = fetchToCache(m_base + "/weights.pth", m_sha256);
    ASSERT_TRUE(second);
    EXPECT_EQ(requests().size(), 1u);  // served from the cache

    writeAll(first.value(), "corrupted");
    auto third = fetchToCache(m_base + "/weights.pth", m_sha256);
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_EQ(readAll(third.value()), m_payload);
    EXPECT_EQ(requests().size(), 2u);
    unsetenv("FOVEA_CACHE_DIR");
}

TEST(CacheFolders, FollowTheXdgBaseDirectorySpecification) {
    unsetenv("FOVEA_CACHE_DIR");
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    setenv("XDG_DATA_HOME", "/x/data", 1);
    EXPECT_EQ(cacheDirectory(), fs::path("/x/cache/fovea"));
    EXPECT_EQ(dataDirectory(), fs::path("/x/data/fovea"));
    unsetenv("XDG_CACHE_HOME");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/u", 1);
    EXPECT_EQ(cacheDirectory(), fs::path("/home/u/.cache/fovea"));
    EXPECT_EQ(dataDirectory(), fs::path("/home/u/.local/share/fovea"));
}

}  // namespace
}  // namespace fovea::core
