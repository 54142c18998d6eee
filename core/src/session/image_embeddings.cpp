#include "fovea/core/session/image_embeddings.h"

#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <unordered_map>

#include "batched_inference.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/models/network_summary.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// The cache file: "FVEMB1\n", the dimension (u32), then per image: path length (u32), path
// bytes, file size (u64), modification time (i64, ns), dimension floats. Native byte order:
// the file is a cache of this machine, never shared.
constexpr char kMagic[] = "FVEMB1\n";

struct CachedVector {
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
    std::vector<float> vector;
};

struct FileStamp {
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
};

std::optional<FileStamp> stampOf(const fs::path& file) {
    std::error_code error;
    const auto size = fs::file_size(file, error);
    if (error) return std::nullopt;
    const auto time = fs::last_write_time(file, error);
    if (error) return std::nullopt;
    return FileStamp{static_cast<std::uint64_t>(size),
                     static_cast<std::int64_t>(time.time_since_epoch().count())};
}

template <class T>
bool readValue(std::istream& in, T& value) {
    return static_cast<bool>(in.read(reinterpret_cast<char*>(&value), sizeof value));
}

template <class T>
void appendValue(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// `dim` 0: the file's own (a cut-short network's width is known once it ran).
std::unordered_map<std::string, CachedVector> readCache(const fs::path& file, std::uint32_t dim) {
    std::unordered_map<std::string, CachedVector> cache;
    std::ifstream in(file, std::ios::binary);
    char magic[sizeof kMagic - 1] = {};
    std::uint32_t storedDim = 0;
    if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0 ||
        !readValue(in, storedDim) || storedDim == 0 || (dim != 0 && storedDim != dim)) {
        return cache;
    }
    dim = storedDim;
    while (true) {
        std::uint32_t length = 0;
        if (!readValue(in, length) || length > 65536) break;
        std::string path(length, '\0');
        CachedVector entry;
        entry.vector.resize(dim);
        if (!in.read(path.data(), length) || !readValue(in, entry.size) ||
            !readValue(in, entry.mtime) ||
            !in.read(reinterpret_cast<char*>(entry.vector.data()),
                     static_cast<std::streamsize>(dim * sizeof(float)))) {
            break;  // a cut tail: keep what was whole
        }
        cache[path] = std::move(entry);
    }
    return cache;
}

Result<void> writeCache(const fs::path& file, std::uint32_t dim,
                        const std::unordered_map<std::string, CachedVector>& cache) {
    std::string out(kMagic, sizeof kMagic - 1);
    appendValue(out, dim);
    for (const auto& [path, entry] : cache) {
        appendValue(out, static_cast<std::uint32_t>(path.size()));
        out += path;
        appendValue(out, entry.size);
        appendValue(out, entry.mtime);
        out.append(reinterpret_cast<const char*>(entry.vector.data()), dim * sizeof(float));
    }
    std::error_code error;
    fs::create_directories(file.parent_path(), error);
    return files::writeFileAtomically(file, out);
}

}  // namespace

fs::path embeddingCacheFile(const fs::path& folder, const NetworkImpl& network,
                            const std::string& weightsIdentity, std::size_t blocks) {
    std::string key = network.architecture() + "|" + weightsIdentity + "|" +
                      std::to_string(network.preprocessing().cropSize);
    if (blocks > 0) key += "|blocks " + std::to_string(blocks);
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(key));
    return folder / ("embeddings-" + network.architecture() + "-" + hash + ".bin");
}

std::size_t generalFeatureBlocks(const NetworkImpl& network, const std::string& weights) {
    if (classifyWeights(network.architecture(), weights) != WeightsKind::OfflineDefault) return 0;
    const std::string last = lastImageNetBlock(network.architecture());
    const auto& blocks = network.blocks();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (blocks[i].name == last) return i + 1;
    }
    return 0;
}

Result<ImageEmbeddings> embedImages(NetworkImpl& network, const std::vector<fs::path>& files,
                                    const fs::path& cacheFile, const InferenceSettings& settings,
                                    const PredictionProgress& progress,
                                    const std::atomic<bool>* cancel, std::size_t blocks) {
    // A cut-short network's width is that of its last block, known once it ran.
    auto dim = static_cast<std::uint32_t>(blocks > 0 ? 0 : network.featureDim());
    auto cache = cacheFile.empty() ? std::unordered_map<std::string, CachedVector>{}
                                   : readCache(cacheFile, dim);
    ImageEmbeddings result;
    result.vectors.resize(files.size());
    std::vector<LabeledImage> pending;
    std::vector<std::optional<FileStamp>> stamps(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        stamps[i] = stampOf(files[i]);
        const auto cached = cache.find(files[i].string());
        if (stamps[i] && cached != cache.end() && cached->second.size == stamps[i]->size &&
            cached->second.mtime == stamps[i]->mtime) {
            result.vectors[i] = cached->second.vector;
            ++result.fromCache;
        } else {
            pending.push_back({0, files[i], static_cast<std::int64_t>(i)});
        }
    }
    if (pending.empty()) return result;

    auto run = detail::runInference(
        network, pending, settings,
        [&](const std::vector<std::int64_t>& indices, const torch::Tensor& features) {
            auto rows = detail::unitRows(features);
            for (std::size_t row = 0; row < indices.size(); ++row) {
                const auto target = static_cast<std::size_t>(
                    pending[static_cast<std::size_t>(indices[row])].target);
                result.vectors[target] = std::move(rows[row]);
                ++result.computed;
            }
        },
        [&](std::int64_t done, std::int64_t total) {
            if (progress) progress(result.fromCache + done, result.fromCache + total);
        },
        cancel, detail::InferenceOutput::Features, blocks);
    if (!run) return run.error();
    for (const auto& failure : run.value().failures) {
        const auto& image = pending[static_cast<std::size_t>(failure.index)];
        result.failures.push_back({image.path, failure.message});
    }
    if (dim == 0) {
        for (const auto& vector : result.vectors) {
            if (!vector.empty()) dim = static_cast<std::uint32_t>(vector.size());
        }
    }
    if (!cacheFile.empty() && result.computed > 0 && dim > 0) {
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (!stamps[i] || result.vectors[i].size() != dim) continue;
            cache[files[i].string()] = {stamps[i]->size, stamps[i]->mtime, result.vectors[i]};
        }
        // A cache that cannot be written costs time next run, nothing else.
        (void)writeCache(cacheFile, dim, cache);
    }
    return result;
}

}  // namespace fovea::core
