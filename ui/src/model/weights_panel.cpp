#include "model/weights_panel.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

#include "fovea/core/download/downloader.h"
#include "gui_wording.h"
#include "widgets/background_job.h"

namespace fovea::ui {
namespace {

// The combo entry that opens a file dialog instead of naming weights.
const char* const kChooseFileValue = "\x01choose-file";
constexpr qint64 kBytesPerKiB = 1024;

QString megabytes(qint64 bytes) {
    return QLocale().toString(static_cast<double>(bytes) / 1e6, 'f', 1) + " MB";
}

enum class Tone { Normal, Warning, Error };

void setStatus(QLabel* label, const QString& text, Tone tone) {
    label->setText(text);
    QPalette palette = label->parentWidget()->palette();
    if (tone == Tone::Error) palette.setColor(QPalette::WindowText, QColor(0xc0, 0x39, 0x2b));
    if (tone == Tone::Warning) palette.setColor(QPalette::WindowText, QColor(0xb9, 0x77, 0x0e));
    label->setPalette(palette);
}

}  // namespace

WeightsPanel::WeightsPanel(QWidget* parent) : QWidget(parent) {
    setObjectName("weightsPanel");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_combo = new QComboBox(this);
    m_combo->setObjectName("weightsCombo");
    m_combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_combo->setMinimumContentsLength(24);
    layout->addWidget(m_combo);

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName("weightsStatusLabel");
    m_statusLabel->setWordWrap(true);
    m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_statusLabel);

    auto* row = new QHBoxLayout;
    m_downloadButton = new QPushButton("Download", this);
    m_downloadButton->setObjectName("downloadButton");
    m_downloadButton->setToolTip(
        "Fetch the weights now, so training can start without waiting (or offline later). "
        "The download runs in the background, resumes after a cancel and is checked against "
        "its SHA-256 before use.");
    m_progress = new QProgressBar(this);
    m_progress->setObjectName("downloadProgress");
    m_progress->setTextVisible(true);
    m_cancelButton = new QPushButton("Cancel", this);
    m_cancelButton->setObjectName("cancelDownloadButton");
    m_cancelButton->setToolTip("Stop the download; starting it again resumes where it stopped.");
    row->addWidget(m_downloadButton);
    row->addWidget(m_progress, 1);
    row->addWidget(m_cancelButton);
    row->setAlignment(m_downloadButton, Qt::AlignLeft);
    layout->addLayout(row);
    // The row keeps its height whether or not there is something to download, so the page
    // above does not jump when another architecture is chosen.
    for (QWidget* widget :
         {static_cast<QWidget*>(m_downloadButton), static_cast<QWidget*>(m_progress),
          static_cast<QWidget*>(m_cancelButton)}) {
        QSizePolicy policy = widget->sizePolicy();
        policy.setRetainSizeWhenHidden(true);
        widget->setSizePolicy(policy);
    }
    m_progress->hide();
    m_cancelButton->hide();

    m_job = new BackgroundJob(this);
    connect(m_job, &BackgroundJob::progress, this,
            [this](qint64 done, qint64 total, const QString&) { onDownloadProgress(done, total); });
    connect(m_job, &BackgroundJob::finished, this, &WeightsPanel::onDownloadFinished);
    connect(m_combo, &QComboBox::activated, this, &WeightsPanel::onActivated);
    connect(m_downloadButton, &QPushButton::clicked, this, &WeightsPanel::startDownload);
    connect(m_cancelButton, &QPushButton::clicked, this, &WeightsPanel::cancelDownload);
}

WeightsPanel::~WeightsPanel() {
    // The children outlive this destructor; their signals must not reach it any more.
    for (QObject* child : findChildren<QObject*>()) disconnect(child, nullptr, this, nullptr);
    m_job->cancel();
}

void WeightsPanel::setChoice(const QString& architecture, const QString& weights) {
    m_architecture = architecture;
    m_combo->clear();
    for (const WeightOption& option : weightOptionsFor(architecture)) {
        m_combo->addItem(option.label, option.value);
        m_combo->setItemData(m_combo->count() - 1, option.description, Qt::ToolTipRole);
    }
    m_combo->insertSeparator(m_combo->count());
    m_combo->addItem("Local file...", QString(kChooseFileValue));
    m_combo->setItemData(m_combo->count() - 1,
                         "Start from your own .pth (PyTorch state dict) or .safetensors file "
                         "for this architecture.",
                         Qt::ToolTipRole);
    int index = indexOf(weights);
    if (index < 0) index = addCustomOption(weightOptionFor(architecture, weights));
    m_combo->setCurrentIndex(index);
    m_previousIndex = index;
    m_downloadError.clear();
    updateStatus();
}

void WeightsPanel::chooseWeights(const QString& weights) {
    if (weights == this->weights()) return;
    int index = indexOf(weights);
    if (index < 0) index = addCustomOption(weightOptionFor(m_architecture, weights));
    m_combo->setCurrentIndex(index);
    onActivated(index);
}

QString WeightsPanel::weights() const {
    const QString value = m_combo->currentData().toString();
    return value == kChooseFileValue ? QString() : value;
}

WeightOption WeightsPanel::currentOption() const {
    return weightOptionFor(m_architecture, weights());
}

int WeightsPanel::indexOf(const QString& value) const {
    for (int i = 0; i < m_combo->count(); ++i) {
        if (m_combo->itemData(i).toString() == value && !value.isEmpty()) return i;
    }
    return -1;
}

int WeightsPanel::addCustomOption(const WeightOption& option) {
    // Files and URLs go before the separator, next to the built-in options.
    int at = m_combo->count() - 2;
    m_combo->insertItem(at, option.label, option.value);
    m_combo->setItemData(at, option.description, Qt::ToolTipRole);
    return at;
}

void WeightsPanel::onActivated(int index) {
    if (m_combo->itemData(index).toString() == kChooseFileValue) {
        chooseLocalFile();
        return;
    }
    if (index == m_previousIndex) return;
    m_previousIndex = index;
    m_downloadError.clear();
    updateStatus();
    Q_EMIT weightsChanged(weights());
}

void WeightsPanel::chooseLocalFile() {
    const WeightOption current =
        weightOptionFor(m_architecture, m_combo->itemData(m_previousIndex).toString());
    const QString start = current.kind == WeightKind::LocalFile
                              ? QFileInfo(current.file).absolutePath()
                              : QDir::homePath();
    const QString file =
        QFileDialog::getOpenFileName(this, QString("Weights for %1").arg(m_architecture), start,
                                     "Weight files (*.pth *.pt *.safetensors);;All files (*)");
    if (file.isEmpty()) {
        m_combo->setCurrentIndex(m_previousIndex);  // dialog cancelled: keep what was chosen
        return;
    }
    chooseWeights(QDir::cleanPath(file));
}

void WeightsPanel::updateStatus() {
    const WeightOption option = currentOption();
    m_combo->setToolTip(option.description);
    const bool downloading = isDownloading();
    const bool downloadable = !option.url.isEmpty();
    const bool cached = downloadable && QFileInfo::exists(option.file);
    m_downloadButton->setVisible(downloadable && !cached && !downloading);
    m_progress->setVisible(downloading);
    m_cancelButton->setVisible(downloading);

    if (!m_downloadError.isEmpty()) {
        setStatus(m_statusLabel, m_downloadError,
                  m_downloadCancelled ? Tone::Warning : Tone::Error);
        return;
    }
    if (downloading && m_downloadUrl == option.url) {
        setStatus(m_statusLabel, QString("Downloading %1...").arg(QUrl(option.url).fileName()),
                  Tone::Normal);
        return;
    }
    switch (option.kind) {
        case WeightKind::OfflineDefault:
            if (QFileInfo::exists(option.file)) {
                setStatus(m_statusLabel, "Ready, no download needed.", Tone::Normal);
            } else {
                setStatus(m_statusLabel,
                          QString("Not prepared yet (%1 is missing): %2.")
                              .arg(option.file, kPrepareOfflineWeights),
                          Tone::Warning);
            }
            break;
        case WeightKind::Catalogue:
        case WeightKind::Url:
            if (cached) {
                setStatus(m_statusLabel,
                          QString("Downloaded (%1): %2")
                              .arg(megabytes(QFileInfo(option.file).size()), option.file),
                          Tone::Normal);
            } else {
                setStatus(m_statusLabel,
                          "Not downloaded yet. Download it now, or training fetches it when it "
                          "starts.",
                          Tone::Normal);
            }
            break;
        case WeightKind::Random:
            setStatus(m_statusLabel, "Every layer starts from random values.", Tone::Normal);
            break;
        case WeightKind::LocalFile: {
            const QFileInfo info(option.file);
            if (!info.isFile()) {
                setStatus(m_statusLabel, QString("File not found: %1").arg(option.file),
                          Tone::Error);
            } else {
                setStatus(m_statusLabel,
                          QString("%1 (%2)").arg(option.file, megabytes(info.size())),
                          Tone::Normal);
            }
            break;
        }
    }
}

bool WeightsPanel::isDownloading() const { return !m_downloadUrl.isEmpty(); }

void WeightsPanel::startDownload() {
    const WeightOption option = currentOption();
    if (option.url.isEmpty() || isDownloading()) return;
    const std::string url = option.url.toStdString();
    const std::string sha256 = option.sha256.toStdString();
    const bool started = m_job->start([url, sha256](BackgroundJob& job) {
        auto file = core::fetchToCache(
            url, sha256,
            [&job](const core::DownloadProgress& progress) {
                job.reportProgress(progress.receivedBytes, progress.totalBytes, {});
            },
            job.cancelFlag());
        if (!file) {
            // Empty on cancel, so the job reports "Cancelled." rather than curl's wording.
            return BackgroundJob::Outcome{
                false,
                job.wasCancelled() ? QString() : QString::fromStdString(file.error().message)};
        }
        return BackgroundJob::Outcome{true, QString::fromStdString(file.value().string())};
    });
    if (!started) return;  // the previous download is still winding down
    m_downloadUrl = option.url;
    m_downloadError.clear();
    m_progress->setRange(0, 0);  // busy until the server says how much is coming
    m_progress->setFormat("Connecting...");
    m_cancelButton->setEnabled(true);
    updateStatus();
    m_cancelButton->setFocus();
}

void WeightsPanel::cancelDownload() {
    if (!isDownloading()) return;
    m_job->cancel();
    m_cancelButton->setEnabled(false);
    m_progress->setFormat("Cancelling...");
}

void WeightsPanel::onDownloadProgress(qint64 done, qint64 total) {
    if (!isDownloading() || m_job->wasCancelled()) return;
    if (total > 0) {
        // QProgressBar counts in int: KiB keeps files up to 2 TB in range.
        m_progress->setRange(0, static_cast<int>(total / kBytesPerKiB));
        m_progress->setValue(static_cast<int>(std::min(done, total) / kBytesPerKiB));
        m_progress->setFormat(QString("%1 of %2").arg(megabytes(done), megabytes(total)));
    } else {
        m_progress->setRange(0, 0);
        m_progress->setFormat(megabytes(done));
    }
}

void WeightsPanel::onDownloadFinished(bool ok, const QString& message) {
    const QString url = m_downloadUrl;
    m_downloadUrl.clear();
    m_downloadCancelled = !ok && m_job->wasCancelled();
    if (!ok) {
        m_downloadError = m_job->wasCancelled()
                              ? QString(
                                    "Download of %1 cancelled; starting it again resumes "
                                    "where it stopped.")
                                    .arg(QUrl(url).fileName())
                              : QString("Download failed: %1").arg(message);
    }
    updateStatus();
    Q_EMIT downloadFinished(ok, message);
}

}  // namespace fovea::ui
