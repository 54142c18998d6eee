#pragma once

#include <QStringList>
#include <QWidget>

#include "export/run_exporter.h"

class QAction;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace fovea::ui {

class BackgroundJob;
class ElidedLabel;
class JobProgressBar;

// The Export page: the trained model (the last run, or any run folder, bundle or model file)
// written as a model bundle in the chosen formats (ONNX, TorchScript, safetensors, .pth) with
// labels, preprocessing and a model card. Each file passes core's parity gate before it lands,
// and the page shows plainly what the gate measured: which runtime ran it, on how many images,
// the top-1 agreement and the largest probability difference.
class ExportPage : public QWidget {
    Q_OBJECT
  public:
    explicit ExportPage(QWidget* parent = nullptr);
    ~ExportPage() override;

    // The model to export; the destination defaults to <source>/bundle.
    void setSource(const QString& source);
    QString source() const { return m_source; }
    // No model chosen, no results shown (the project closed, or its run was deleted).
    void clearSource();
    // The project's runs/, which Choose Run… lists (empty: no project open).
    void setRunsFolder(const QString& folder) { m_runsFolder = folder; }
    // The ticked formats; remembered (QSettings) for the next export and the next launch.
    void setFormats(const QStringList& formats);
    QStringList formats() const;
    void setDestination(const QString& folder);
    bool startExport(QString* error = nullptr);

    BackgroundJob* job() const { return m_job; }
    QTableWidget* resultsTable() const { return m_results; }
    const ExportOutcome& lastOutcome() const { return m_outcome; }

  Q_SIGNALS:
    // The user chose `folder` with this page's own button (a run folder, a bundle or a model
    // file): the window shows a run on the other run pages too.
    void runChosen(const QString& folder);
    void exported(bool ok, const QString& message);

  private:
    void onFinished(bool ok, const QString& message);
    // The results table's columns for the source's kind (a detection run's figures differ).
    void setTableHeaders();
    // The formats the source can be exported to, ticked as last time for its kind.
    void showFormatChoices();
    void showOutcome();
    // The full path of the file in the selected row; empty when none is selected.
    QString selectedFile() const;
    void updateActions();

    QString m_source;
    // The source is a detection run (issue 24): exported through core::exportDetectionRun in
    // the formats core supports for it, file by file rather than as a bundle.
    bool m_detection = false;
    bool m_showingFormats = false;  // ticking the kind's remembered formats: not remembered
    QString m_runsFolder;
    ExportOutcome m_outcome;
    ExportOutcome m_pending;  // written by the job
    BackgroundJob* m_job;
    ElidedLabel* m_sourceLabel = nullptr;
    QList<QCheckBox*> m_formatChecks;
    QLineEdit* m_destination = nullptr;
    QLabel* m_destinationLabel =
        nullptr;  // "Bundle folder:" or, for a detection run, "Export folder:"
    QPushButton* m_exportButton = nullptr;
    QTableWidget* m_results = nullptr;
    QAction* m_copyPath = nullptr;    // the selected file's path to the clipboard
    QAction* m_openFolder = nullptr;  // the bundle's folder in the file manager
    QLabel* m_status = nullptr;
    ElidedLabel* m_copied = nullptr;       // what Copy Path copied
    JobProgressBar* m_progress = nullptr;  // which file is being written and checked
};

}  // namespace fovea::ui
