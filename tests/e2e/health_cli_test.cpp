// fovea-cli health as a script would run it: a folder of real photographs with a byte-identical
// copy in the validation split, a re-encoded copy and a JPEG cut short; the one JSON object
// lists them with the class counts, and a second run reuses the cached project.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <iterator>

#include "cli_test_support.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

void writeTile(const fs::path& file, const fs::path& photo, int quality = 92) {
    cv::Mat image = cv::imread(photo.string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(image.empty()) << photo << " (Debian package mate-backgrounds)";
    cv::Mat tile;
    cv::resize(image, tile, cv::Size(200, 150), 0, 0, cv::INTER_AREA);
    fs::create_directories(file.parent_path());
    ASSERT_TRUE(cv::imwrite(file.string(), tile, {cv::IMWRITE_JPEG_QUALITY, quality}));
}

TEST(HealthCli, ListsDuplicatesLeaksUnreadableFilesAndClassesAsOneJsonObject) {
    TempFolder scratch("fovea-cli-health");
    const fs::path data = scratch.path() / "data";
    const fs::path photos = "/usr/share/backgrounds/mate/nature";
    const std::vector<std::string> names = {"Aqua", "Dune", "Garden", "LadyBird", "Storm"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        ASSERT_NO_FATAL_FAILURE(
            writeTile(data / "train" / (i % 2 ? "sea" : "land") / (names[i] + ".jpg"),
                      photos / (names[i] + ".jpg")));
    }
    fs::create_directories(data / "val" / "land");
    fs::copy_file(data / "train" / "land" / "Aqua.jpg", data / "val" / "land" / "Aqua copy.jpg");
    ASSERT_NO_FATAL_FAILURE(
        writeTile(data / "train" / "sea" / "Dune again.jpg", photos / "Dune.jpg", 50));
    {
        std::ifstream in(data / "train" / "land" / "Garden.jpg", std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream(data / "train" / "land" / "cut.jpg", std::ios::binary)
            << bytes.substr(0, bytes.size() * 2 / 3);
    }
    const std::vector<std::string> cache = {"FOVEA_CACHE_DIR=" +
                                            (scratch.path() / "cache").string()};

    for (int attempt = 0; attempt < 2; ++attempt) {
        SCOPED_TRACE(attempt == 0 ? "first check" : "second check, project cached");
        const JsonRun run = runCliJson({"health", "--data", data.string(), "--json"}, cache);
        ASSERT_EQ(run.exitCode, 0) << run.output;
        ASSERT_TRUE(printedOneObject(run)) << run.output;
        const auto& report = run.json;
        EXPECT_EQ(report.at("images"), 8);
        ASSERT_EQ(report.at("duplicates").size(), 2u) << report.dump(2);
        const auto& exact = report.at("duplicates")[0];
        EXPECT_EQ(exact.at("kind"), "exact");
        EXPECT_TRUE(exact.at("leak").get<bool>());
        EXPECT_EQ(exact.at("images").size(), 2u);
        const auto& near = report.at("duplicates")[1];
        EXPECT_EQ(near.at("kind"), "near");
        EXPECT_FALSE(near.at("leak").get<bool>());
        ASSERT_EQ(report.at("unreadable").size(), 1u);
        EXPECT_EQ(fs::path(report.at("unreadable")[0].at("image").get<std::string>()).filename(),
                  "cut.jpg");
        ASSERT_EQ(report.at("classes").size(), 2u);
        EXPECT_EQ(report.at("classes")[0].at("name"), "land");
        EXPECT_EQ(report.at("classes")[0].at("count"), 4);  // cut.jpg is not usable
        EXPECT_EQ(report.at("classes")[1].at("count"), 3);
        // Too few labels to hold any out: no suspects yet, but the list is there.
        EXPECT_TRUE(report.at("label_issues").is_array());
        EXPECT_EQ(report.at("label_check").at("images"), 0);
        EXPECT_NE(report.at("backbone").get<std::string>().find("mobilenet_v2_keras"),
                  std::string::npos);
        EXPECT_EQ(report.at("embeddings").at(attempt == 0 ? "computed" : "cached"), 7);
    }

    const JsonRun neither = runCliJson({"health", "--json"}, cache);
    EXPECT_EQ(neither.exitCode, 2) << neither.output;
    const JsonRun notAFolder =
        runCliJson({"health", "--data", (scratch.path() / "nowhere").string(), "--json"}, cache);
    EXPECT_EQ(notAFolder.exitCode, 2) << notAFolder.output;
    ASSERT_TRUE(printedOneObject(notAFolder)) << notAFolder.output;
}

}  // namespace
}  // namespace fovea::test
