#include "gui_wording.h"

#include <utility>

namespace fovea::ui {

namespace {

// core's wording -> the workbench's, longest first where one contains another.
const std::pair<const char*, const char*> kReplacements[] = {
    {"packaging/setup.sh installs nsfwjs and `fovea-cli prepare-offline-weights` converts it",
     kPrepareOfflineWeights},
    {"use a smaller --batch-size, or --batch-size auto to find the largest that fits",
     "choose a smaller batch size on the Train page, or auto (below 1) to find the largest that "
     "fits"},
    {"try a smaller --image-size or a smaller network",
     "try a smaller input size (Model or Train page) or a smaller network"},
    {"--weights none has nothing to show", "random weights have nothing to show"},
    {"use --weights none",
     "choose Random initialisation under Weights on the Model page, or a weight file"},
    {"use --device auto or cpu", "choose auto or cpu as the Train page's device"},
    {"--device cuda was asked for", "the CUDA device was chosen"},
    {"--batch-size auto", "Batch size auto"},
    {" (trained with --val-fraction 0); use --split train or all",
     " (it was trained with no validation share)"},
    {"; pass --data DIR to evaluate on a folder or project",
     "; choose a run folder (the Runs page lists them)"},
};

}  // namespace

QString inGuiWords(const QString& coreMessage) {
    QString message = coreMessage;
    for (const auto& [cli, gui] : kReplacements) message.replace(QString(cli), QString(gui));
    return message;
}

}  // namespace fovea::ui
