#pragma once

// Set-up shared by the GUI tests that drive the whole window: private settings, a new project
// imported through the window, a small fast network, a short training run.

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

#include "fovea/ui/main_window.h"
#include "model/model_page.h"
#include "train/train_page.h"
#include "widgets/background_job.h"

namespace fovea::test {

// Keeps the user's real settings (recent projects, window state) out of the test.
inline void useTestSettings(const char* application) {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("FoveaTest");
    QCoreApplication::setApplicationName(application);
    QSettings().clear();
}

// File ▸ New Project's code path over `images`; true once the import finished well.
// Whether `spy` has its signal or gets it within `ms`. QSignalSpy::wait() alone waits for the
// *next* emission: a job that finished before wait() was entered (a fast import on a busy
// machine) would time out.
inline bool received(QSignalSpy& spy, int ms) { return !spy.isEmpty() || spy.wait(ms); }

inline bool importNewProject(ui::MainWindow& window, const QString& projectFolder,
                             const QString& images) {
    QSignalSpy finished(window.importJob(), &ui::BackgroundJob::finished);
    QString error;
    if (!window.createProject(projectFolder, images, &error)) {
        qWarning() << error;
        return false;
    }
    return received(finished, 60000) && finished.first().at(0).toBool();
}

// MobileNetV3-Small from random weights at 64 px: trains in seconds on two cores.
inline bool chooseSmallNetwork(ui::MainWindow& window) {
    auto* model = window.modelPage();
    model->setArchitecture("mobilenet_v3_small");
    model->setWeights("none");
    model->findChild<QSpinBox*>("imageSizeSpin")->setValue(64);
    QElapsedTimer waited;
    waited.start();
    while (!model->isNetworkReady() && waited.elapsed() < 30000) QTest::qWait(50);
    return model->isNetworkReady() && model->selection().architecture == "mobilenet_v3_small";
}

// The Train page set for a short run: batch 8, no augmentation.
inline void setShortRun(ui::TrainPage& page, int epochs) {
    core::RunSettings settings = page.request().settings;
    settings.training.epochs = epochs;
    settings.batchSize = 8;
    settings.augment = core::AugmentationLevel::None;
    page.setSettings(settings);
}

}  // namespace fovea::test
