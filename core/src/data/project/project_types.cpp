#include "fovea/core/project/project_types.h"

#include <cctype>

namespace fovea::core {
namespace {

std::string lowerTrimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower;
}

}  // namespace

const char* splitName(Split split) {
    switch (split) {
        case Split::Train:
            return "train";
        case Split::Val:
            return "val";
        case Split::Test:
            return "test";
    }
    return "train";
}

std::optional<Split> parseSplitName(std::string_view name) {
    const std::string lower = lowerTrimmed(name);
    if (lower == "train" || lower == "training") return Split::Train;
    if (lower == "val" || lower == "valid" || lower == "validation") return Split::Val;
    if (lower == "test" || lower == "testing") return Split::Test;
    return std::nullopt;
}

const char* folderLayoutName(FolderLayout layout) {
    switch (layout) {
        case FolderLayout::Auto:
            return "auto";
        case FolderLayout::Flat:
            return "flat";
        case FolderLayout::ImageFolder:
            return "imagefolder";
        case FolderLayout::SplitImageFolder:
            return "split-imagefolder";
    }
    return "auto";
}

std::optional<FolderLayout> parseFolderLayoutName(std::string_view name) {
    const std::string lower = lowerTrimmed(name);
    for (FolderLayout layout : {FolderLayout::Auto, FolderLayout::Flat, FolderLayout::ImageFolder,
                                FolderLayout::SplitImageFolder}) {
        if (lower == folderLayoutName(layout)) return layout;
    }
    return std::nullopt;
}

const char* projectTaskName(ProjectTask task) {
    return task == ProjectTask::Detection ? "detection" : "classification";
}

std::optional<ProjectTask> parseProjectTaskName(std::string_view name) {
    const std::string lower = lowerTrimmed(name);
    if (lower == "classification") return ProjectTask::Classification;
    if (lower == "detection") return ProjectTask::Detection;
    return std::nullopt;
}

}  // namespace fovea::core
