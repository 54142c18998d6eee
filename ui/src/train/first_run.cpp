#include "train/first_run.h"

#include <algorithm>

namespace fovea::ui {

namespace {

// Images far smaller than the network's input are only blown up: 96 px keeps what they hold.
constexpr int kSmallImageSide = 64;

double secondsAt(const core::RunTimeEstimate& estimate, std::int64_t epochs, int size) {
    const double area = static_cast<double>(size) * size /
                        (static_cast<double>(estimate.imageSize) * estimate.imageSize);
    return core::estimatedSecondsFor(estimate, epochs) * area;
}

}  // namespace

FirstRunChoice chooseFirstRun(const core::RunTimeEstimate& estimate, std::int64_t epochs,
                              int dataSide, double targetSeconds) {
    FirstRunChoice choice{epochs, estimate.imageSize, false, {}};
    if (estimate.imageSize <= 0 || estimate.device.rfind("cpu", 0) != 0) return choice;
    if (dataSide > 0 && dataSide <= kSmallImageSide && estimate.imageSize > kSmallestFirstRunSize) {
        choice.imageSize = kSmallestFirstRunSize;
    }
    while (choice.epochs > kFirstRunMinimumEpochs &&
           secondsAt(estimate, choice.epochs, choice.imageSize) > targetSeconds) {
        --choice.epochs;
    }
    while (choice.imageSize - 32 >= kSmallestFirstRunSize &&
           secondsAt(estimate, choice.epochs, choice.imageSize) > targetSeconds) {
        choice.imageSize -= 32;
    }
    choice.changed = choice.epochs != epochs || choice.imageSize != estimate.imageSize;
    if (choice.changed) {
        choice.note = QString(
                          "First run: %1 epochs at %2 px, chosen to finish quickly on this "
                          "CPU; raise them once you have seen the whole loop.")
                          .arg(choice.epochs)
                          .arg(choice.imageSize);
    }
    return choice;
}

}  // namespace fovea::ui
