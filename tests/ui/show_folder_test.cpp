// Show Folder where no file manager can be started (a bare X server has no desktop launcher):
// a message names the folder and its path is put on the clipboard, instead of nothing at all.
#include <QApplication>
#include <QClipboard>
#include <QMessageBox>
#include <QTest>
#include <QTimer>

#include "widgets/show_folder.h"

using fovea::ui::showFolder;

class ShowFolderTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void aFolderThatCannotBeShownIsNamedAndCopied() {
        const QString folder = "/tmp/exports/first bundle";
        QString asked;
        QTimer::singleShot(100, this, [&asked] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box) return;
            asked = box->text();
            box->accept();
        });
        QApplication::clipboard()->clear();
        QString opened;
        const bool shown = showFolder(folder, nullptr, [&opened](const QUrl& url) {
            opened = url.toLocalFile();
            return false;
        });
        QVERIFY(!shown);
        QCOMPARE(opened, folder);
        QVERIFY2(asked.contains(folder), qPrintable(asked));
        QCOMPARE(QApplication::clipboard()->text(), folder);
    }

    void aFolderThatOpensAsksNothing() {
        QApplication::clipboard()->clear();
        QVERIFY(showFolder("/tmp", nullptr, [](const QUrl&) { return true; }));
        QVERIFY(!QApplication::activeModalWidget());
        QVERIFY(QApplication::clipboard()->text().isEmpty());
    }
};

QTEST_MAIN(ShowFolderTest)
#include "show_folder_test.moc"
