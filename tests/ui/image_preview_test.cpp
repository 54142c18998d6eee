// The Evaluate and Predict pages' picture: images are fitted to the widget, also after a
// resize; an unreadable file is a message naming it, not a stale picture.
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "widgets/image_preview.h"

using fovea::ui::ImagePreview;

class ImagePreviewTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void imageIsFittedAndFollowsResizes() {
        ImagePreview preview;
        preview.resize(300, 300);
        preview.show();
        QImage wide(400, 200, QImage::Format_RGB888);
        wide.fill(Qt::red);
        preview.showImage(wide);
        QCOMPARE(preview.pixmap().size(), QSize(300, 150));
        preview.resize(600, 500);
        QCOMPARE(preview.pixmap().size(), QSize(600, 300));
        QCOMPARE(preview.image().size(), QSize(400, 200));  // kept at its own size
    }

    void fileIsDecodedAndUnreadableFileIsNamed() {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        ImagePreview preview;
        preview.resize(200, 200);
        const QString good = folder.path() + "/tall.png";
        QImage tall(50, 100, QImage::Format_RGB888);
        tall.fill(Qt::blue);
        QVERIFY(tall.save(good));
        QVERIFY(preview.showFile(good));
        QCOMPARE(preview.pixmap().size(), QSize(100, 200));
        QCOMPARE(preview.image().pixelColor(10, 10), QColor(Qt::blue));

        const QString broken = folder.path() + "/broken.png";
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("\x89PNG\r\n\x1a\n not really");
        file.close();
        QVERIFY(!preview.showFile(broken));
        QVERIFY(preview.pixmap().isNull());  // the previous picture is gone
        QVERIFY(preview.image().isNull());
        QVERIFY2(preview.text().contains("broken.png"), qPrintable(preview.text()));
    }
};

QTEST_MAIN(ImagePreviewTest)
#include "image_preview_test.moc"
