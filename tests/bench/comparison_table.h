#pragma once

// The one table every training and inference benchmark prints: the plain Python loop a user
// writes (fp32, default layout), Python's best (channels-last + bf16 autocast where it runs),
// and Fovea, with Fovea's ratio to each and the goals; the same figures go to
// <bench folder>/<benchmark>.json for scripts.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fovea::test {

struct BenchRow {
    std::string name;  // e.g. "Python plain (fp32, default layout)"
    double seconds = 0;
    double images = 0;
    double imagesPerSecond() const { return seconds > 0 ? images / seconds : 0; }
};

struct Comparison {
    std::string work;  // e.g. "full fine-tuning of resnet18"
    BenchRow plain;
    BenchRow best;
    BenchRow fovea;
    double goalOverPlain = 0;  // 0: no goal
    double goalOverBest = 0;
    double overPlain() const { return fovea.imagesPerSecond() / plain.imagesPerSecond(); }
    double overBest() const { return fovea.imagesPerSecond() / best.imagesPerSecond(); }
    bool missed() const {
        return (goalOverPlain > 0 && overPlain() < goalOverPlain) ||
               (goalOverBest > 0 && overBest() < goalOverBest);
    }
};

inline std::string goalText(double goal) {
    if (goal <= 0) return "";
    char text[32];
    std::snprintf(text, sizeof text, " (goal >= %.1fx)", goal);
    return text;
}

inline void printComparison(const Comparison& c) {
    std::printf("%s\n  %-46s %9s %10s %12s\n", c.work.c_str(), "", "seconds", "images/s",
                "Fovea is");
    const auto row = [](const BenchRow& r, const std::string& ratio) {
        std::printf("  %-46s %9.2f %10.2f %12s\n", r.name.c_str(), r.seconds, r.imagesPerSecond(),
                    ratio.c_str());
    };
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2fx", c.overPlain());
    row(c.plain, ratio);
    std::snprintf(ratio, sizeof ratio, "%.2fx", c.overBest());
    row(c.best, ratio);
    row(c.fovea, "");
    std::printf("  Fovea / plain Python %.2fx%s; Fovea / Python's best %.2fx%s%s\n", c.overPlain(),
                goalText(c.goalOverPlain).c_str(), c.overBest(), goalText(c.goalOverBest).c_str(),
                c.missed() ? "  GOAL MISSED" : "");
}

inline nlohmann::json toJson(const BenchRow& r) {
    return {{"name", r.name},
            {"seconds", r.seconds},
            {"images", r.images},
            {"images_per_second", r.imagesPerSecond()}};
}

inline nlohmann::json toJson(const Comparison& c) {
    return {{"work", c.work},
            {"python_plain", toJson(c.plain)},
            {"python_best", toJson(c.best)},
            {"fovea", toJson(c.fovea)},
            {"fovea_over_plain", c.overPlain()},
            {"fovea_over_best", c.overBest()},
            {"goal_over_plain", c.goalOverPlain},
            {"goal_over_best", c.goalOverBest},
            {"goal_missed", c.missed()}};
}

// Writes `results` (with the machine's load) next to the benchmark's executable, as
// <benchmark>.json, and says where.
inline void writeBenchJson(const std::string& benchmark, nlohmann::json results) {
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    results["benchmark"] = benchmark;
    results["load_average"] = {load[0], load[1], load[2]};
    std::error_code error;
    const auto folder = std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
    const auto file = folder / (benchmark + ".json");
    std::ofstream(file) << results.dump(2) << "\n";
    std::printf("wrote %s\n", file.string().c_str());
}

}  // namespace fovea::test
