#pragma once

#include <QDialog>
#include <QString>

class QDialogButtonBox;
class QLabel;
class QTreeWidget;

namespace fovea::ui {

// What a RunChoiceDialog is opened for: its words, and which sources from disk it offers.
struct RunChoicePurpose {
    QString objectPrefix;     // names the dialog and its parts, e.g. "suggest": suggestRunList
    QString title;            // the window's, also the file dialogs'
    QString intro;            // what the chosen model is used for
    QString acceptText;       // the OK button's
    bool bundles = false;     // model bundle folders from disk, beside run folders
    bool modelFiles = false;  // single model files (.safetensors) from disk
};

// Which trained model a page uses: the project's runs that have a model (newest first, with
// their architecture, best validation accuracy or detection mAP, and date), or a run folder (and,
// where the purpose says so, a model bundle or file) from disk. It opens on the page's model, else
// on the run with the best of those figures (the newest of equals).
class RunChoiceDialog : public QDialog {
    Q_OBJECT
  public:
    // `runsFolder`: the project's runs/ (missing: no runs to list).
    RunChoiceDialog(const QString& runsFolder, const RunChoicePurpose& purpose,
                    QWidget* parent = nullptr);
    // Opens the dialog with `current` (the page's model, if any) chosen, and returns the source
    // the user accepted; empty when cancelled.
    static QString choose(const QString& runsFolder, const RunChoicePurpose& purpose,
                          const QString& current, QWidget* parent);

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

// Suggest Labels…: which trained model predicts the unlabeled images.
class SuggestModelDialog : public RunChoiceDialog {
    Q_OBJECT
  public:
    explicit SuggestModelDialog(const QString& runsFolder, QWidget* parent = nullptr);
};

}  // namespace fovea::ui
