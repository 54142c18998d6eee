// The Data page with 50,000 real images: how long the project takes to open, the longest time
// the GUI thread is busy (a 5 ms timer probe) while the grid is scrolled from top to bottom
// with thumbnails decoding behind, and how long one labeling key press takes.
// Run: ctest -L bench -R bench_image_browser -V  (QT_QPA_PLATFORM=offscreen is set by ctest).
#include <QApplication>
#include <QElapsedTimer>
#include <QListView>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <cstdio>

#include "data/data_page.h"
#include "data/image_list_model.h"
#include "data/thumbnail_cache.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/ui/main_window.h"
#include "stall_probe.h"

namespace {

constexpr int kImagesPerClass = 5000;  // x 10 classes

}  // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QTemporaryDir temp;
    const std::filesystem::path images = (temp.path() + "/images").toStdString();
    const std::filesystem::path project = (temp.path() + "/project").toStdString();

    QElapsedTimer clock;
    clock.start();
    fovea::core::FashionMnistFolderOptions options;
    options.part = fovea::core::FashionMnistPart::Train;
    options.imagesPerClass = kImagesPerClass;
    auto written = fovea::core::writeFashionMnistFolder(images, options);
    if (!written) {
        std::fprintf(stderr, "%s\n", written.error().message.c_str());
        return 1;
    }
    std::printf("wrote %zu PNG files in %.1f s\n", written.value().size(), clock.elapsed() / 1e3);
    {
        auto store = fovea::core::ProjectStore::create(project);
        clock.restart();
        auto report = fovea::core::importFolder(store.value(), images);
        if (!report) return 1;
        std::printf("import: %zu images in %.1f s\n", report.value().added, clock.elapsed() / 1e3);
    }

    fovea::ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) return 1;
    clock.restart();
    QString error;
    if (!window.openProject(QString::fromStdString(project.string()), &error)) return 1;
    QApplication::processEvents();
    const double openMs = clock.nsecsElapsed() / 1e6;
    auto* page = window.dataPage();
    std::printf("open project with %d images in the grid: %.0f ms\n", page->model()->rowCount(),
                openMs);

    // Scroll from top to bottom in 400 steps, letting events (thumbnails) flow for 10 ms each.
    fovea::test::StallProbe probe;
    QScrollBar* bar = page->grid()->verticalScrollBar();
    probe.restart();
    clock.restart();
    constexpr int kSteps = 400;
    for (int step = 0; step <= kSteps; ++step) {
        bar->setValue(bar->maximum() * step / kSteps);
        QTest::qWait(10);
    }
    const double scrollStall = probe.longestMs();
    std::printf("scroll through %d images (%d steps, %.1f s): longest GUI stall %.1f ms\n",
                page->model()->rowCount(), kSteps, clock.elapsed() / 1e3, scrollStall);

    // Label 200 images by key presses, one after the other.
    page->grid()->setFocus();
    page->selectImages({page->model()->record(0).id});
    probe.restart();
    clock.restart();
    constexpr int kPresses = 200;
    for (int i = 0; i < kPresses; ++i) {
        QTest::keyClick(page->grid(), Qt::Key(Qt::Key_1 + i % 9));
        QApplication::processEvents();
    }
    const double perKeyMs = clock.nsecsElapsed() / 1e6 / kPresses;
    std::printf("label by key press: %.1f ms per key (%d presses), longest stall %.1f ms\n",
                perKeyMs, kPresses, probe.longestMs());
    return 0;
}
