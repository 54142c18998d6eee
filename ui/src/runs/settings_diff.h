#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <nlohmann/json.hpp>

namespace fovea::ui {

// Runs' recorded settings side by side: one row per setting (config.json flattened to dotted
// keys, e.g. "training.learning_rate"), one value per run, and whether the runs differ there.
struct SettingRow {
    QString key;
    QStringList values;  // one per run, "" where a run has no such setting
    bool differs = false;
};

// `configs`: each run's config.json as JSON. Rows in the first run's key order, then keys only
// later runs have; times and versions of the files themselves are left out.
QVector<SettingRow> compareSettings(const QVector<nlohmann::json>& configs);

// A dotted key as people read it: "training.learning_rate" -> "Learning rate (training)",
// "epochs" -> "Epochs".
QString readableSettingName(const QString& key);

}  // namespace fovea::ui
