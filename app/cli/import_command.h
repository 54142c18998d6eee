#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace fovea::cli {

// `fovea-cli import DIR --project PROJECT_DIR`: scans DIR into the project (created when
// missing) and reports what was added and which files are unusable. With `--task detection`
// (or `--format`, or a project that is a detection project) DIR's box files (COCO JSON, YOLO
// labels, Pascal VOC XML; found, or named by --format) are imported too, each skipped box or
// image reported with its file and line.
struct ImportOptions {
    std::filesystem::path folder;
    std::filesystem::path project;
    std::string task;    // "", "classification" or "detection"; "": the project's, else
                         // classification (detection when --format is given)
    std::string format;  // "", "auto", "coco", "yolo", "voc"
    bool json = false;
};

CLI::App* addImportCommand(CLI::App& app, ImportOptions& options);
int runImport(const ImportOptions& options);

}  // namespace fovea::cli
