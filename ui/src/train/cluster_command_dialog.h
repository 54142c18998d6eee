#pragma once

#include <QDialog>

class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace fovea::ui {

// Train page › Cluster Command…: the command that starts the page's run on several processes
// or machines with torchrun, from a settings file already written in the project (every
// setting, the Model page's included), ready to copy.
class ClusterCommandDialog : public QDialog {
    Q_OBJECT
  public:
    ClusterCommandDialog(QString settingsFile, QString runFolder, QString logFolder,
                         QWidget* parent = nullptr);
    QString command() const;

  private:
    void updateCommand();

    QString m_settingsFile;
    QString m_runFolder;
    QString m_logFolder;
    QSpinBox* m_machines;
    QSpinBox* m_processes;
    QLineEdit* m_address;
    QSpinBox* m_port;
    QPlainTextEdit* m_command;
};

}  // namespace fovea::ui
