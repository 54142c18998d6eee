#include "project/import_work.h"

#include <QStringList>
#include <algorithm>
#include <optional>

#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"

namespace fovea::ui {

namespace {

// `unreadable`: every unreadable image the project holds after a rescan (the report lists only
// the files it read again; those known already and unchanged count too), or nullopt after an
// import, whose report lists the unreadable files it added.
QString importSummary(const core::ImportReport& report, std::optional<std::int64_t> unreadable) {
    QStringList parts;
    parts << QString("%1 new image%2").arg(report.added).arg(report.added == 1 ? "" : "s");
    if (report.updated > 0) parts << QString("%1 changed on disk").arg(report.updated);
    if (report.markedMissing > 0) parts << QString("%1 missing").arg(report.markedMissing);
    if (!report.classesCreated.empty()) {
        parts << QString("%1 new classes").arg(report.classesCreated.size());
    }
    QString text = parts.join(", ");
    const auto found = static_cast<std::int64_t>(report.unreadable.size());
    if (const std::int64_t total = std::max(unreadable.value_or(found), found); total > 0) {
        text += QString("; %1 unreadable (filter \"Unreadable or missing\")").arg(total);
    }
    if (!report.problems.empty()) {
        text += QString("; %1 problem%2, first: %3")
                    .arg(report.problems.size())
                    .arg(report.problems.size() == 1 ? "" : "s")
                    .arg(QString::fromStdString(report.problems.front().message));
    }
    return text;
}

QString progressText(const core::ImportProgress& progress) {
    switch (progress.phase) {
        case core::ImportProgress::Phase::Listing:
            return QString("listing files (%1)").arg(progress.done);
        case core::ImportProgress::Phase::Probing:
            return QString("reading %1 of %2").arg(progress.done).arg(progress.total);
        case core::ImportProgress::Phase::Saving:
            return "saving";
    }
    return {};
}

}  // namespace

BackgroundJob::Outcome runImport(BackgroundJob& job, const std::filesystem::path& projectFolder,
                                 const std::filesystem::path& folder) {
    // The worker opens its own connection: ProjectStore is not shared between threads.
    auto store = core::ProjectStore::open(projectFolder);
    if (!store) return {false, QString::fromStdString(store.error().message)};
    auto progress = [&job](const core::ImportProgress& p) {
        job.reportProgress(static_cast<qint64>(p.done), static_cast<qint64>(p.total),
                           progressText(p));
    };
    core::Result<core::ImportReport> report = core::Error{};
    if (folder.empty()) {
        core::RescanOptions options;
        options.progress = progress;
        options.cancel = job.cancelFlag();
        report = core::rescanProject(store.value(), options);
    } else {
        core::FolderImportOptions options;
        options.progress = progress;
        options.cancel = job.cancelFlag();
        report = core::importFolder(store.value(), folder, options);
    }
    if (!report) return {false, QString::fromStdString(report.error().message)};
    std::optional<std::int64_t> unreadable;
    if (folder.empty()) {
        core::ImageFilter failed;
        failed.hasError = core::Require::Yes;
        failed.missing = core::Require::No;  // counted as missing instead
        // The rescan is saved whatever this says: without the count, the report's figure.
        if (auto count = store.value().imageCount(failed)) unreadable = count.value();
    }
    return {true, importSummary(report.value(), unreadable)};
}

}  // namespace fovea::ui
