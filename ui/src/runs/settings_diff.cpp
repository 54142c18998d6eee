#include "runs/settings_diff.h"

#include <QMap>
#include <QSet>
#include <algorithm>

namespace fovea::ui {

namespace {

// Written by the run folder, not chosen (they differ between any two runs), or plumbing that
// changes how fast a run goes, never what it learns.
bool isBookkeeping(const QString& key) {
    static const QSet<QString> keys = {"created",
                                       "fovea_version",
                                       "config_version",
                                       "workers",
                                       "training.feature_cache_memory_bytes",
                                       "training.report_every_batches"};
    return keys.contains(key);
}

// Whether a run with these settings uses `key` at all: a schedule's or an optimizer's own
// settings mean nothing to a run with another.
bool appliesTo(const QString& key, const QMap<QString, QString>& run) {
    const QString schedule = run.value("training.schedule");
    const QString optimizer = run.value("training.optimizer");
    if (key.startsWith("training.onecycle_")) return schedule == "onecycle";
    if (key.startsWith("training.step_")) return schedule == "step";
    if (key == "training.cosine_min_factor") return schedule == "cosine";
    if (key == "training.momentum" || key == "training.nesterov") return optimizer == "sgd";
    if (key == "training.beta1" || key == "training.beta2" || key == "training.epsilon") {
        return optimizer == "adamw";
    }
    return true;
}

QString valueText(const nlohmann::json& value) {
    if (value.is_string()) return QString::fromStdString(value.get<std::string>());
    // Not set: what Fovea chooses (e.g. "freeze": null freezes as the weights recommend).
    if (value.is_null()) return "default";
    if ((value.is_array() || value.is_object()) && value.empty()) return "none";
    if (value.is_array() && std::all_of(value.begin(), value.end(),
                                        [](const auto& item) { return item.is_string(); })) {
        QStringList items;
        for (const auto& item : value) items << QString::fromStdString(item.get<std::string>());
        return items.join(", ");
    }
    return QString::fromStdString(
        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The blocks a run froze, in network order, as the Runs page says them: "stem to block9
// (11 blocks)"; a middle-cut list of eleven names hid where two runs differed.
QString frozenBlocksText(const nlohmann::json& value) {
    if (!value.is_array() || value.size() < 3 || !value.front().is_string() ||
        !value.back().is_string()) {
        return valueText(value);
    }
    return QString("%1 to %2 (%3 blocks)")
        .arg(QString::fromStdString(value.front().get<std::string>()),
             QString::fromStdString(value.back().get<std::string>()))
        .arg(value.size());
}

void flatten(const nlohmann::json& json, const QString& prefix, QStringList& order,
             QMap<QString, QString>& out) {
    for (auto it = json.begin(); it != json.end(); ++it) {
        const QString key = prefix + QString::fromStdString(it.key());
        if (it->is_object() && !it->empty()) {
            flatten(*it, key + ".", order, out);
            continue;
        }
        if (isBookkeeping(key)) continue;
        if (!out.contains(key)) order << key;
        out[key] = key == "network.frozen_blocks" ? frozenBlocksText(*it) : valueText(*it);
    }
}

}  // namespace

QVector<SettingRow> compareSettings(const QVector<nlohmann::json>& configs) {
    QStringList order;
    QVector<QMap<QString, QString>> values(configs.size());
    for (int i = 0; i < configs.size(); ++i) {
        if (!configs[i].is_object()) continue;
        QStringList runOrder;
        flatten(configs[i], {}, runOrder, values[i]);
        for (const QString& key : runOrder) {
            if (!order.contains(key)) order << key;
        }
    }
    // How the freezing was asked for ("freeze": a list, or null for the weights' own choice;
    // "freeze_up_to") differs between runs that froze the same blocks; where every run
    // recorded the blocks it froze, those are compared instead.
    const bool allRecordFrozenBlocks =
        !values.isEmpty() && std::all_of(values.begin(), values.end(), [](const auto& run) {
            return run.contains("network.frozen_blocks");
        });
    if (allRecordFrozenBlocks) {
        order.removeAll("network.freeze");
        order.removeAll("network.freeze_up_to");
    }
    QVector<SettingRow> rows;
    for (const QString& key : order) {
        if (std::none_of(values.begin(), values.end(),
                         [&](const auto& run) { return appliesTo(key, run); })) {
            continue;
        }
        SettingRow row{key, {}, false};
        for (const auto& run : values) row.values << run.value(key);
        row.differs = QSet<QString>(row.values.begin(), row.values.end()).size() > 1;
        rows << row;
    }
    return rows;
}

QString readableSettingName(const QString& key) {
    const int lastDot = key.lastIndexOf('.');
    QString name = key.mid(lastDot + 1);
    name.replace('_', ' ');
    if (!name.isEmpty()) name[0] = name[0].toUpper();
    if (lastDot <= 0) return name;
    QString section = key.left(lastDot);
    section.replace('_', ' ').replace('.', ' ');
    return name + " (" + section + ")";
}

}  // namespace fovea::ui
