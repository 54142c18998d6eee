#pragma once

#include <QString>

namespace fovea::ui {

// Where and how wide a distributed run is started with torchrun.
struct ClusterLaunch {
    int machines = 1;
    int processesPerMachine = 2;  // one per GPU, or per group of CPU cores
    QString masterAddress;        // the first machine's, as the others reach it
    int masterPort = 29500;
};

// The torchrun command that starts `fovea-cli train --settings settingsFile --out runFolder` on
// every process of `launch`, as the first machine runs it (the others: --node_rank 1, 2, ...).
// Paths are quoted for a POSIX shell. Debian 12's torchrun needs --redirects/--tee with a log
// folder (Python 3.11 cannot parse its defaults): `logFolder`.
QString clusterCommandLine(const ClusterLaunch& launch, const QString& settingsFile,
                           const QString& runFolder, const QString& logFolder);

// `text` quoted for a POSIX shell where it needs it.
QString shellQuoted(const QString& text);

}  // namespace fovea::ui
