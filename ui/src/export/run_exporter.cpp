#include "export/run_exporter.h"

#include <algorithm>

#include "fovea/core/session/export_model.h"
#include "fovea/core/session/model_bundle.h"
#include "fovea/core/session/run_records.h"

namespace fovea::ui {

QStringList exportFormatNames() {
    QStringList names;
    for (core::ExportFormat format : core::allExportFormats()) {
        names << QString::fromStdString(core::exportFormatName(format));
    }
    return names;
}

core::Result<ExportOutcome> exportModelBundle(const QString& source, const QStringList& formats,
                                              const QString& folder,
                                              const ExportProgress& progress) {
    std::vector<core::ExportFormat> chosen;
    for (const QString& name : formats) {
        const auto format = core::parseExportFormat(name.toStdString());
        if (!format) return core::Error{"unknown export format '" + name.toStdString() + "'"};
        chosen.push_back(*format);
    }
    auto inputs = core::exportInputs(source.toStdString());
    if (!inputs) return inputs.error();
    core::BundleProgress bundleProgress;
    if (progress) {
        bundleProgress = [&](std::size_t done, std::size_t total, const std::string& next) {
            return progress(static_cast<qint64>(done), static_cast<qint64>(total),
                            QString::fromStdString(next));
        };
    }
    auto written =
        core::writeModelBundle(inputs.value().loaded.model, chosen, folder.toStdString(),
                               inputs.value().parityImages, inputs.value().facts, bundleProgress);
    if (!written) return written.error();
    ExportOutcome outcome;
    outcome.folder = QString::fromStdString(written.value().folder.string());
    for (const auto& note : inputs.value().notes) outcome.notes << QString::fromStdString(note);
    for (const auto& file : written.value().files) {
        ExportedFileInfo info;
        info.format = QString::fromStdString(core::exportFormatName(file.format));
        info.file = QString::fromStdString(file.file.string());
        info.runtime = QString::fromStdString(file.parity.runtime);
        info.inputs = QString::fromStdString(file.parity.inputs);
        info.compared = file.parity.compared;
        info.agreement = file.parity.agreement;
        info.maxProbabilityDifference = file.parity.maxProbabilityDifference;
        info.passed = file.parity.passed;
        // model.safetensors is never a choice (its box is always ticked): it counts as the
        // bundle's own file, not one the user asked for.
        info.requested = file.format != core::ExportFormat::Safetensors &&
                         std::find(chosen.begin(), chosen.end(), file.format) != chosen.end();
        if (file.format == core::ExportFormat::Safetensors) {
            // core::writeModelBundle: model.safetensors is in every bundle (model_bundle.h).
            info.reason = "always written";
            info.reasonInFull =
                "Every bundle holds model.safetensors: it is the bundle's own copy of the "
                "weights, which the Predict page (and fovea-cli predict) opens.";
        } else if (info.requested) {
            info.reason.clear();  // what was asked for needs no reason in the table
            info.reasonInFull = "Written because its format was ticked.";
        } else {
            info.reason = "written with the bundle";
            info.reasonInFull = "Not ticked, but part of every bundle.";
        }
        outcome.files << info;
    }
    return outcome;
}

}  // namespace fovea::ui
