#include "fovea/core/download/downloader.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>

#include "fovea/core/download/sha256.h"
#include "fovea/core/version.h"

namespace fovea::core {
namespace fs = std::filesystem;
namespace {

// A dropped connection is retried (resuming) this many times within one call.
constexpr int kAttempts = 3;

struct Transfer {
    std::FILE* file = nullptr;
    int64_t resumeFrom = 0;  // bytes already in the .part file when this attempt started
    bool writeFailed = false;
    const DownloadProgressCallback* progress = nullptr;
    const std::atomic<bool>* cancel = nullptr;
};

size_t writeBody(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t written = std::fwrite(data, size, count, transfer->file);
    if (written != count) transfer->writeFailed = true;
    return written * size;
}

int reportProgress(void* user, curl_off_t total, curl_off_t received, curl_off_t, curl_off_t) {
    auto* transfer = static_cast<Transfer*>(user);
    if (transfer->cancel && transfer->cancel->load()) return 1;  // aborts the transfer
    if (transfer->progress && *transfer->progress) {
        (*transfer->progress)(
            {transfer->resumeFrom + received, total > 0 ? transfer->resumeFrom + total : -1});
    }
    return 0;
}

void initialiseCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int64_t sizeOrZero(const fs::path& file) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    return ec ? 0 : static_cast<int64_t>(size);
}

enum class Outcome { kDone, kRetry, kFailed };

// One HTTP request appending to `part`. On kFailed, `error` says why.
Outcome attempt(const DownloadRequest& request, const fs::path& part,
                const DownloadProgressCallback& progress, const std::atomic<bool>* cancel,
                Error& error) {
    Transfer transfer;
    transfer.resumeFrom = sizeOrZero(part);
    transfer.progress = &progress;
    transfer.cancel = cancel;
    transfer.file = std::fopen(part.c_str(), "ab");
    if (!transfer.file) {
        error = {part.string() + ": cannot write the download: " + std::strerror(errno)};
        return Outcome::kFailed;
    }
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    char curlMessage[CURL_ERROR_SIZE] = {0};
    const std::string userAgent = std::string("Fovea/") + kFoveaVersion;
    curl_easy_setopt(curl.get(), CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, userAgent.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, curlMessage);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 20L);
    // A stalled connection (under 1 kB/s for 60 s) counts as dropped.
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE,
                     static_cast<curl_off_t>(transfer.resumeFrom));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, writeBody);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, reportProgress);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &transfer);
    const CURLcode code = curl_easy_perform(curl.get());
    const bool closed = std::fclose(transfer.file) == 0;

    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    const std::string detail = curlMessage[0] ? curlMessage : curl_easy_strerror(code);
    if (transfer.writeFailed || !closed) {
        error = {part.string() + ": cannot write the download (disk full?)"};
        return Outcome::kFailed;
    }
    switch (code) {
        case CURLE_OK:
            return Outcome::kDone;
        case CURLE_ABORTED_BY_CALLBACK:
            error = {request.url + ": download cancelled; " + std::to_string(sizeOrZero(part)) +
                     " bytes kept in " + part.string() + " to resume from next time"};
            return Outcome::kFailed;
        case CURLE_RANGE_ERROR:
            // The server ignores Range (answers 200 with the whole file): start over.
            fs::remove(part);
            return Outcome::kRetry;
        case CURLE_HTTP_RETURNED_ERROR:
            // 416: the .part is already as long as (or longer than) the file; start over.
            if (status == 416) {
                fs::remove(part);
                return Outcome::kRetry;
            }
            error = {request.url + ": the server answered HTTP " + std::to_string(status)};
            return Outcome::kFailed;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
            error = {request.url + ": cannot reach the server (offline?): " + detail +
                     ". Download the file on a connected machine and pass its path instead."};
            return Outcome::kFailed;
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_GOT_NOTHING:
            error = {request.url + ": the connection dropped after " +
                     std::to_string(sizeOrZero(part)) + " bytes (" + detail +
                     "); run again to resume"};
            return Outcome::kRetry;
        default:
            error = {request.url + ": download failed: " + detail};
            return Outcome::kFailed;
    }
}

std::string envOr(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : fallback;
}

}  // namespace

Result<void> downloadFile(const DownloadRequest& request, const DownloadProgressCallback& progress,
                          const std::atomic<bool>* cancel) {
    initialiseCurlOnce();
    std::error_code ec;
    if (!request.destination.parent_path().empty()) {
        fs::create_directories(request.destination.parent_path(), ec);
        if (ec) return Error{request.destination.parent_path().string() + ": " + ec.message()};
    }
    const fs::path part = request.destination.string() + ".part";
    Error error;
    Outcome outcome = Outcome::kRetry;
    for (int round = 0; round < kAttempts && outcome == Outcome::kRetry; ++round) {
        outcome = attempt(request, part, progress, cancel, error);
    }
    if (outcome != Outcome::kDone) return error;

    if (!request.sha256.empty()) {
        auto digest = sha256OfFile(part);
        if (!digest) return digest.error();
        if (!digestMatches(digest.value(), request.sha256)) {
            fs::remove(part, ec);
            return Error{
                request.url + ": SHA-256 mismatch, the download is not the expected file " +
                "(expected " + request.sha256 + "..., got " + digest.value() + "); it was deleted"};
        }
    }
    fs::rename(part, request.destination, ec);
    if (ec)
        return Error{request.destination.string() +
                     ": cannot move the download into place: " + ec.message()};
    return {};
}

fs::path cacheDirectory() {
    if (const char* explicitDir = std::getenv("FOVEA_CACHE_DIR"); explicitDir && *explicitDir) {
        return explicitDir;
    }
    return fs::path(envOr("XDG_CACHE_HOME", envOr("HOME", "/tmp") + "/.cache")) / "fovea";
}

fs::path dataDirectory() {
    return fs::path(envOr("XDG_DATA_HOME", envOr("HOME", "/tmp") + "/.local/share")) / "fovea";
}

fs::path cachedFileFor(const std::string& url) {
    const std::string name = url.substr(url.find_last_of('/') + 1);
    if (name.empty()) return {};
    return cacheDirectory() / "weights" / name;
}

Result<fs::path> fetchToCache(const std::string& url, const std::string& sha256,
                              const DownloadProgressCallback& progress,
                              const std::atomic<bool>* cancel) {
    const fs::path target = cachedFileFor(url);
    if (target.empty()) return Error{url + ": the URL names no file", ErrorKind::Usage};
    if (fs::exists(target)) {
        auto digest = sha256OfFile(target);
        if (digest && (sha256.empty() || digestMatches(digest.value(), sha256))) return target;
        std::error_code ec;
        fs::remove(target, ec);  // corrupt or replaced: fetch it again
    }
    auto downloaded = downloadFile({url, target, sha256}, progress, cancel);
    if (!downloaded) return downloaded.error();
    return target;
}

}  // namespace fovea::core
