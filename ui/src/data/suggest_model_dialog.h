#pragma once

#include <QDialog>
#include <QString>

class QDialogButtonBox;
class QLabel;
class QTreeWidget;

namespace fovea::ui {

// Suggest Labels…: which trained model predicts the unlabeled images. Lists the project's runs
// that have a model (newest first, with their best validation accuracy), and offers any other
// run folder, model bundle or model file from disk.
class SuggestModelDialog : public QDialog {
    Q_OBJECT
  public:
    // `runsFolder`: the project's runs/ (missing: no runs to list).
    SuggestModelDialog(const QString& runsFolder, QWidget* parent = nullptr);

    // The run folder, bundle or model file chosen; empty while none is.
    QString modelSource() const;
    // Chooses `source` (a path from disk, or one of the listed runs).
    void setModelSource(const QString& source);
    QTreeWidget* runList() const { return m_runs; }

  private:
    void updateChoice();

    QString m_runsFolder;
    QTreeWidget* m_runs;  // one row per run: name, architecture, accuracy, date
    QLabel* m_chosen;
    QDialogButtonBox* m_buttons;
    QString m_other;  // a source chosen from disk, when no listed run is selected
};

}  // namespace fovea::ui
