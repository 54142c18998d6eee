#pragma once

#include <QDialog>
#include <functional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace fovea::ui {

// Train page › Cluster Command…: the command that starts the page's run on several processes
// or machines with torchrun, from a settings file in the project (every setting, the Model
// page's included), ready to copy. Opening it writes nothing: Copy Command writes the settings
// file through `writeSettings` (which returns an error message, or empty when written).
class ClusterCommandDialog : public QDialog {
    Q_OBJECT
  public:
    ClusterCommandDialog(QString settingsFile, QString runFolder, QString logFolder,
                         std::function<QString()> writeSettings, QWidget* parent = nullptr);
    QString command() const;

  private:
    void updateCommand();
    void copyCommand();

    QString m_settingsFile;
    QString m_runFolder;
    QString m_logFolder;
    QSpinBox* m_machines;
    QSpinBox* m_processes;
    QLineEdit* m_address;
    QSpinBox* m_port;
    QPlainTextEdit* m_command;
    QLabel* m_status;
    std::function<QString()> m_writeSettings;
};

}  // namespace fovea::ui
