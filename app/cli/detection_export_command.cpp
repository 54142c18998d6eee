#include "detection_export_command.h"

#include <sstream>

#include "cli_output.h"
#include "exit_codes.h"
#include "fovea/core/session/detection_export.h"

namespace fovea::cli {

int runDetectionExport(const ExportOptions& o, const std::vector<core::ExportFormat>& formats) {
    const bool json = o.json;
    if (formats.size() != 1 || o.bundle) {
        return reportError(json, kExitUsage,
                           "detection runs export one format at a time, without --bundle (yet)");
    }
    const core::ExportFormat format = formats.front();
    if (auto supported = core::checkDetectionExportFormat(format); !supported) {
        return reportError(json, exitCodeFor(supported.error().kind), supported.error().message);
    }
    std::filesystem::path destination = o.out;
    if (std::filesystem::is_directory(destination)) {
        destination /= std::string("model") + core::exportFileExtension(format);
    }
    auto exported = core::exportDetectionRun(o.run, format, destination,
                                             static_cast<std::size_t>(o.parityImages));
    if (!exported) {
        return reportError(json, exitCodeFor(exported.error().kind), exported.error().message);
    }
    const core::DetectionParityReport& parity = exported.value().parity;
    const nlohmann::json result{
        {"files", nlohmann::json::array({{{"format", core::exportFormatName(format)},
                                          {"file", exported.value().file.string()},
                                          {"parity", core::toJson(parity)}}})}};
    std::ostringstream text;
    text << core::exportFormatName(format) << ": " << exported.value().file.string()
         << "\n  parity: " << parity.runtime << ", " << parity.agreeing << " of " << parity.compared
         << " " << parity.inputs << " agree (" << parity.boxes << " boxes), max box difference "
         << parity.maxBoxDifference << " px, max score difference " << parity.maxScoreDifference
         << "\n  time per image: exported " << parity.exportedMillisecondsPerImage << " ms, in-app "
         << parity.inAppMillisecondsPerImage << " ms\n";
    if (parity.boxes == 0) {
        text << "  note: the model found no boxes above its score threshold on these images, so "
                "the gate could compare only that both find none\n";
    }
    for (const auto& skipped : parity.skippedImages) text << "  skipped " << skipped << "\n";
    printResult(json, result, text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
