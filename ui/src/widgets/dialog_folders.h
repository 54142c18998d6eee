#pragma once

#include <QString>

namespace fovea::ui {

// Where a file dialog opens. Without a start folder Qt's dialogs open in the process's working
// directory (the build or install folder, or / from a desktop launcher), which is never where
// the user's images or models are. Each kind of dialog ("purpose") opens where the user last
// chose something for it, else at `fallback` when that folder exists, else in the home folder.
QString dialogFolder(const QString& purpose, const QString& fallback = {});

// Remembers the folder that holds `chosen` (a file's folder; a chosen folder's parent, where its
// siblings are) for dialogs of `purpose`.
void rememberDialogFolder(const QString& purpose, const QString& chosen);

}  // namespace fovea::ui
