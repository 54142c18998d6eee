// Takes the README's screenshots of the workbench on a real project: opens it, shows each page
// as a user would leave it, and saves the window as PNG files. Run under Xvfb by
// packaging/screenshots.sh (any Qt platform works; the window grabs itself). A detection
// project (the detection demo's, with its trained run runs/demo) gets the detection-*.png of
// the README's "Object detection" section instead.
// Usage: screenshot_tour PROJECT_DIR OUTPUT_DIR
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QListWidget>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <cstdio>
#include <set>

#include "data/box_canvas.h"
#include "data/box_editor.h"
#include "data/data_page.h"
#include "data/image_list_model.h"
#include "data/suggestion_bar.h"
#include "data/thumbnail_cache.h"
#include "evaluate/detection_error_browser.h"
#include "evaluate/detection_evaluation_view.h"
#include "evaluate/evaluate_page.h"
#include "evaluate/run_evaluation.h"
#include "export/export_page.h"
#include "fovea/core/tensor_memory.h"
#include "fovea/core/threads.h"
#include "fovea/ui/main_window.h"
#include "health/health_page.h"
#include "model/model_page.h"
#include "predict/detection_predict_view.h"
#include "predict/predict_page.h"
#include "project/project_session.h"
#include "runs/run_comparison.h"
#include "runs/runs_page.h"
#include "train/lr_finder_panel.h"
#include "train/train_page.h"
#include "train/training_charts.h"
#include "train/training_worker.h"

namespace {

bool waitFor(const std::function<bool()>& condition, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > timeoutMs) return false;
        QTest::qWait(50);
    }
    return true;
}

bool save(QWidget& window, const QString& file) {
    QTest::qWait(300);  // the last replot and repaint
    const bool saved = window.grab().save(file);
    std::printf("%s %s\n", saved ? "wrote" : "could not write", qPrintable(file));
    return saved;
}

// The detection pages from the project's trained run, runs/demo (no training here: the run's
// own history fills the Train page's charts, as following it shows them).
bool detectionTour(fovea::ui::MainWindow& window, const QDir& out) {
    namespace core = fovea::core;
    auto& store = window.session()->store();
    const QString run = window.session()->runsFolder() + "/demo";
    // Data: a validation image with three boxes, one taken away, so that the run suggests it
    // back (dashed, "class? 87%") beside the two kept; the first kept is selected (handles).
    auto* data = window.dataPage();
    std::optional<qint64> chosen;
    QStringList validation;
    for (int row = 0; row < data->model()->rowCount(); ++row) {
        const auto& record = data->model()->record(row);
        if (record.split != core::Split::Val) continue;
        validation << QString::fromStdString(record.path.string());
        const auto annotation = store.annotation(record.id);
        if (!chosen && annotation && annotation.value().boxes.size() == 3) chosen = record.id;
    }
    if (!chosen) {
        std::fprintf(stderr, "no validation image with three boxes\n");
        return false;
    }
    window.showPage("Data");
    data->selectImages({*chosen});
    auto* editor = data->boxEditor();
    auto* canvas = editor->canvas();
    waitFor([&] { return editor->hasPixels(); }, 20000);
    canvas->selectBox(0);
    canvas->setFocus();
    QTest::keyClick(canvas, Qt::Key_Delete);
    const bool suggested = waitFor([&] { return !canvas->suggestions().empty(); }, 120000);
    canvas->selectBox(0);
    waitFor([&] { return data->thumbnails()->pendingCount() == 0; }, 20000);
    if (!suggested) std::fprintf(stderr, "the run suggested no box on the Data page\n");
    bool ok = save(window, out.filePath("detection-data.png")) && suggested;

    window.showPage("Model");
    ok = save(window, out.filePath("detection-model.png")) && ok;

    // Train: the run's four losses and its validation mAP and AP50, epoch by epoch.
    window.showPage("Train");
    auto* train = window.trainPage();
    QString error;
    if (!train->followRun(run, &error)) std::fprintf(stderr, "%s\n", qPrintable(error));
    ok = waitFor([&] { return train->charts()->epochPoints() > 0; }, 60000) && ok;
    QTest::qWait(1000);  // the last epochs read
    ok = save(window, out.filePath("detection-train.png")) && ok;

    // Evaluate: COCO's figures and the detections of a wrong class, the first one opened.
    window.showPage("Evaluate");
    auto* evaluate = window.evaluatePage();
    auto* view = evaluate->detectionView();
    if (evaluate->runFolder() != run) evaluate->evaluateRun(run);
    ok = waitFor([&] { return view->result() != nullptr; }, 600000) && ok;
    view->errorBrowser()->showKind(fovea::ui::DetectionErrorKind::WrongClass);
    view->errorBrowser()->tiles()->setCurrentRow(0);
    QTest::qWait(1500);  // thumbnails
    ok = save(window, out.filePath("detection-evaluate.png")) && ok;

    // Predict: the validation images' boxes, one with the most shown up to three (more crowd
    // their labels).
    window.showPage("Predict");
    auto* predict = window.predictPage();
    auto* boxes = predict->detectionView();
    if (boxes->source() != run) predict->setModelSource(run);
    ok = waitFor([&] { return boxes->hasModel(); }, 120000) && ok;
    bool predicted = false;
    QObject::connect(predict, &fovea::ui::PredictPage::predicted, [&] { predicted = true; });
    predict->addInputs(validation.mid(0, 16));
    ok = waitFor([&] { return predicted; }, 300000) && ok;
    const auto shown = boxes->shownDetections();
    std::size_t most = 0;
    for (std::size_t i = 0; i < shown.size(); ++i) {
        const auto boxes = shown[i].boxes.size();
        if (boxes <= 3 && boxes > shown[most].boxes.size()) most = i;
    }
    boxes->selectImage(static_cast<int>(most));
    ok = save(window, out.filePath("detection-predict.png")) && ok;
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    fovea::core::configureIntraOpThreads();
    fovea::core::adviseHugePagesForLargeTensors();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("FoveaScreenshots");
    if (argc != 3) {
        std::fprintf(stderr, "usage: screenshot_tour PROJECT_DIR OUTPUT_DIR\n");
        return 2;
    }
    const QString project = argv[1];
    const QDir out(argv[2]);
    fovea::ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    QString error;
    if (!window.openProject(project, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    if (window.session()->store().projectTask() == fovea::core::ProjectTask::Detection) {
        return detectionTour(window, out) ? 0 : 1;
    }
    auto* data = window.dataPage();
    // A watch set: one validation image of each of six classes, whose predictions follow every
    // epoch.
    QList<qint64> watched;
    std::set<fovea::core::ClassId> watchedClasses;
    for (int row = 0; row < data->model()->rowCount() && watched.size() < 6; ++row) {
        const auto& record = data->model()->record(row);
        if (record.classId && record.split == fovea::core::Split::Val &&
            watchedClasses.insert(*record.classId).second) {
            watched << record.id;
        }
    }
    window.session()->setWatched(watched, true);

    waitFor([&] { return data->thumbnails()->pendingCount() == 0; }, 20000);
    bool ok = save(window, out.filePath("data-page.png"));

    window.showPage("Model");
    auto* model = window.modelPage();
    // The demo's recipe: the offline MobileNetV2 at 96 px, its ImageNet blocks frozen.
    model->setArchitecture("mobilenet_v2_keras");
    model->setWeights("default");
    model->findChild<QSpinBox*>("imageSizeSpin")->setValue(96);
    waitFor([&] { return model->isNetworkReady(); }, 60000);
    ok = save(window, out.filePath("model-page.png")) && ok;

    window.showPage("Train");
    auto* train = window.trainPage();
    fovea::core::RunSettings settings = train->request().settings;
    settings.training.epochs = 6;
    settings.batchSize = 32;
    train->setSettings(settings);
    // The learning-rate range test's curve (its suggestion is shown, not applied: the demo
    // keeps its recipe).
    bool tested = false;
    QObject::connect(train->learningRateFinder(), &fovea::ui::LearningRateFinderPanel::finished,
                     [&] { tested = true; });
    train->learningRateFinder()->setSteps(60);
    if (train->learningRateFinder()->start(&error)) waitFor([&] { return tested; }, 600000);
    bool finished = false;
    QObject::connect(train, &fovea::ui::TrainPage::trainingFinished, [&] { finished = true; });
    if (!train->startTraining(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    waitFor([&] { return train->charts()->epochPoints() >= 3; }, 600000);
    ok = save(window, out.filePath("train-page-running.png")) && ok;
    waitFor([&] { return finished; }, 600000);
    ok = save(window, out.filePath("train-page.png")) && ok;

    // The finished run is evaluated in the background; show its worst confusion.
    auto* evaluate = window.evaluatePage();
    waitFor([&] { return evaluate->evaluation() != nullptr; }, 300000);
    window.showPage("Evaluate");
    if (const auto* e = evaluate->evaluation()) {
        int truth = 0;
        int predicted = 0;
        qint64 worst = -1;
        for (int t = 0; t < e->classCount(); ++t) {
            for (int p = 0; p < e->classCount(); ++p) {
                if (t != p && e->count(t, p) > worst) {
                    worst = e->count(t, p);
                    truth = t;
                    predicted = p;
                }
            }
        }
        evaluate->showCell(truth, predicted);
    }
    evaluate->setGradCamShown(true);
    waitFor([&] { return evaluate->gradCamsShown() > 0; }, 60000);
    QTest::qWait(1500);  // thumbnails
    ok = save(window, out.filePath("evaluate-page.png")) && ok;

    // The trained model on images it has never seen: the project's unlabeled ones.
    window.showPage("Predict");
    auto* predict = window.predictPage();
    waitFor([&] { return predict->predictor() != nullptr; }, 60000);
    QStringList unlabeled;
    if (auto images = window.session()->store().images()) {
        for (const auto& image : images.value()) {
            if (!image.classId && unlabeled.size() < 24) {
                unlabeled << QString::fromStdString(image.path.string());
            }
        }
    }
    bool predictedAll = false;
    QObject::connect(predict, &fovea::ui::PredictPage::predicted, [&] { predictedAll = true; });
    predict->addInputs(unlabeled);
    waitFor([&] { return predictedAll; }, 60000);
    predict->selectPrediction(0);
    predict->setGradCamShown(true);
    waitFor([&] { return predict->gradCamsShown() > 0; }, 60000);
    ok = save(window, out.filePath("predict-page.png")) && ok;

    // Export ONNX and TorchScript through the parity gate.
    window.showPage("Export");
    auto* exportPage = window.exportPage();
    exportPage->setFormats({"onnx", "torchscript"});
    bool exportedAll = false;
    QObject::connect(exportPage, &fovea::ui::ExportPage::exported, [&] { exportedAll = true; });
    if (!exportPage->startExport(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    waitFor([&] { return exportedAll; }, 300000);
    ok = save(window, out.filePath("export-page.png")) && ok;

    // A second run at a higher learning rate, stopped after two epochs: the Runs page lists
    // both, and compares them.
    const QString firstRun = train->currentRunFolder();
    window.showPage("Train");
    settings.training.learningRate = 3e-3;
    settings.training.epochs = 6;
    train->setSettings(settings);
    finished = false;
    if (!train->startTraining(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    waitFor([&] { return train->charts()->epochPoints() >= 2; }, 600000);
    train->stopTraining();
    waitFor([&] { return finished; }, 600000);
    window.showPage("Runs");
    auto* runs = window.runsPage();
    runs->refresh();
    runs->selectRuns({firstRun, train->currentRunFolder()});
    ok = save(window, out.filePath("runs-page.png")) && ok;
    if (auto* comparison = runs->compareRuns({firstRun, train->currentRunFolder()})) {
        comparison->resize(1280, 800);
        comparison->show();
        QTest::qWait(500);
        ok = save(*comparison, out.filePath("runs-compare.png")) && ok;
        comparison->close();
    }

    // The first run suggests labels for the unlabeled images: hollow bands with percentages.
    window.showPage("Data");
    bool suggested = false;
    QObject::connect(data->suggestionBar(), &fovea::ui::SuggestionBar::suggestionsStored,
                     [&] { suggested = true; });
    if (!data->suggestionBar()->suggestLabels(firstRun, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    ok = waitFor([&] { return suggested; }, 600000) && ok;
    fovea::ui::ImageViewFilter suggestedOnly;
    suggestedOnly.kind = fovea::ui::ImageViewFilter::Kind::Suggested;
    data->setFilter(suggestedOnly);
    QTest::qWait(500);
    ok = save(window, out.filePath("data-suggestions.png")) && ok;

    // The Health page after a check: its label issues, and the embedding map.
    window.showPage("Health");
    auto* health = window.healthPage();
    bool checked = false;
    QObject::connect(health, &fovea::ui::HealthPage::checked, [&] { checked = true; });
    if (!health->checkDataset()) {
        std::fprintf(stderr, "the dataset check did not start\n");
        return 1;
    }
    ok = waitFor([&] { return checked; }, 600000) && ok;
    for (int tab = 0; tab < health->tabs()->count(); ++tab) {
        const QString name = health->tabs()->tabText(tab);
        if (name.startsWith("Label issues")) {
            health->tabs()->setCurrentIndex(tab);
            ok = save(window, out.filePath("health-label-issues.png")) && ok;
        } else if (name.startsWith("Map")) {
            health->tabs()->setCurrentIndex(tab);
            ok = save(window, out.filePath("health-map.png")) && ok;
        }
    }

    // What a window without a project shows.
    fovea::ui::MainWindow empty;
    empty.resize(1280, 800);
    empty.show();
    QTest::qWait(500);
    ok = save(empty, out.filePath("start-page.png")) && ok;
    return ok ? 0 : 1;
}
