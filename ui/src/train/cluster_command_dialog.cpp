#include "train/cluster_command_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSysInfo>
#include <QVBoxLayout>
#include <utility>

#include "train/cluster_command.h"

namespace fovea::ui {

ClusterCommandDialog::ClusterCommandDialog(QString settingsFile, QString runFolder,
                                           QString logFolder,
                                           std::function<QString()> writeSettings, QWidget* parent)
    : QDialog(parent),
      m_settingsFile(std::move(settingsFile)),
      m_runFolder(std::move(runFolder)),
      m_logFolder(std::move(logFolder)),
      m_machines(new QSpinBox(this)),
      m_processes(new QSpinBox(this)),
      m_address(new QLineEdit(QSysInfo::machineHostName(), this)),
      m_port(new QSpinBox(this)),
      m_command(new QPlainTextEdit(this)),
      m_status(new QLabel(this)),
      m_writeSettings(std::move(writeSettings)) {
    setObjectName("clusterCommandDialog");
    setWindowTitle("Cluster Command");
    auto* intro = new QLabel(
        "Starts this run as a distributed one (PyTorch's torchrun; fovea-cli joins its process "
        "group). Every machine needs this project at the same path, on a shared filesystem. "
        "Run the command on the first machine; on the others, the same with --node_rank 1, "
        "2, …. The batch size is per process. Copy Command writes the settings file it reads. "
        "The Runs page lists the run, and Follow there shows it as it goes.",
        this);
    intro->setWordWrap(true);
    m_machines->setObjectName("clusterMachinesSpin");
    m_machines->setRange(1, 1024);
    m_processes->setObjectName("clusterProcessesSpin");
    m_processes->setRange(1, 64);
    m_processes->setValue(2);
    m_processes->setToolTip("One per GPU; on CPUs, one per group of cores");
    m_address->setObjectName("clusterAddressEdit");
    m_address->setToolTip("The first machine's name or address, as the others reach it");
    m_port->setObjectName("clusterPortSpin");
    m_port->setRange(1, 65535);
    m_port->setValue(29500);
    auto* form = new QFormLayout;
    form->addRow("Machines:", m_machines);
    form->addRow("Processes per machine:", m_processes);
    form->addRow("First machine:", m_address);
    form->addRow("Port:", m_port);

    m_command->setObjectName("clusterCommandText");
    m_command->setReadOnly(true);
    m_command->setMinimumWidth(560);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* copy = buttons->addButton("Copy Command", QDialogButtonBox::ActionRole);
    copy->setObjectName("copyClusterCommandButton");
    connect(copy, &QPushButton::clicked, this, &ClusterCommandDialog::copyCommand);
    m_status->setObjectName("clusterCommandStatus");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    for (QSpinBox* spin : {m_machines, m_processes, m_port}) {
        connect(spin, &QSpinBox::valueChanged, this, &ClusterCommandDialog::updateCommand);
    }
    connect(m_address, &QLineEdit::textChanged, this, &ClusterCommandDialog::updateCommand);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_command, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    updateCommand();
}

QString ClusterCommandDialog::command() const { return m_command->toPlainText(); }

void ClusterCommandDialog::copyCommand() {
    const QString error = m_writeSettings ? m_writeSettings() : QString();
    if (!error.isEmpty()) {
        m_status->setText("Cannot write the settings file: " + error);
        return;
    }
    QApplication::clipboard()->setText(command());
    m_status->setText("Copied. The settings are in " + m_settingsFile);
}

void ClusterCommandDialog::updateCommand() {
    ClusterLaunch launch;
    launch.machines = m_machines->value();
    launch.processesPerMachine = m_processes->value();
    launch.masterAddress = m_address->text().trimmed();
    launch.masterPort = m_port->value();
    m_command->setPlainText(clusterCommandLine(launch, m_settingsFile, m_runFolder, m_logFolder));
}

}  // namespace fovea::ui
