// Dataset health on real photographs (Debian's mate-backgrounds and scikit-image's sample
// photos, cut into distinct tiles) with planted problems: byte-identical copies, copies
// re-encoded, resized and slightly cropped, copies across the train/validation split, a JPEG
// cut short and a file that is no image. Health must find every exact copy, at least 80% of the
// near copies, flag the leaks, and raise no group on the clean tiles.
#include "fovea/core/health/dataset_health.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <random>
#include <set>

#include "fovea/core/health/duplicate_groups.h"
#include "fovea/core/project/folder_import.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// Distinct tiles: a few crops of each photograph, far apart, scaled to 160x120.
std::vector<cv::Mat> photographTiles() {
    std::vector<fs::path> photos;
    for (const char* folder :
         {"/usr/share/backgrounds/mate/nature", "/usr/lib/python3/dist-packages/skimage/data"}) {
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(folder, error)) {
            const std::string name = entry.path().filename().string();
            if (entry.path().extension() == ".jpg" || name == "astronaut.png" ||
                name == "chelsea.png" || name == "coffee.png" || name == "rocket.jpg" ||
                name == "motorcycle_left.png" || name == "hubble_deep_field.jpg") {
                photos.push_back(entry.path());
            }
        }
    }
    std::sort(photos.begin(), photos.end());
    std::vector<cv::Mat> tiles;
    for (const fs::path& photo : photos) {
        cv::Mat image = cv::imread(photo.string(), cv::IMREAD_COLOR);
        if (image.empty() || image.cols < 400 || image.rows < 300) continue;
        // Four quadrants' centres: different parts of the picture, not overlapping.
        const int w = image.cols / 2;
        const int h = image.rows / 2;
        for (int quadrant = 0; quadrant < 4; ++quadrant) {
            const cv::Rect area((quadrant % 2) * w + w / 8, (quadrant / 2) * h + h / 8, w * 3 / 4,
                                h * 3 / 4);
            cv::Mat tile;
            cv::resize(image(area), tile, cv::Size(160, 120), 0, 0, cv::INTER_AREA);
            tiles.push_back(tile);
        }
    }
    return tiles;
}

void writeJpeg(const fs::path& file, const cv::Mat& image, int quality = 92) {
    fs::create_directories(file.parent_path());
    ASSERT_TRUE(cv::imwrite(file.string(), image, {cv::IMWRITE_JPEG_QUALITY, quality}));
}

class DatasetHealth : public ::testing::Test {
  protected:
    void SetUp() override {
        m_tiles = photographTiles();
        ASSERT_GE(m_tiles.size(), 40u) << "mate-backgrounds and python3-skimage are needed";
    }

    // The clean dataset: tiles alternately in two classes, every fifth in validation.
    fs::path writeClean() {
        const fs::path root = m_folder.path() / "data";
        for (std::size_t i = 0; i < m_tiles.size(); ++i) {
            const std::string split = i % 5 == 4 ? "val" : "train";
            const std::string label = i % 2 ? "left" : "right";
            writeJpeg(tilePath(i, split, label), m_tiles[i]);
        }
        return root;
    }
    fs::path tilePath(std::size_t i, const std::string& split, const std::string& label) const {
        return m_folder.path() / "data" / split / label / ("tile" + std::to_string(i) + ".jpg");
    }

    HealthReport check(const fs::path& root) {
        auto store = ProjectStore::create(m_folder.path() / "project");
        EXPECT_TRUE(store.ok());
        auto imported = importFolder(store.value(), root);
        EXPECT_TRUE(imported.ok()) << imported.error().message;
        auto report = checkDatasetHealth(store.value());
        EXPECT_TRUE(report.ok()) << report.error().message;
        return report.ok() ? report.value() : HealthReport{};
    }

    test::TempFolder m_folder{"fovea-health"};
    std::vector<cv::Mat> m_tiles;
};

// The group holding `file`, of `kind`; nullptr when none.
const DuplicateFinding* groupOf(const HealthReport& report, const fs::path& file,
                                DuplicateKind kind) {
    for (const DuplicateFinding& finding : report.duplicates) {
        if (finding.kind != kind) continue;
        for (const fs::path& path : finding.paths) {
            if (fs::equivalent(path, file)) return &finding;
        }
    }
    return nullptr;
}

bool together(const HealthReport& report, const fs::path& a, const fs::path& b,
              DuplicateKind kind) {
    const DuplicateFinding* group = groupOf(report, a, kind);
    return group && group == groupOf(report, b, kind);
}

TEST_F(DatasetHealth, CleanPhotographsRaiseNoDuplicate) {
    const HealthReport report = check(writeClean());
    EXPECT_EQ(report.imagesChecked, static_cast<std::int64_t>(m_tiles.size()));
    EXPECT_TRUE(report.unreadable.empty());
    for (const DuplicateFinding& finding : report.duplicates) {
        ADD_FAILURE() << "false alarm: " << finding.paths.front() << " ~ " << finding.paths.back();
    }
    // How far apart unrelated photographs are, against the threshold (10 bits).
    std::vector<std::uint64_t> hashes;
    for (const cv::Mat& tile : m_tiles) {
        cv::Mat rgb;
        cv::cvtColor(tile, rgb, cv::COLOR_BGR2RGB);
        hashes.push_back(perceptualHash(rgb));
    }
    int closest = 64;
    for (std::size_t a = 0; a < hashes.size(); ++a) {
        for (std::size_t b = a + 1; b < hashes.size(); ++b) {
            closest = std::min(closest, hashDistance(hashes[a], hashes[b]));
        }
    }
    std::cout << "closest of " << hashes.size() << " unrelated tiles: " << closest << " bits\n";
    EXPECT_GT(closest, NearDuplicateOptions{}.maxHashDistance);
}

TEST_F(DatasetHealth, FindsPlantedCopiesLeaksAndUnreadableFiles) {
    const fs::path root = writeClean();
    const fs::path planted = root / "train" / "left";
    std::vector<std::pair<fs::path, fs::path>> exact;  // (original, copy)
    std::vector<std::pair<fs::path, fs::path>> near;
    // Byte-identical: one in the other class, one in validation (a leak).
    fs::copy_file(tilePath(0, "train", "right"), planted / "copy0.jpg");
    exact.emplace_back(tilePath(0, "train", "right"), planted / "copy0.jpg");
    fs::create_directories(root / "val" / "right");
    fs::copy_file(tilePath(2, "train", "right"), root / "val" / "right" / "copy2.jpg");
    exact.emplace_back(tilePath(2, "train", "right"), root / "val" / "right" / "copy2.jpg");
    // Re-encoded, resized, slightly cropped (4% off each side, as a phone's edit would).
    for (std::size_t i : {6, 8, 10}) {
        writeJpeg(planted / ("reencoded" + std::to_string(i) + ".jpg"), m_tiles[i], 55);
        near.emplace_back(tilePath(i, "train", "right"),
                          planted / ("reencoded" + std::to_string(i) + ".jpg"));
    }
    for (std::size_t i : {12, 16, 18}) {
        cv::Mat smaller;
        cv::resize(m_tiles[i], smaller, cv::Size(96, 72), 0, 0, cv::INTER_AREA);
        ASSERT_TRUE(
            cv::imwrite((planted / ("resized" + std::to_string(i) + ".png")).string(), smaller));
        near.emplace_back(tilePath(i, "train", "right"),
                          planted / ("resized" + std::to_string(i) + ".png"));
    }
    for (std::size_t i : {20, 22, 26}) {
        cv::Mat cropped = m_tiles[i](cv::Rect(6, 5, 148, 110)).clone();
        writeJpeg(planted / ("cropped" + std::to_string(i) + ".jpg"), cropped);
        near.emplace_back(tilePath(i, "train", "right"),
                          planted / ("cropped" + std::to_string(i) + ".jpg"));
    }
    // A re-encoded copy in validation: a near-duplicate leak.
    writeJpeg(root / "val" / "left" / "reencoded28.jpg", m_tiles[28], 60);
    near.emplace_back(tilePath(28, "train", "right"), root / "val" / "left" / "reencoded28.jpg");
    // A JPEG cut short (its header is fine: only a full decode notices) and a note named .png.
    {
        std::ifstream in(tilePath(30, "train", "right"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream(planted / "cut.jpg", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    std::ofstream(planted / "note.png") << "not an image";

    const HealthReport report = check(root);
    for (const auto& [original, copy] : exact) {
        EXPECT_TRUE(together(report, original, copy, DuplicateKind::Exact)) << copy;
    }
    EXPECT_TRUE(groupOf(report, exact[1].second, DuplicateKind::Exact)->leak);
    EXPECT_FALSE(groupOf(report, exact[0].second, DuplicateKind::Exact)->leak);
    std::size_t found = 0;
    for (const auto& [original, copy] : near) {
        if (together(report, original, copy, DuplicateKind::Near)) {
            ++found;
        } else {
            std::cout << "near copy not found: " << copy << " (hash distance "
                      << hashDistance(fingerprintImage(original).value().perceptualHash,
                                      fingerprintImage(copy).value().perceptualHash)
                      << " bits)\n";
        }
    }
    EXPECT_GE(found * 10, near.size() * 8) << found << " of " << near.size();
    const DuplicateFinding* leak = groupOf(report, near.back().second, DuplicateKind::Near);
    ASSERT_TRUE(leak);
    EXPECT_TRUE(leak->leak);
    // No group beyond the planted ones.
    EXPECT_EQ(report.duplicates.size(), exact.size() + found);

    std::set<std::string> unreadable;
    for (const auto& entry : report.unreadable) {
        unreadable.insert(entry.path.filename().string());
        EXPECT_NE(entry.error.find(entry.path.filename().string()), std::string::npos)
            << entry.error;
    }
    EXPECT_EQ(unreadable, (std::set<std::string>{"cut.jpg", "note.png"}));

    // Excluding a leak's extras keeps the training copy.
    const auto extras = duplicateExtras(*groupOf(report, exact[1].second, DuplicateKind::Exact));
    ASSERT_EQ(extras.size(), 1u);
}

// Look-alikes (one cut of sneaker, aligned, in Fashion-MNIST) share most hash bits and have
// embeddings about as close to many others as to each other: none is a copy. A copy is much
// closer to its original than to anything else, and is still found among them.
TEST(NearDuplicates, LookAlikesAreNotCopiesButACopyAmongThemIs) {
    std::mt19937 random(3);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    const auto unit = [](std::vector<float> v) {
        double norm = 0;
        for (float x : v) norm += double(x) * x;
        for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
        return v;
    };
    const int dim = 64;
    std::vector<float> centre(dim);
    for (float& x : centre) x = noise(random);
    std::vector<ImageFingerprint> fingerprints;
    std::vector<std::vector<float>> embeddings;
    for (int i = 0; i < 30; ++i) {
        std::vector<float> v = centre;
        for (float& x : v) x += 0.15f * noise(random);  // cosine about 0.98 with each other
        embeddings.push_back(unit(v));
        // Hashes 0-4 bits apart: the look-alikes' silhouettes.
        fingerprints.push_back(
            {"content" + std::to_string(i), 0xF0F0F0F0F0F0F0F0ULL ^ (1ULL << (i % 5)), 28, 28});
    }
    // Image 30: a re-encoded copy of image 7.
    std::vector<float> copy = embeddings[7];
    for (float& x : copy) x += 0.005f * noise(random);
    embeddings.push_back(unit(copy));
    fingerprints.push_back({"content-copy", fingerprints[7].perceptualHash, 28, 28});

    double closest = -1;
    for (int a = 0; a < 30; ++a) {
        for (int b = a + 1; b < 30; ++b) {
            double dot = 0;
            for (int k = 0; k < dim; ++k) dot += double(embeddings[a][k]) * embeddings[b][k];
            closest = std::max(closest, dot);
        }
    }
    std::cout << "closest look-alikes: cosine " << closest << "\n";
    ASSERT_GT(closest, NearDuplicateOptions{}.minCosine);  // the old rule grouped them

    const auto groups = findDuplicateGroups(fingerprints, {}, &embeddings);
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].kind, DuplicateKind::Near);
    EXPECT_EQ(groups[0].members, (std::vector<std::size_t>{7, 30}));
}

TEST_F(DatasetHealth, ClassBalanceSuggestsWeightsWhenOneClassDominates) {
    const fs::path root = m_folder.path() / "data";
    for (std::size_t i = 0; i < 30; ++i) {
        writeJpeg(root / (i < 24 ? "many" : "few") / ("tile" + std::to_string(i) + ".jpg"),
                  m_tiles[i]);
    }
    const HealthReport report = check(root);
    ASSERT_GE(report.classes.size(), 2u);
    EXPECT_EQ(report.classes[0].name, "few");
    EXPECT_EQ(report.classes[0].count, 6);
    EXPECT_EQ(report.classes[1].count, 24);
    EXPECT_DOUBLE_EQ(report.imbalanceRatio, 4.0);
    EXPECT_DOUBLE_EQ(report.classes[0].suggestedWeight, 30.0 / (2 * 6));
    EXPECT_NE(report.balanceAdvice.find("class weights"), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
