#include "export/detection_exporter.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <filesystem>

#include "fovea/core/session/detection_export.h"
#include "fovea/core/session/export_model.h"

namespace fovea::ui {

QStringList detectionExportFormatNames() {
    QStringList names;
    for (core::ExportFormat format : core::allExportFormats()) {
        if (core::checkDetectionExportFormat(format)) {
            names << QString::fromStdString(core::exportFormatName(format));
        }
    }
    return names;
}

core::Result<ExportOutcome> exportDetectionFiles(const QString& runFolder,
                                                 const QStringList& formats, const QString& folder,
                                                 const ExportProgress& progress) {
    std::vector<core::ExportFormat> chosen;
    for (const QString& name : formats) {
        const auto format = core::parseExportFormat(name.toStdString());
        if (!format) return core::Error{"unknown export format '" + name.toStdString() + "'"};
        if (auto supported = core::checkDetectionExportFormat(*format); !supported) {
            return supported.error();
        }
        chosen.push_back(*format);
    }
    const QString target = QDir::cleanPath(QDir(folder).absolutePath());
    const QString parent = QFileInfo(target).absolutePath();
    if (!QDir().mkpath(parent)) return core::Error{"cannot create " + parent.toStdString()};
    // Beside the destination, so the files move in by rename; removed with whatever it holds.
    QTemporaryDir staging(parent + "/.fovea-export-XXXXXX");
    if (!staging.isValid()) {
        return core::Error{"cannot write in " + parent.toStdString() + ": " +
                           staging.errorString().toStdString()};
    }
    ExportOutcome outcome;
    outcome.folder = target;
    const auto total = static_cast<qint64>(chosen.size());
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const QString name = QString("model") + core::exportFileExtension(chosen[i]);
        if (progress && !progress(static_cast<qint64>(i), total, name)) {
            return core::Error{"cancelled", core::ErrorKind::Cancelled};
        }
        auto written = core::exportDetectionRun(runFolder.toStdString(), chosen[i],
                                                staging.filePath(name).toStdString());
        ExportedFileInfo info;
        info.format = formats[static_cast<int>(i)];
        info.file = QDir(target).filePath(name);
        info.requested = true;
        info.detection = true;
        if (!written) {
            if (written.error().kind == core::ErrorKind::Cancelled) return written.error();
            // Listed with the files checked before it, none of which is moved in.
            info.failure = QString::fromStdString(written.error().message);
            outcome.failure = info.failure;
            outcome.files << info;
            return outcome;
        }
        const core::DetectionParityReport& parity = written.value().parity;
        info.runtime = QString::fromStdString(parity.runtime);
        info.inputs = QString::fromStdString(parity.inputs);
        info.compared = parity.compared;
        info.passed = parity.passed;
        info.reasonInFull = "Written because its format was ticked.";
        info.agreeing = parity.agreeing;
        info.boxes = parity.boxes;
        info.maxBoxDifference = parity.maxBoxDifference;
        info.maxScoreDifference = parity.maxScoreDifference;
        info.exportedMillisecondsPerImage = parity.exportedMillisecondsPerImage;
        info.inAppMillisecondsPerImage = parity.inAppMillisecondsPerImage;
        info.limits = QString::fromStdString(parity.limits);
        for (const auto& skipped : parity.skippedImages) {
            outcome.notes << "skipped " + QString::fromStdString(skipped);
        }
        if (parity.inputs != "validation images") {
            outcome.notes << QString("%1 was checked on %2").arg(name, info.inputs);
        }
        outcome.files << info;
    }
    if (progress && !progress(total, total, "moving the files into place")) {
        return core::Error{"cancelled", core::ErrorKind::Cancelled};
    }
    if (!QDir().mkpath(target)) return core::Error{"cannot create " + target.toStdString()};
    for (const ExportedFileInfo& file : outcome.files) {
        std::error_code error;
        // rename replaces an earlier export's file of the same name in one step.
        std::filesystem::rename(staging.filePath(QFileInfo(file.file).fileName()).toStdString(),
                                file.file.toStdString(), error);
        if (error) {
            return core::Error{"cannot move " + file.file.toStdString() +
                               " into place: " + error.message()};
        }
    }
    return outcome;
}

}  // namespace fovea::ui
