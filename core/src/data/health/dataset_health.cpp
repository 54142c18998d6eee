#include "fovea/core/health/dataset_health.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

namespace fovea::core {
namespace {

constexpr double kImbalanceWorthWeighting = 1.5;

struct Fingerprinted {
    std::vector<ImageRecord> images;  // readable ones, in id order
    std::vector<ImageFingerprint> fingerprints;
    std::vector<UnreadableImage> unreadable;
};

// Fingerprints every image on `threads` threads (decoding dominates); the order is kept.
Result<Fingerprinted> fingerprintAll(const std::vector<ImageRecord>& images,
                                     const HealthOptions& options) {
    std::vector<std::optional<Result<ImageFingerprint>>> results(images.size());
    std::atomic<std::size_t> next{0};
    std::atomic<std::int64_t> done{0};
    std::mutex progressLock;
    const auto work = [&] {
        for (std::size_t index = next++; index < images.size(); index = next++) {
            if (options.cancel && options.cancel->load()) return;
            results[index] = fingerprintImage(images[index].path);
            const std::int64_t finished = ++done;
            if (options.progress) {
                std::lock_guard<std::mutex> lock(progressLock);
                options.progress(finished, static_cast<std::int64_t>(images.size()));
            }
        }
    };
    const unsigned threads = options.threads > 0
                                 ? static_cast<unsigned>(options.threads)
                                 : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<std::size_t>(threads, images.size()); ++t) {
        pool.emplace_back(work);
    }
    work();
    for (auto& thread : pool) thread.join();
    if (options.cancel && options.cancel->load()) return Error{"cancelled", ErrorKind::Cancelled};

    Fingerprinted out;
    for (std::size_t index = 0; index < images.size(); ++index) {
        Result<ImageFingerprint>& result = *results[index];
        if (!result) {
            out.unreadable.push_back(
                {images[index].id, images[index].path, result.error().message});
            continue;
        }
        out.images.push_back(images[index]);
        out.fingerprints.push_back(std::move(result).value());
    }
    return out;
}

std::vector<DuplicateFinding> findingsOf(const Fingerprinted& data, const HealthOptions& options) {
    std::vector<std::vector<float>> embeddings;
    if (!options.embeddings.empty()) {
        for (const ImageRecord& image : data.images) {
            const auto found = options.embeddings.find(image.id);
            embeddings.push_back(found != options.embeddings.end() ? found->second
                                                                   : std::vector<float>{});
        }
    }
    std::vector<DuplicateFinding> findings;
    for (const DuplicateGroup& group :
         findDuplicateGroups(data.fingerprints, options.nearDuplicates,
                             embeddings.empty() ? nullptr : &embeddings)) {
        DuplicateFinding finding;
        finding.kind = group.kind;
        bool inTraining = false;
        bool inEvaluation = false;
        for (std::size_t member : group.members) {
            const ImageRecord& image = data.images[member];
            finding.images.push_back(image.id);
            finding.paths.push_back(image.path);
            finding.splits.push_back(image.split);
            inTraining = inTraining || image.split == Split::Train;
            inEvaluation = inEvaluation || image.split == Split::Val || image.split == Split::Test;
        }
        finding.leak = inTraining && inEvaluation;
        findings.push_back(std::move(finding));
    }
    return findings;
}

void describeBalance(HealthReport& report, const std::vector<ClassInfo>& classes,
                     const std::vector<ClassCounts>& counts) {
    std::map<ClassId, std::string> names;
    for (const ClassInfo& info : classes) names[info.id] = info.name;
    std::int64_t labeled = 0;
    std::int64_t smallest = -1;
    std::int64_t largest = 0;
    std::size_t withImages = 0;
    for (const ClassCounts& count : counts) {
        ClassBalance balance;
        balance.name = count.classId ? names[*count.classId] : std::string();
        balance.train = count.train;
        balance.val = count.val;
        balance.test = count.test;
        balance.unassigned = count.unassigned;
        balance.count = count.train + count.val + count.test + count.unassigned;
        report.classes.push_back(balance);
        if (!count.classId || balance.count == 0) continue;
        labeled += balance.count;
        ++withImages;
        smallest = smallest < 0 ? balance.count : std::min(smallest, balance.count);
        largest = std::max(largest, balance.count);
    }
    for (ClassBalance& balance : report.classes) {
        if (balance.name.empty() || balance.count == 0) continue;
        balance.suggestedWeight =
            static_cast<double>(labeled) / (static_cast<double>(withImages) * balance.count);
    }
    if (withImages < 2 || smallest <= 0) return;
    report.imbalanceRatio = static_cast<double>(largest) / static_cast<double>(smallest);
    if (report.imbalanceRatio >= kImbalanceWorthWeighting) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, "%.1f", report.imbalanceRatio);
        report.balanceAdvice =
            "The largest class has " + std::string(ratio) +
            "x the images of the smallest: train with class weights "
            "(--class-weights, or \"weight classes by rarity\" on the Train page) or "
            "label more images of the small classes.";
    }
}

}  // namespace

Result<HealthReport> checkDatasetHealth(const ProjectStore& store, const HealthOptions& options) {
    ImageFilter kept;
    kept.excluded = Require::No;
    auto images = store.images(kept);
    if (!images) return images.error();
    std::vector<ImageRecord> present;
    HealthReport report;
    for (const ImageRecord& image : images.value()) {
        std::error_code error;
        if (image.missing || !std::filesystem::exists(image.path, error)) {
            report.unreadable.push_back(
                {image.id, image.path, image.path.string() + ": not found"});
        } else {
            present.push_back(image);
        }
    }
    report.imagesChecked = static_cast<std::int64_t>(images.value().size());
    auto fingerprinted = fingerprintAll(present, options);
    if (!fingerprinted) return fingerprinted.error();
    report.unreadable.insert(report.unreadable.end(), fingerprinted.value().unreadable.begin(),
                             fingerprinted.value().unreadable.end());
    std::sort(report.unreadable.begin(), report.unreadable.end(),
              [](const UnreadableImage& a, const UnreadableImage& b) { return a.image < b.image; });
    report.duplicates = findingsOf(fingerprinted.value(), options);

    auto classes = store.classes();
    if (!classes) return classes.error();
    auto counts = store.classCounts();
    if (!counts) return counts.error();
    describeBalance(report, classes.value(), counts.value());
    return report;
}

std::vector<ImageId> duplicateExtras(const DuplicateFinding& finding) {
    std::size_t keep = 0;
    for (std::size_t i = 0; i < finding.splits.size(); ++i) {
        if (finding.splits[i] == Split::Train) {
            keep = i;
            break;
        }
    }
    std::vector<ImageId> extras;
    for (std::size_t i = 0; i < finding.images.size(); ++i) {
        if (i != keep) extras.push_back(finding.images[i]);
    }
    return extras;
}

}  // namespace fovea::core
