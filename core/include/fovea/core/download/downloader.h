#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

struct DownloadProgress {
    int64_t receivedBytes = 0;
    int64_t totalBytes = -1;  // -1 while the server has not said
};

// Called from the downloading thread, often (many times a second): keep it cheap.
using DownloadProgressCallback = std::function<void(const DownloadProgress&)>;

struct DownloadRequest {
    std::string url;
    std::filesystem::path destination;
    // Expected SHA-256, full or a prefix of >= 8 hex digits; empty skips the check.
    std::string sha256;
};

// Downloads `request.url` to `request.destination`. Bytes go to "<destination>.part" first,
// which a later call resumes (HTTP Range) after a cancel, a dropped connection or a crash; the
// finished file is checked against the SHA-256 and only then renamed into place, so the
// destination is either absent or complete and verified. Setting *cancel (from any thread)
// stops the transfer within a fraction of a second. Errors name the URL and say what to do.
Result<void> downloadFile(const DownloadRequest& request,
                          const DownloadProgressCallback& progress = {},
                          const std::atomic<bool>* cancel = nullptr);

// Where downloaded weights are kept: $FOVEA_CACHE_DIR, else $XDG_CACHE_HOME/fovea, else
// ~/.cache/fovea (XDG Base Directory specification).
std::filesystem::path cacheDirectory();
// Where converted and user data live: $XDG_DATA_HOME/fovea, else ~/.local/share/fovea.
std::filesystem::path dataDirectory();

// Where fetchToCache keeps the file of `url`: cacheDirectory()/weights/ and the URL's last path
// segment. Empty when the URL names no file.
std::filesystem::path cachedFileFor(const std::string& url);

// The file for `url` in cacheDirectory()/weights, downloaded only when it is not there yet
// (or is there but fails the SHA-256 check).
Result<std::filesystem::path> fetchToCache(const std::string& url, const std::string& sha256,
                                           const DownloadProgressCallback& progress = {},
                                           const std::atomic<bool>* cancel = nullptr);

}  // namespace fovea::core
