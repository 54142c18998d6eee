#include "evaluate/run_evaluation.h"

#include <algorithm>
#include <map>

#include "fovea/core/session/evaluation.h"
#include "fovea/core/session/explain_image.h"
#include "fovea/core/session/run_records.h"
#include "widgets/rgb_image.h"

namespace fovea::ui {

struct RunEvaluation::Impl {
    QString runFolder;
    core::TrainedModel model;
    std::vector<std::string> classNames;
    core::EvaluationReport report;
    std::vector<int> evaluatedTrue;  // per outcome: its true class when evaluated
    core::ConfusionMatrix confusion;
};

RunEvaluation::RunEvaluation(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}

core::Result<std::shared_ptr<RunEvaluation>> RunEvaluation::evaluate(
    const QString& runFolder, const std::atomic<bool>* cancel,
    const std::function<void(qint64, qint64)>& progress) {
    const std::filesystem::path run = runFolder.toStdString();
    auto loaded = core::loadModelSource(run);
    if (!loaded) return loaded.error();
    core::TrainedModel& model = loaded.value().model;
    auto data = core::runData(run, "val");
    if (!data) return data.error();
    // Classes are matched by name, as fovea-cli eval does.
    std::map<std::string, std::int64_t> modelIndex;
    for (std::size_t i = 0; i < model.classNames.size(); ++i) {
        modelIndex[model.classNames[i]] = static_cast<std::int64_t>(i);
    }
    std::vector<core::LabeledImage> images;
    for (const auto& image : data.value().images) {
        const auto found = modelIndex.find(image.className);
        if (found != modelIndex.end()) images.push_back({image.id, image.path, found->second});
    }
    if (images.empty()) return core::Error{"the run has no validation images of its classes"};
    core::EvaluationOptions options;
    options.batchSize = static_cast<int>(std::max<std::int64_t>(1, data.value().batchSize));
    options.topLossCount = 0;  // ranked here, so that relabeled images can leave the list
    options.precision = data.value().precision;  // the run's validation figures, reproduced
    auto report =
        core::evaluateNetwork(*model.network, images, model.classNames, options, progress, cancel);
    if (!report) return report.error();
    auto impl = std::make_shared<Impl>();
    impl->runFolder = runFolder;
    impl->classNames = model.classNames;
    impl->model = std::move(model);
    impl->report = std::move(report).value();
    for (const auto& outcome : impl->report.outcomes) {
        impl->evaluatedTrue.push_back(static_cast<int>(outcome.trueClass));
    }
    impl->confusion = impl->report.confusion;
    return std::shared_ptr<RunEvaluation>(new RunEvaluation(std::move(impl)));
}

namespace {

RunEvaluation::Outcome toOutcome(const core::ImageOutcome& o, bool relabeled) {
    RunEvaluation::Outcome outcome;
    outcome.imageId = o.imageId;
    outcome.path = QString::fromStdString(o.path.string());
    outcome.trueClass = static_cast<int>(o.trueClass);
    outcome.predictedClass = static_cast<int>(o.predictedClass);
    outcome.predictedProbability = o.predictedProbability;
    outcome.trueProbability = o.trueProbability;
    outcome.loss = o.loss;
    outcome.relabeled = relabeled;
    return outcome;
}

}  // namespace

QString RunEvaluation::runFolder() const { return m_impl->runFolder; }

QStringList RunEvaluation::classNames() const {
    QStringList names;
    for (const auto& name : m_impl->classNames) names << QString::fromStdString(name);
    return names;
}

int RunEvaluation::classCount() const { return static_cast<int>(m_impl->classNames.size()); }
qint64 RunEvaluation::count(int truth, int predicted) const {
    return m_impl->confusion.count(truth, predicted);
}
qint64 RunEvaluation::total() const { return m_impl->confusion.total(); }
double RunEvaluation::accuracy() const { return m_impl->confusion.accuracy(); }
int RunEvaluation::topK() const { return m_impl->report.topK; }
double RunEvaluation::topKAccuracy() const { return m_impl->report.topKAccuracy; }
double RunEvaluation::meanLoss() const { return m_impl->report.meanLoss; }
double RunEvaluation::macroF1() const { return m_impl->confusion.macroF1(); }
qint64 RunEvaluation::failures() const {
    return static_cast<qint64>(m_impl->report.failures.size());
}
QString RunEvaluation::device() const {
    const core::InferenceFacts& facts = m_impl->report.inference;
    QString text = QString::fromStdString(facts.device);
    if (facts.precision != core::Precision::Float32) {
        text += QString(" in %1").arg(core::precisionName(facts.precision));
    }
    return text;
}

RunEvaluation::ClassFigures RunEvaluation::classFigures(int classIndex) const {
    const auto perClass = m_impl->confusion.perClass();
    if (classIndex < 0 || classIndex >= static_cast<int>(perClass.size())) return {};
    const core::ClassMetrics& m = perClass[static_cast<std::size_t>(classIndex)];
    return {m.precision, m.recall, m.f1, m.support};
}

QVector<RunEvaluation::Outcome> RunEvaluation::cell(int truth, int predicted) const {
    QVector<Outcome> outcomes;
    const auto& all = m_impl->report.outcomes;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].trueClass == truth && all[i].predictedClass == predicted) {
            outcomes << toOutcome(all[i], wasRelabeled(i));
        }
    }
    // The worst first, as in the top losses: the images most worth a look.
    std::stable_sort(outcomes.begin(), outcomes.end(),
                     [](const Outcome& a, const Outcome& b) { return a.loss > b.loss; });
    return outcomes;
}

QVector<RunEvaluation::Outcome> RunEvaluation::topLosses() const {
    constexpr int kShown = 50;
    std::vector<std::size_t> order;
    const auto& all = m_impl->report.outcomes;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (!wasRelabeled(i)) order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return all[a].loss > all[b].loss; });
    QVector<Outcome> outcomes;
    for (std::size_t i = 0; i < order.size() && outcomes.size() < kShown; ++i) {
        outcomes << toOutcome(all[order[i]], false);
    }
    return outcomes;
}

bool RunEvaluation::wasRelabeled(std::size_t outcome) const {
    return m_impl->report.outcomes[outcome].trueClass != m_impl->evaluatedTrue[outcome];
}

QVector<qint64> RunEvaluation::imageIds() const {
    QVector<qint64> ids;
    for (const auto& outcome : m_impl->report.outcomes) ids << outcome.imageId;
    return ids;
}

bool RunEvaluation::relabel(qint64 imageId, int newTrue) {
    if (newTrue < 0 || newTrue >= classCount()) return false;
    auto& all = m_impl->report.outcomes;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].imageId != imageId) continue;
        if (all[i].trueClass == newTrue) return false;
        m_impl->confusion.add(all[i].trueClass, all[i].predictedClass, -1);
        all[i].trueClass = newTrue;
        m_impl->confusion.add(newTrue, all[i].predictedClass, 1);
        return true;
    }
    return false;
}

core::Result<QImage> RunEvaluation::gradCamOverlay(const QString& file, int classIndex) const {
    auto explained = core::explainImage(*m_impl->model.network, file.toStdString(), classIndex);
    if (!explained) return explained.error();
    return imageFromRgb(explained.value().overlay);
}

}  // namespace fovea::ui
