#pragma once

#include <QString>
#include <QWidget>

#include "model/model_catalogue.h"

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace fovea::ui {

class BackgroundJob;

// Where the network's starting weights come from: the offline default, a torchvision file
// (downloaded once into the cache, with a progress bar and Cancel, off the GUI thread), random
// initialisation, or the user's own .pth/.safetensors file. Says whether the chosen file is on
// disk; download errors are shown here, never thrown.
class WeightsPanel : public QWidget {
    Q_OBJECT
  public:
    explicit WeightsPanel(QWidget* parent = nullptr);
    ~WeightsPanel() override;

    // Lists the architecture's options and selects `weights` (added when it is a file or URL
    // the list does not have). Emits nothing.
    void setChoice(const QString& architecture, const QString& weights);
    // Selects `weights` ("default", "none", a path or a URL) as if the user had chosen it,
    // emitting weightsChanged() when it differs.
    void chooseWeights(const QString& weights);
    QString weights() const;
    WeightOption currentOption() const;

    bool isDownloading() const;
    // Downloads the current option's file when it has a URL and is not cached yet.
    void startDownload();
    void cancelDownload();

  Q_SIGNALS:
    void weightsChanged(const QString& weights);
    // ok: the file is in the cache; otherwise `message` says why not ("Cancelled." included).
    void downloadFinished(bool ok, const QString& message);

  private:
    void onActivated(int index);
    void chooseLocalFile();
    void updateStatus();
    int indexOf(const QString& value) const;
    int addCustomOption(const WeightOption& option);
    void onDownloadProgress(qint64 done, qint64 total);
    void onDownloadFinished(bool ok, const QString& message);

    QString m_architecture;
    QString m_downloadUrl;    // what the running download fetches
    QString m_downloadError;  // shown until the choice changes
    bool m_downloadCancelled = false;
    int m_previousIndex = -1;

    QComboBox* m_combo = nullptr;
    QLabel* m_statusLabel = nullptr;
    QPushButton* m_downloadButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancelButton = nullptr;
    BackgroundJob* m_job = nullptr;
};

}  // namespace fovea::ui
