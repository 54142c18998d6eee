#pragma once

#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>

namespace fovea::ui {

// Images scaled down to fit a square of `side` pixels, decoded on worker threads with core's
// decoder (the same one training uses: EXIF orientation, 16-bit, CMYK, alpha; a file it cannot
// read here is one training cannot read either), and kept in a bounded cache.
//
// request() never blocks: it returns the cached image, or a null QImage and queues the file;
// thumbnailReady() or thumbnailFailed() follows on the owner's thread. The newest requests are
// decoded first (they are what the user is looking at after scrolling) and the queue is
// bounded, so flicking through 50,000 images never builds a backlog of stale work.
class ThumbnailCache : public QObject {
    Q_OBJECT
  public:
    explicit ThumbnailCache(int side, QObject* parent = nullptr);
    ~ThumbnailCache() override;

    int side() const { return m_side; }
    QImage request(qint64 id, const QString& path);
    // Why the file could not be decoded, when it could not.
    std::optional<QString> failure(qint64 id) const;
    // Forgets everything (another project, or files changed on disk).
    void clear();
    // Requests waiting or being decoded; for progress displays and tests.
    int pendingCount() const;

  Q_SIGNALS:
    void thumbnailReady(qint64 id);
    void thumbnailFailed(qint64 id, const QString& message);

  private:
    struct Request {
        qint64 id = 0;
        QString path;
        quint64 generation = 0;
    };
    struct Decoded {
        Request request;
        QImage image;
        QString error;
    };
    void startWorkerIfIdle();
    void workLoop();
    // Hands decoded thumbnails to the owner's thread a few milliseconds' worth per turn of the
    // event loop: hundreds arriving at once, each repainting a view, kept the window still.
    void deliverReady();
    void deliver(const Request& request, const QImage& image, const QString& error);

    const int m_side;
    QCache<qint64, QImage> m_images;  // cost: kilobytes
    QHash<qint64, QString> m_failures;
    QThreadPool m_pool;

    mutable std::mutex m_mutex;  // guards the members below
    std::deque<Request> m_queue;
    QHash<qint64, quint64> m_queued;  // id -> generation, queued or in decoding
    int m_workers = 0;
    std::deque<Decoded> m_ready;  // decoded, not yet delivered
    bool m_deliveryScheduled = false;
    QTimer* m_deliveryTimer;  // owner's thread only
    std::atomic<quint64> m_generation{0};
    std::atomic<bool> m_stopping{false};
};

// Decodes `path` scaled to fit side x side (aspect kept) as an RGB QImage; `error` says why
// not when the result is null. Thread-safe.
QImage decodeThumbnail(const QString& path, int side, QString* error);

}  // namespace fovea::ui
