#pragma once

// A project's dataset health, before any training: duplicate images (exact and near, with
// train/validation leaks), unreadable and missing files, and the balance of its classes.
// Free of LibTorch; label issues and the embedding map need a network and live in
// session/label_issues.h.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fovea/core/health/duplicate_groups.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::core {

struct DuplicateFinding {
    DuplicateKind kind = DuplicateKind::Exact;
    std::vector<ImageId> images;               // in id order
    std::vector<std::filesystem::path> paths;  // the same images' files
    std::vector<std::optional<Split>> splits;  // and their splits
    // Copies in the training split and in validation or test: the model is scored on images it
    // was trained on.
    bool leak = false;
};

struct UnreadableImage {
    ImageId image = 0;
    std::filesystem::path path;
    std::string error;  // names the file and the problem; "not found" for a missing file
};

struct ClassBalance {
    std::string name;        // empty for the unlabeled images
    std::int64_t count = 0;  // usable images with this label
    std::int64_t train = 0;
    std::int64_t val = 0;
    std::int64_t test = 0;
    std::int64_t unassigned = 0;
    // N / (K n_c) over the labeled classes: what a class-weighted loss gives each class.
    double suggestedWeight = 1;
};

// An image whose label is probably wrong (session/dataset_checkup.h finds them).
struct LabelIssue {
    ImageId image = 0;
    std::filesystem::path path;
    ClassId given = 0;
    ClassId suggested = 0;
    std::string givenName;
    std::string suggestedName;
    double score = 0;  // how surely wrong, 0..1: suggested's probability minus given's
};

struct HealthReport {
    std::int64_t imagesChecked = 0;
    std::vector<DuplicateFinding> duplicates;
    std::vector<UnreadableImage> unreadable;
    std::vector<ClassBalance> classes;  // in display order, then the unlabeled images
    // Largest over smallest labeled class; above 1.5 the advice suggests class weights.
    double imbalanceRatio = 1;
    std::string balanceAdvice;            // empty when the classes are balanced
    std::vector<LabelIssue> labelIssues;  // most suspect first; empty without a backbone
    // The labeled images the label check held out (0: it did not run) and the share of them its
    // model predicted as labeled: a model that tells the classes apart badly raises suspects
    // that are its own mistakes.
    std::int64_t labelsChecked = 0;
    double labelAgreement = 0;
};

struct HealthOptions {
    NearDuplicateOptions nearDuplicates;
    // Backbone embeddings by image (L2-normalised), when known: near duplicates are then also
    // found by embedding similarity.
    std::unordered_map<ImageId, std::vector<float>> embeddings;
    int threads = 0;  // decoding threads; 0: one per core
    // done / total images fingerprinted; may be called from the decoding threads, one at a time.
    std::function<void(std::int64_t done, std::int64_t total)> progress;
    const std::atomic<bool>* cancel = nullptr;
};

// Checks every image of the project that is not excluded: each file is read and fully decoded
// (a JPEG cut short is caught), hashed, and compared with the others. Unreadable files are
// reported, not fatal. Errors: the project cannot be read, or cancel ("cancelled").
Result<HealthReport> checkDatasetHealth(const ProjectStore& store,
                                        const HealthOptions& options = {});

// The images of a duplicate group to exclude so that one copy stays: the first in the training
// split if any (so a leak is closed on the validation side), else the first.
std::vector<ImageId> duplicateExtras(const DuplicateFinding& finding);

}  // namespace fovea::core
