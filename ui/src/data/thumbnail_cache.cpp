#include "data/thumbnail_cache.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QThread>
#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "fovea/core/image/image_decode.h"
#include "widgets/rgb_image.h"

namespace fovea::ui {

namespace {

// Enough for several screens of the largest thumbnails, small next to the images themselves.
constexpr int kCacheKilobytes = 256 * 1024;
// Requests beyond this are the oldest, long scrolled past: dropped (asked for again if shown).
constexpr std::size_t kMaxQueued = 1500;
// How long one turn of the event loop may spend handing out thumbnails.
constexpr qint64 kDeliveryBudgetMs = 8;

int imageKilobytes(const QImage& image) {
    return std::max<int>(1, static_cast<int>(image.sizeInBytes() / 1024));
}

}  // namespace

QImage decodeThumbnail(const QString& path, int side, QString* error) {
    core::DecodeOptions options;
    options.minShorterSide = side;  // large JPEGs decode at 1/2..1/8 scale: much faster
    auto decoded = core::decodeImage(path.toStdString(), options);
    if (!decoded) {
        if (error) *error = QString::fromStdString(decoded.error().message);
        return {};
    }
    const cv::Mat& rgb = decoded.value().rgb;
    const double scale = std::min(1.0, static_cast<double>(side) / std::max(rgb.cols, rgb.rows));
    cv::Mat scaled;
    if (scale < 1.0) {
        const int width = std::max(1, static_cast<int>(rgb.cols * scale + 0.5));
        const int height = std::max(1, static_cast<int>(rgb.rows * scale + 0.5));
        cv::resize(rgb, scaled, cv::Size(width, height), 0, 0, cv::INTER_AREA);
    } else {
        scaled = rgb;
    }
    return imageFromRgb(scaled);
}

ThumbnailCache::ThumbnailCache(int side, QObject* parent)
    : QObject(parent), m_side(side), m_deliveryTimer(new QTimer(this)) {
    m_deliveryTimer->setSingleShot(true);
    m_deliveryTimer->setInterval(0);
    connect(m_deliveryTimer, &QTimer::timeout, this, &ThumbnailCache::deliverReady);
    m_images.setMaxCost(kCacheKilobytes);
    m_pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
}

ThumbnailCache::~ThumbnailCache() {
    m_stopping = true;
    {
        std::lock_guard lock(m_mutex);
        m_queue.clear();
    }
    m_pool.waitForDone();
}

QImage ThumbnailCache::request(qint64 id, const QString& path) {
    if (const QImage* image = m_images.object(id)) return *image;
    if (m_failures.contains(id)) return {};
    {
        std::lock_guard lock(m_mutex);
        const quint64 generation = m_generation.load();
        auto queued = m_queued.find(id);
        if (queued != m_queued.end() && queued.value() == generation) return {};
        m_queue.push_back({id, path, generation});
        m_queued[id] = generation;
        while (m_queue.size() > kMaxQueued) {
            m_queued.remove(m_queue.front().id);
            m_queue.pop_front();
        }
    }
    startWorkerIfIdle();
    return {};
}

std::optional<QString> ThumbnailCache::failure(qint64 id) const {
    auto it = m_failures.find(id);
    if (it == m_failures.end()) return std::nullopt;
    return it.value();
}

void ThumbnailCache::clear() {
    ++m_generation;  // results of work already running are dropped on arrival
    {
        std::lock_guard lock(m_mutex);
        m_queue.clear();
        m_queued.clear();
    }
    m_images.clear();
    m_failures.clear();
}

int ThumbnailCache::pendingCount() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_queued.size());
}

void ThumbnailCache::startWorkerIfIdle() {
    {
        std::lock_guard lock(m_mutex);
        if (m_workers >= m_pool.maxThreadCount()) return;
        ++m_workers;
    }
    m_pool.start([this] { workLoop(); });
}

void ThumbnailCache::workLoop() {
    while (!m_stopping) {
        Request request;
        {
            std::lock_guard lock(m_mutex);
            if (m_queue.empty()) {
                --m_workers;
                return;
            }
            request = std::move(m_queue.back());  // newest first
            m_queue.pop_back();
        }
        QString error;
        QImage image = decodeThumbnail(request.path, m_side, &error);
        bool schedule = false;
        {
            std::lock_guard lock(m_mutex);
            m_ready.push_back({std::move(request), std::move(image), std::move(error)});
            schedule = !std::exchange(m_deliveryScheduled, true);
        }
        // Back to the owner's thread; dropped by Qt if the cache is gone by then.
        if (schedule) {
            QMetaObject::invokeMethod(
                m_deliveryTimer, [timer = m_deliveryTimer] { timer->start(); },
                Qt::QueuedConnection);
        }
    }
    std::lock_guard lock(m_mutex);
    --m_workers;
}

void ThumbnailCache::deliverReady() {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < kDeliveryBudgetMs) {
        Decoded next;
        {
            std::lock_guard lock(m_mutex);
            if (m_ready.empty()) {
                m_deliveryScheduled = false;
                return;
            }
            next = std::move(m_ready.front());
            m_ready.pop_front();
        }
        deliver(next.request, next.image, next.error);
    }
    m_deliveryTimer->start();  // the rest in the next turn, after the window's own events
}

void ThumbnailCache::deliver(const Request& request, const QImage& image, const QString& error) {
    if (request.generation != m_generation.load()) return;
    {
        std::lock_guard lock(m_mutex);
        auto queued = m_queued.find(request.id);
        if (queued != m_queued.end() && queued.value() == request.generation) {
            m_queued.erase(queued);
        }
    }
    if (image.isNull()) {
        m_failures.insert(request.id, error);
        Q_EMIT thumbnailFailed(request.id, error);
        return;
    }
    m_images.insert(request.id, new QImage(image), imageKilobytes(image));
    Q_EMIT thumbnailReady(request.id);
}

}  // namespace fovea::ui
