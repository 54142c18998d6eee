#include "widgets/show_folder.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QMessageBox>

namespace fovea::ui {

bool showFolder(const QString& folder, QWidget* parent,
                const std::function<bool(const QUrl&)>& open) {
    if (folder.isEmpty()) return false;
    const QUrl url = QUrl::fromLocalFile(folder);
    if (open ? open(url) : QDesktopServices::openUrl(url)) return true;
    const QString path = QDir::toNativeSeparators(folder);
    QApplication::clipboard()->setText(path);
    QMessageBox box(QMessageBox::Information, "Show Folder",
                    QString("No file manager could be started to show %1.").arg(path),
                    QMessageBox::Ok, parent);
    box.setObjectName("showFolderMessage");
    box.setInformativeText("Its path is on the clipboard.");
    box.exec();
    return false;
}

}  // namespace fovea::ui
