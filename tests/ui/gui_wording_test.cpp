// Core's messages, written for fovea-cli, shown in the workbench's words (gui_wording.h):
// real messages from core, not copies of them.
#include <QTemporaryDir>
#include <QTest>

#include "fovea/core/session/run_data.h"
#include "fovea/core/session/run_estimate.h"
#include "fovea/core/torch_runtime.h"
#include "gui_wording.h"

using fovea::ui::inGuiWords;

class GuiWordingTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void aFolderThatIsNotARunPointsToTheRunsPage() {
        QTemporaryDir folder;
        const auto data = fovea::core::runData(folder.path().toStdString(), "val");
        QVERIFY(!data);
        const QString core = QString::fromStdString(data.error().message);
        QVERIFY2(core.contains("--data"), qPrintable(core));  // what fovea-cli users are told
        const QString gui = inGuiWords(core);
        QVERIFY2(!gui.contains("--"), qPrintable(gui));
        QVERIFY2(gui.contains("Runs page"), qPrintable(gui));
        QVERIFY(gui.contains(folder.path()));  // the rest of the message stays
    }

    void aMissingGpuNamesTheTrainPagesDevice() {
        if (fovea::core::queryTorchRuntime().cudaAvailable) QSKIP("this machine has CUDA");
        fovea::core::RunSettings settings;
        settings.network.architecture = "resnet18";
        settings.network.weights = "none";
        settings.training.device = fovea::core::DevicePreference::Cuda;
        const auto estimate = fovea::core::estimateRunTime(settings, 2, 10, 2);
        QVERIFY(!estimate);
        const QString gui = inGuiWords(QString::fromStdString(estimate.error().message));
        QVERIFY2(!gui.contains("--"), qPrintable(gui));
        QVERIFY2(gui.contains("Train page's device"), qPrintable(gui));
    }

    void otherMessagesPassAsTheyAre() {
        const QString message = "/data/cat.jpg: not an image (the file ends early)";
        QCOMPARE(inGuiWords(message), message);
    }
};

QTEST_MAIN(GuiWordingTest)
#include "gui_wording_test.moc"
