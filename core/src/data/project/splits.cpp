#include "fovea/core/project/splits.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <utility>

#include "project_paths.h"

namespace fovea::core {
namespace {

// splitmix64's finaliser (Steele, Lea, Flood: "Fast splittable pseudorandom number
// generators", OOPSLA 2014): a cheap, well-mixed 64-bit hash, identical on every platform,
// unlike std::hash.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// FNV-1a over the path, mixed with the seed. The path as stored (relative inside the project
// folder) is hashed, so a moved project folder keeps its order.
std::uint64_t pathHash(const std::string& path, std::uint64_t seed) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : path) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return mix(hash ^ mix(seed));
}

constexpr std::array<Split, 3> kSplits = {Split::Train, Split::Val, Split::Test};

std::size_t splitIndex(Split split) {
    return split == Split::Train ? 0 : split == Split::Val ? 1 : 2;
}

}  // namespace

Result<SplitReport> assignSplits(ProjectStore& store, const SplitFractions& fractions,
                                 std::uint64_t seed) {
    const std::array<double, 3> raw = {fractions.train, fractions.val, fractions.test};
    double sum = 0;
    for (double f : raw) {
        if (!std::isfinite(f) || f < 0) {
            return Error{"Split fractions must be zero or positive numbers"};
        }
        sum += f;
    }
    if (sum <= 0) return Error{"At least one split fraction must be above zero"};
    std::array<double, 3> share{};
    for (std::size_t s = 0; s < 3; ++s) share[s] = raw[s] / sum;

    auto images = store.images(usableImages());
    if (!images) return images.error();

    struct Group {
        std::array<std::size_t, 3> counts{};                        // images already in each split
        std::vector<std::pair<std::uint64_t, ImageId>> unassigned;  // (hash, id)
    };
    // Keyed by class id; unlabeled images under -1 (class ids are positive).
    std::map<ClassId, Group> groups;
    SplitReport report;
    for (const ImageRecord& image : images.value()) {
        Group& group = groups[image.classId.value_or(-1)];
        if (image.split) {
            ++group.counts[splitIndex(*image.split)];
            ++report.kept;
        } else {
            const std::string stored = paths::toStored(image.path, store.directory());
            group.unassigned.push_back({pathHash(stored, seed), image.id});
        }
    }

    std::vector<std::pair<ImageId, Split>> assignments;
    std::array<std::size_t*, 3> totals = {&report.train, &report.val, &report.test};
    for (auto& [classId, group] : groups) {
        std::sort(group.unassigned.begin(), group.unassigned.end());
        const double size = static_cast<double>(group.counts[0] + group.counts[1] +
                                                group.counts[2] + group.unassigned.size());
        for (const auto& [hash, id] : group.unassigned) {
            // The split furthest below its target; ties go to the earlier split.
            std::size_t best = 3;
            double bestDeficit = 0;
            for (std::size_t s = 0; s < 3; ++s) {
                if (share[s] <= 0) continue;
                const double deficit = share[s] * size - static_cast<double>(group.counts[s]);
                if (best == 3 || deficit > bestDeficit) {
                    best = s;
                    bestDeficit = deficit;
                }
            }
            ++group.counts[best];
            ++*totals[best];
            assignments.push_back({id, kSplits[best]});
        }
    }
    report.assigned = assignments.size();
    if (assignments.empty()) return report;
    if (auto saved = store.setSplits(assignments); !saved) return saved.error();
    return report;
}

}  // namespace fovea::core
