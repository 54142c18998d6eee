#include "train/cluster_command.h"

#include <QRegularExpression>
#include <QStringList>

namespace fovea::ui {

QString shellQuoted(const QString& text) {
    static const QRegularExpression plain("^[A-Za-z0-9_./:@%+=,-]+$");
    if (plain.match(text).hasMatch()) return text;
    QString quoted = text;
    quoted.replace("'", "'\\''");
    return "'" + quoted + "'";
}

QString clusterCommandLine(const ClusterLaunch& launch, const QString& settingsFile,
                           const QString& runFolder, const QString& logFolder) {
    const QStringList parts = {
        "torchrun",
        "--nnodes",
        QString::number(launch.machines),
        "--nproc_per_node",
        QString::number(launch.processesPerMachine),
        "--node_rank",
        "0",
        "--master_addr",
        shellQuoted(launch.masterAddress),
        "--master_port",
        QString::number(launch.masterPort),
        "--redirects",
        "1",
        "--tee",
        "1",
        "--log_dir",
        shellQuoted(logFolder),
        "--no_python",
        "fovea-cli",
        "train",
        "--settings",
        shellQuoted(settingsFile),
        "--out",
        shellQuoted(runFolder),
    };
    return parts.join(' ');
}

}  // namespace fovea::ui
