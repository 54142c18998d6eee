#include "import_common.h"

#include <algorithm>
#include <thread>

#include "fovea/core/image/image_probe.h"

namespace fovea::core::import {
namespace fs = std::filesystem;

// POSIX stat rather than std::filesystem: one system call gives type, size, mtime with
// nanoseconds and the inode, where std::filesystem needs one call per fact.
std::optional<FileFacts> statPath(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::nullopt;
    return factsFromStat(info);
}

FileFacts factsFromStat(const struct stat& info) {
    FileFacts facts;
    facts.regular = S_ISREG(info.st_mode);
    facts.directory = S_ISDIR(info.st_mode);
    facts.size = static_cast<std::uintmax_t>(info.st_size);
    facts.mtimeNs = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL +
                    static_cast<std::int64_t>(info.st_mtim.tv_nsec);
    facts.device = static_cast<std::uint64_t>(info.st_dev);
    facts.inode = static_cast<std::uint64_t>(info.st_ino);
    return facts;
}

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

Error cancelledError() { return Error{"Import cancelled; the project was not changed"}; }

KnownByPath indexKnown(const std::vector<KnownImage>& known) {
    KnownByPath index;
    index.reserve(known.size());
    for (std::size_t i = 0; i < known.size(); ++i) index.emplace(known[i].path.generic_string(), i);
    return index;
}

void reportProgress(const ImportProgressCallback& progress, ImportProgress::Phase phase,
                    std::size_t done, std::size_t total) {
    if (progress) progress({phase, done, total});
}

namespace {

void probeItem(ImportItem& item) {
    auto info = probeImage(item.path);
    ProbedHeader header;
    if (info.ok()) {
        header.width = info.value().width;
        header.height = info.value().height;
    } else {
        header.error = info.error().message;
    }
    item.header = std::move(header);
}

}  // namespace

Result<void> probeItems(std::vector<ImportItem>& items, const std::vector<std::size_t>& which,
                        const ImportProgressCallback& progress, const std::atomic<bool>* cancel) {
    // A probe is an open and a read of a few hundred bytes: bound by system calls (or by the
    // disk's latency on a cold cache), so a few threads overlap them well even on two cores.
    constexpr std::size_t kFilesPerThreadMinimum = 2000;
    constexpr std::size_t kMaxThreads = 8;
    constexpr std::size_t kProgressEvery = 512;
    const std::size_t hardware = std::max(2u, std::thread::hardware_concurrency());
    const std::size_t threads = std::clamp<std::size_t>(which.size() / kFilesPerThreadMinimum, 1,
                                                        std::min(kMaxThreads, hardware));
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    // Each item is written by exactly one thread (the one that took its index).
    auto probeNext = [&]() -> bool {
        if (cancelled(cancel)) return false;
        const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
        if (index >= which.size()) return false;
        probeItem(items[which[index]]);
        done.fetch_add(1, std::memory_order_relaxed);
        return true;
    };
    std::vector<std::thread> workers;
    for (std::size_t i = 1; i < threads; ++i) {
        workers.emplace_back([&] {
            while (probeNext()) {
            }
        });
    }
    // This thread probes too and reports progress between its probes, so the callback is only
    // ever called from the caller's thread.
    std::size_t reported = 0;
    while (probeNext()) {
        const std::size_t finished = done.load(std::memory_order_relaxed);
        if (finished - reported >= kProgressEvery) {
            reported = finished;
            reportProgress(progress, ImportProgress::Phase::Probing, finished, which.size());
        }
    }
    for (auto& worker : workers) worker.join();
    if (cancelled(cancel)) return cancelledError();
    reportProgress(progress, ImportProgress::Phase::Probing, which.size(), which.size());
    return {};
}

void fillReport(ImportReport& report, const ImportBatchResult& result,
                const std::vector<ImportItem>& items) {
    report.added += result.added;
    report.updated += result.updated;
    report.returned += result.returned;
    report.markedMissing += result.markedMissing;
    report.labelsApplied += result.labelsApplied;
    report.splitsApplied += result.splitsApplied;
    report.classesCreated.insert(report.classesCreated.end(), result.classesCreated.begin(),
                                 result.classesCreated.end());
    for (const auto& conflict : result.conflicts) {
        report.conflicts.push_back({conflict.path, conflict.message});
    }
    for (const auto& item : items) {
        if (item.header && item.header->error) {
            report.unreadable.push_back({item.path, *item.header->error});
        }
    }
}

}  // namespace fovea::core::import
