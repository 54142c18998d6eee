#include "widgets/dialog_folders.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace fovea::ui {

namespace {

QString settingsKey(const QString& purpose) { return "dialogs/" + purpose + "/folder"; }

}  // namespace

QString dialogFolder(const QString& purpose, const QString& fallback) {
    const QString remembered = QSettings().value(settingsKey(purpose)).toString();
    for (const QString& folder : {remembered, fallback}) {
        if (!folder.isEmpty() && QFileInfo(folder).isDir()) return folder;
    }
    return QDir::homePath();
}

void rememberDialogFolder(const QString& purpose, const QString& chosen) {
    if (chosen.isEmpty()) return;
    QSettings().setValue(settingsKey(purpose), QFileInfo(chosen).absolutePath());
}

}  // namespace fovea::ui
