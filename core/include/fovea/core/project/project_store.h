#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fovea/core/project/project_types.h"
#include "fovea/core/result.h"

namespace fovea::core {

// The database file inside a project folder.
inline constexpr const char* kProjectDatabaseName = "fovea-project.sqlite";

// The label store of one project: a folder holding a SQLite database that references images by
// path (relative to the folder when they are inside it, so the folder can be moved; absolute
// otherwise). Image files are never copied, moved or modified.
//
// Every user change is one transaction, bulk changes on many ids included: it is all applied or
// none of it, and once a call returns success the change is on disk (WAL, synchronous=FULL), so
// a crash or power cut right after cannot lose it.
//
// Move-only; owns the database connection. Not for concurrent use from several threads: give a
// worker thread its own ProjectStore::open() on the same folder (readers and a writer may work
// side by side; a writer waits up to a few seconds for another writer).
class ProjectStore {
  public:
    // The newest schema this build reads and writes (PRAGMA user_version).
    static int schemaVersion();

    // Creates `dir` when needed and a new, empty project for `task` in it. Refused when the
    // folder already holds a project.
    static Result<ProjectStore> create(const std::filesystem::path& dir,
                                       ProjectTask task = ProjectTask::Classification);
    // Opens the project in `dir`, upgrading an older schema in one transaction. Refused, leaving
    // the file untouched, when the database was written by a newer Fovea or is not a Fovea
    // project database at all.
    static Result<ProjectStore> open(const std::filesystem::path& dir);
    // True when `dir` holds a project database (it may still fail to open).
    static bool exists(const std::filesystem::path& dir);

    ProjectStore(ProjectStore&&) noexcept;
    ProjectStore& operator=(ProjectStore&&) noexcept;
    ProjectStore(const ProjectStore&) = delete;
    ProjectStore& operator=(const ProjectStore&) = delete;
    ~ProjectStore();

    const std::filesystem::path& directory() const;  // absolute
    std::filesystem::path databasePath() const;
    // Fixed when the project was created (projects older than detection are classification).
    ProjectTask projectTask() const;

    // --- Classes ---
    // In display order.
    Result<std::vector<ClassInfo>> classes() const;
    // New class at the end of the display order with the first palette colour no class uses.
    // Names are trimmed; empty names, control characters and duplicates are refused.
    Result<ClassId> addClass(const std::string& name);
    Result<void> renameClass(ClassId id, const std::string& newName);
    Result<void> setClassColour(ClassId id, const std::string& colour);  // "#rrggbb"
    // `order` lists every class id once, in the new display order.
    Result<void> reorderClasses(const std::vector<ClassId>& order);
    // Relabels the images (and boxes) of `from` as `into`, then deletes `from`.
    Result<void> mergeClasses(ClassId from, ClassId into);
    // Deletes the class; its images become unlabeled. In a detection project its boxes go with
    // it, as a classification project's labels do; their images stay annotated (for the classes
    // left, an image whose only boxes went is a background image). Save boxesOfClass() first
    // to undo it.
    Result<void> deleteClass(ClassId id);

    // --- Images ---
    Result<std::vector<ImageRecord>> images(const ImageFilter& filter = {}) const;
    Result<ImageRecord> image(ImageId id) const;
    Result<std::int64_t> imageCount(const ImageFilter& filter = {}) const;
    // One entry per class in display order (zeros included), then one for unlabeled images.
    Result<std::vector<ClassCounts>> classCounts() const;

    // Bulk changes: all ids or none (an unknown id refuses the whole call). A detection project
    // refuses labels (its images have boxes instead); clearing one is allowed.
    Result<void> setLabel(const std::vector<ImageId>& ids, std::optional<ClassId> classId);
    Result<void> setSplit(const std::vector<ImageId>& ids, std::optional<Split> split);
    Result<void> setSplits(const std::vector<std::pair<ImageId, Split>>& assignments);
    Result<void> setExcluded(const std::vector<ImageId>& ids, bool excluded);
    // Forgets the images (the files stay where they are).
    Result<void> removeImages(const std::vector<ImageId>& ids);

    // Why an image cannot be used (e.g. the loader failed to decode it); shown in the UI and
    // counted as failed. A rescan that finds the file changed probes it again and replaces this.
    Result<void> recordImageError(ImageId id, const std::string& message);
    Result<void> clearImageError(ImageId id);

    // --- Suggestions: a model's labels for unlabeled images, until someone accepts them ---
    // Replaces every stored suggestion with `suggestions` (one model's pass), in one
    // transaction; their "Label next" places are kept when given. An unknown image or class, or
    // figures out of range, refuse the whole call.
    Result<void> replaceSuggestions(const std::vector<LabelSuggestion>& suggestions);
    // Every stored suggestion, labeled images' included, by image id.
    Result<std::vector<LabelSuggestion>> suggestions() const;
    // The "Label next" order: the suggestions of `order`'s images get places 0, 1, ...; every
    // other suggestion loses its place.
    Result<void> setLabelOrder(const std::vector<ImageId>& order);
    // Labels every image of `ids` that is still unlabeled and has a suggestion with the
    // suggested class, in one transaction. Returns what it labeled, (image, class), for undo;
    // images without a suggestion or with a label are left alone (a hand-given label wins).
    Result<std::vector<std::pair<ImageId, ClassId>>> acceptSuggestions(
        const std::vector<ImageId>& ids);
    Result<void> clearSuggestions();

    // --- Boxes (detection projects; a classification project refuses every change) ---
    // One image's boxes in drawing order (ids ascending), and whether it is annotated.
    Result<ImageAnnotation> annotation(ImageId image) const;
    Result<std::vector<ProjectBox>> boxes(ImageId image) const;
    // Replaces all of the image's boxes and its annotated flag in one transaction: what an undo
    // command writes back. New boxes get new ids. Refused, changing nothing, for an unknown
    // image or class, a box of non-finite or non-positive size, or boxes on an image marked not
    // annotated. Boxes are not clipped to the image: the caller knows its upright size.
    Result<void> setAnnotation(ImageId image, const ImageAnnotation& annotation);
    // setAnnotation(image, {true, boxes}): an empty list makes it a background image.
    Result<void> setBoxes(ImageId image, const std::vector<ProjectBox>& boxes);
    // Marks images annotated (background when they have no boxes) or not; marking an image
    // with boxes not annotated is refused.
    Result<void> setAnnotated(const std::vector<ImageId>& ids, bool annotated);
    // One box at a time (drawing); addBox marks its image annotated.
    Result<BoxId> addBox(ImageId image, const ProjectBox& box);
    Result<void> updateBox(BoxId id, const ProjectBox& box);  // class, geometry and flags
    Result<void> removeBox(BoxId id);                         // the image stays annotated
    // Every box of the class, with its image (to undo deleteClass).
    Result<std::vector<std::pair<ImageId, ProjectBox>>> boxesOfClass(ClassId id) const;
    // One entry per class in display order, zeros included.
    Result<std::vector<ClassBoxCounts>> classBoxCounts() const;
    // (image, boxes) for every image with at least one box, by image id; ImageRecord::boxCount
    // has the same figure per image.
    Result<std::vector<std::pair<ImageId, std::int64_t>>> boxCounts() const;

    // --- Settings (free-form key/value pairs kept with the project) ---
    Result<std::optional<std::string>> setting(const std::string& key) const;
    Result<void> setSetting(const std::string& key, const std::string& value);
    Result<void> removeSetting(const std::string& key);

    // --- For importers (folder_import.h, csv_labels.h) ---
    Result<std::vector<KnownImage>> knownImages() const;
    Result<std::vector<ImportRoot>> importRoots() const;
    // Applies a whole import in one transaction: new images, re-probed headers, missing flags,
    // labels and splits as `batch.existingLabels` allows, classes created on the way.
    Result<ImportBatchResult> applyImport(const ImportBatch& batch);

  private:
    struct Impl;
    explicit ProjectStore(std::unique_ptr<Impl> impl);
    static Result<ProjectStore> openOrCreate(const std::filesystem::path& dir, bool create,
                                             ProjectTask task);

    std::unique_ptr<Impl> m_impl;
};

}  // namespace fovea::core
