#pragma once

#include <QDialog>
#include <QStringList>

class QCheckBox;
class QLabel;
class QCustomPlot;
class QTableWidget;

namespace fovea::ui {

// Two or more runs side by side: their epoch curves overlaid on the same charts (validation
// accuracy, validation loss, training loss; one colour per run) and their recorded settings in
// a table whose differing rows are highlighted. Read from the run folders alone.
class RunComparison : public QDialog {
    Q_OBJECT
  public:
    explicit RunComparison(const QStringList& runFolders, QWidget* parent = nullptr);

    QCustomPlot* validationAccuracyPlot() const { return m_validationAccuracy; }
    QCustomPlot* validationLossPlot() const { return m_validationLoss; }
    QCustomPlot* trainingLossPlot() const { return m_trainingLoss; }
    QTableWidget* settingsTable() const { return m_settings; }
    // Rows of the settings table that differ between the runs.
    QStringList differingSettings() const;

  private:
    void plotRuns(const QStringList& runFolders);
    void fillSettings(const QStringList& runFolders);
    void showOnlyDifferences(bool only);

    QCustomPlot* m_validationAccuracy;
    QCustomPlot* m_validationLoss;
    QCustomPlot* m_trainingLoss;
    QTableWidget* m_settings;
    QCheckBox* m_onlyDifferences;
    QLabel* m_sameSettings;  // shown when only differences are asked for and there are none
};

}  // namespace fovea::ui
