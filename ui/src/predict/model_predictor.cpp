#include "predict/model_predictor.h"

#include <QDir>
#include <QFileInfo>

#include "fovea/core/session/explain_image.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_records.h"
#include "widgets/rgb_image.h"

namespace fovea::ui {

struct ModelPredictor::Impl {
    QString source;
    core::TrainedModel model;
};

ModelPredictor::ModelPredictor(std::shared_ptr<Impl> impl) : m_impl(std::move(impl)) {}

core::Result<std::shared_ptr<ModelPredictor>> ModelPredictor::load(const QString& source) {
    auto loaded = core::loadModelSource(source.toStdString());
    if (!loaded) return loaded.error();
    auto impl = std::make_shared<Impl>();
    impl->source = source;
    impl->model = std::move(loaded.value().model);
    return std::shared_ptr<ModelPredictor>(new ModelPredictor(std::move(impl)));
}

QString ModelPredictor::source() const { return m_impl->source; }

QString ModelPredictor::architecture() const {
    return QString::fromStdString(core::architectureOf(m_impl->model));
}

QStringList ModelPredictor::classNames() const {
    QStringList names;
    for (const auto& name : m_impl->model.classNames) names << QString::fromStdString(name);
    return names;
}

namespace {

core::ImagePrediction toCore(const ModelPredictor::Prediction& p) {
    core::ImagePrediction prediction;
    prediction.path = p.path.toStdString();
    for (const auto& score : p.top) {
        prediction.top.push_back({score.index, score.label.toStdString(), score.probability});
    }
    if (!p.error.isEmpty()) prediction.error = p.error.toStdString();
    return prediction;
}

ModelPredictor::Prediction fromCore(const core::ImagePrediction& p) {
    ModelPredictor::Prediction prediction;
    prediction.path = QString::fromStdString(p.path.string());
    for (const auto& score : p.top) {
        prediction.top.push_back({static_cast<int>(score.index),
                                  QString::fromStdString(score.label), score.probability});
    }
    if (p.error) prediction.error = QString::fromStdString(*p.error);
    return prediction;
}

}  // namespace

QString ModelPredictor::identityOf(const QString& path) {
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

core::Result<ModelPredictor::Batch> ModelPredictor::predict(
    const QStringList& inputs, const QSet<QString>& listed, int topK,
    const std::atomic<bool>* cancel, const std::function<void(qint64, qint64)>& progress) {
    std::vector<std::filesystem::path> paths;
    for (const QString& input : inputs) paths.emplace_back(input.toStdString());
    const core::ImageFileList found = core::collectImageFiles(paths);

    // Left out before predicting: a folder added again costs no inference.
    Batch batch;
    QSet<QString> seen = listed;
    auto isNew = [&](const QString& identity) {
        if (seen.contains(identity)) {
            ++batch.alreadyListed;
            return false;
        }
        seen.insert(identity);
        return true;
    };
    std::vector<std::filesystem::path> files;
    QStringList identities;
    for (const auto& file : found.files) {
        const QString identity = identityOf(QString::fromStdString(file.string()));
        if (!isNew(identity)) continue;
        files.push_back(file);
        identities << identity;
    }
    if (!files.empty()) {
        core::PredictionOptions options;
        options.topK = topK;
        auto predicted = core::predictImages(*m_impl->model.network, files,
                                             m_impl->model.classNames, options, progress, cancel);
        if (!predicted) return predicted.error();
        for (std::size_t i = 0; i < predicted.value().size(); ++i) {
            Prediction prediction = fromCore(predicted.value()[i]);
            prediction.identity = identities[static_cast<qsizetype>(i)];
            batch.predictions << prediction;
        }
    }
    for (const auto& problem : found.problems) {
        const QString path = QString::fromStdString(problem.path.string());
        const QString identity = identityOf(path);
        if (!isNew(identity)) continue;
        batch.predictions << Prediction{
            path, identity, {}, QString::fromStdString(problem.message)};
    }
    return batch;
}

core::Result<QImage> ModelPredictor::gradCamOverlay(const QString& file, int classIndex) {
    auto explained = core::explainImage(*m_impl->model.network, file.toStdString(), classIndex);
    if (!explained) return explained.error();
    return imageFromRgb(explained.value().overlay);
}

core::Result<void> ModelPredictor::writeCsv(const QString& file,
                                            const QVector<Prediction>& predictions, int topK) {
    std::vector<core::ImagePrediction> rows;
    for (const auto& p : predictions) rows.push_back(toCore(p));
    return core::writePredictionsCsv(file.toStdString(), rows, topK);
}

}  // namespace fovea::ui
