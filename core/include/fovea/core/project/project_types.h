#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fovea::core {

// Row ids in the project database. Stable for the life of the project (never reused while the
// row exists), so they can be kept in views and undo stacks.
using ImageId = std::int64_t;
using ClassId = std::int64_t;
using BoxId = std::int64_t;

// What a project labels (issue 24): a class per image, or boxes around objects. Chosen when the
// project is created and never changed; projects made before detection existed are
// classification projects.
enum class ProjectTask { Classification, Detection };

// "classification", "detection": the database and command-line spelling.
const char* projectTaskName(ProjectTask task);
std::optional<ProjectTask> parseProjectTaskName(std::string_view name);

// The dataset split an image belongs to; "no split" is std::nullopt where a split is optional.
enum class Split { Train, Val, Test };

// "train", "val", "test": the folder and CSV spelling.
const char* splitName(Split split);
// Case-insensitive; also accepts the spellings datasets use for folders: training, valid,
// validation, testing. Surrounding spaces are ignored.
std::optional<Split> parseSplitName(std::string_view name);

// How a folder's layout gives labels and splits (see folder_import.h).
enum class FolderLayout {
    Auto,              // SplitImageFolder when every first-level folder is a split name, else
                       // ImageFolder
    Flat,              // every image unlabeled, sub-folders ignored for labels
    ImageFolder,       // root/<class>/**/file; files directly in root are unlabeled
    SplitImageFolder,  // root/<split>/<class>/**/file
};

const char* folderLayoutName(FolderLayout layout);
std::optional<FolderLayout> parseFolderLayoutName(std::string_view name);

struct ClassInfo {
    ClassId id = 0;
    std::string name;    // unique within the project (case-sensitive, like folder names)
    int position = 0;    // display order, ascending
    std::string colour;  // "#rrggbb"
};

// What a model suggests for an unlabeled image (ProjectStore::setSuggestions): shown apart from
// labels until someone accepts it; a label given by hand always wins.
struct SuggestedLabel {
    ClassId classId = 0;
    double confidence = 0;  // the model's probability of classId, 0..1
};

// A model's suggestion as stored, with the figures "Label next" orders by.
struct LabelSuggestion {
    ImageId image = 0;
    ClassId classId = 0;
    double confidence = 0;  // top-1 probability
    double margin = 0;      // top-1 minus top-2 probability: near 0 when the model hesitates
    double entropy = 0;     // of the predicted distribution, in nats
    std::string model;      // what made it: a run folder, bundle or model file
    std::optional<std::int64_t> labelOrder;  // place in the "Label next" order, 0 first
};

struct ImageRecord {
    ImageId id = 0;
    std::filesystem::path path;  // absolute; the file is never copied, moved or modified
    std::optional<ClassId> classId;
    std::optional<Split> split;
    bool excluded = false;  // kept in the project but left out of training and export
    bool missing = false;   // not on disk at the last scan
    // Why the image cannot be used: the header probe at import, or a decode failure recorded
    // later by the loader. std::nullopt for a readable image.
    std::optional<std::string> error;
    int width = 0;  // from the header, as stored (before EXIF orientation); 0 when unknown
    int height = 0;
    std::uintmax_t fileSize = 0;  // bytes, at the last scan
    std::int64_t mtimeNs = 0;     // modification time at the last scan, ns since the epoch
    // A model's suggestion, for an unlabeled image only (labeled images never show one).
    std::optional<SuggestedLabel> suggestion;
    // Detection projects: whether someone (or an import) has annotated the image. Annotated
    // with no boxes is a background image, an intended negative; not annotated means nobody has
    // looked yet. Always false in classification projects.
    bool annotated = false;
    std::int64_t boxCount = 0;  // detection projects: the image's boxes (the grid's badge)
};

// One object box of a detection project. Coordinates are floats in pixels of the image as shown
// (after EXIF orientation), origin at the top-left corner of the top-left pixel: a box over the
// whole of a 640x480 image is x=0, y=0, w=640, h=480 (as detection::Box).
struct ProjectBox {
    BoxId id = 0;  // assigned by the store; ignored when boxes are written
    ClassId classId = 0;
    float x = 0;
    float y = 0;
    float w = 0;             // > 0
    float h = 0;             // > 0
    bool crowd = false;      // COCO iscrowd: a group of objects, not scored as missed
    bool difficult = false;  // VOC difficult: annotated but not scored
};

// Everything a detection project knows about one image's objects: what an undo command saves
// before a change and writes back to undo it.
struct ImageAnnotation {
    bool annotated = false;         // see ImageRecord::annotated; true whenever boxes is not empty
    std::vector<ProjectBox> boxes;  // in drawing (or file) order
};

// Per class of a detection project, for the class list.
struct ClassBoxCounts {
    ClassId classId = 0;
    std::int64_t boxes = 0;   // boxes of this class
    std::int64_t images = 0;  // images with at least one of them
};

// A condition on a yes/no property: don't care, only with it, only without it.
enum class Require { Any, Yes, No };

// The order images() returns them in.
enum class ImageOrder {
    Import,     // id order: the order of import, which sorts by path
    LabelNext,  // the "Label next" order (LabelSuggestion::labelOrder), then the rest by id
};

// Which images images()/imageCount() return. Default: all of them, in import order.
struct ImageFilter {
    std::optional<ClassId> classId;  // only images of this class
    Require labeled = Require::Any;  // Yes: labeled images only; No: unlabeled only
    std::optional<Split> split;      // only images in this split
    Require hasSplit = Require::Any;
    Require excluded = Require::Any;
    Require missing = Require::Any;
    Require hasError = Require::Any;
    // Yes: unlabeled images with a suggestion of at least minSuggestionConfidence; No: images
    // without such a suggestion (labeled ones included).
    Require suggested = Require::Any;
    double minSuggestionConfidence = 0;
    std::string pathContains;  // substring of the path as stored (relative inside the project)
    // Detection projects: Yes: annotated images (background images included); No: images nobody
    // has annotated yet.
    Require annotated = Require::Any;
    std::optional<ClassId> boxClassId;  // detection: only images with a box of this class
    ImageOrder order = ImageOrder::Import;
    std::size_t offset = 0;
    std::size_t limit = 0;  // 0: no limit
};

// The images training can read: not excluded, not missing, no read error.
inline ImageFilter usableImages() {
    ImageFilter filter;
    filter.excluded = Require::No;
    filter.missing = Require::No;
    filter.hasError = Require::No;
    return filter;
}

// Per-class figures for the class list. "Usable" images are those training can read: not
// excluded, not missing, without an error; the split columns count usable images only.
// Detection projects count, per class, the images holding at least one box of it (an image
// with two classes counts in both), and as "unlabeled" the images not annotated yet;
// background images count in no class.
struct ClassCounts {
    std::optional<ClassId> classId;  // std::nullopt: the unlabeled images
    std::int64_t total = 0;          // every image with this label
    std::int64_t train = 0;
    std::int64_t val = 0;
    std::int64_t test = 0;
    std::int64_t unassigned = 0;  // usable, without a split
    std::int64_t excluded = 0;
    std::int64_t missing = 0;
    std::int64_t failed = 0;  // with an error (and not excluded)
};

// --- What importers hand to ProjectStore::applyImport (see folder_import.h, csv_labels.h). ---

// A file the project already references, as the importers compare it against the disk.
struct KnownImage {
    ImageId id = 0;
    std::filesystem::path path;  // absolute
    std::uintmax_t fileSize = 0;
    std::int64_t mtimeNs = 0;
    bool missing = false;
};

// The header facts of a file probed during this import.
struct ProbedHeader {
    int width = 0;
    int height = 0;
    std::optional<std::string> error;  // why the file is not a usable image
};

// A box as an import names it: by class name (the class is created when new).
struct ImportedBox {
    std::string className;
    float x = 0;  // pixels of the upright image, as ProjectBox
    float y = 0;
    float w = 0;
    float h = 0;
    bool crowd = false;
    bool difficult = false;
};

struct ImportItem {
    std::filesystem::path path;  // absolute, lexically normal
    std::uintmax_t fileSize = 0;
    std::int64_t mtimeNs = 0;
    // Set when the file was probed in this import (new or changed on disk); std::nullopt keeps
    // the stored header facts and error (the file is unchanged).
    std::optional<ProbedHeader> header;
    std::optional<std::string> className;  // the label the import gives; nullopt: unlabeled
    std::optional<Split> split;
    bool splitGiven = false;  // false: the import says nothing about splits (e.g. a CSV without
                              // a split column), so existing splits are never touched
    // Detection imports: the image's boxes from the annotation file, which replace whatever the
    // project had for it (and mark it annotated: no boxes is a background image). nullopt: the
    // import says nothing about boxes, the stored ones are kept.
    std::optional<std::vector<ImportedBox>> boxes;
};

// What an import may do to labels and splits of images the project already has.
enum class ExistingLabels {
    Keep,           // never touch them (folder rescans: the user's labels win over folders)
    FillUnlabeled,  // set them where the image has none; report disagreements as conflicts
    Replace,        // the import's labels and splits replace the stored ones
};

struct ImportBatch {
    std::vector<ImportItem> items;
    // Classes to create first, in this order (folder imports pass them sorted by name, so class
    // order matches torchvision's ImageFolder). Other names in items are created as met.
    std::vector<std::string> classOrder;
    std::vector<ImageId> nowMissing;  // known images no longer on disk
    std::vector<ImageId> backOnDisk;  // known images flagged missing that are there again
    ExistingLabels existingLabels = ExistingLabels::Keep;
    // A folder to remember for rescans (root + layout); empty path: none.
    std::filesystem::path importRoot;
    FolderLayout importRootLayout = FolderLayout::Auto;
};

struct ImportConflict {
    std::filesystem::path path;
    std::string message;
};

struct ImportBatchResult {
    std::size_t added = 0;               // images new to the project
    std::size_t updated = 0;             // known images whose file changed (re-probed)
    std::size_t returned = 0;            // known images that were missing and are back
    std::size_t markedMissing = 0;       // known images now flagged missing
    std::size_t labelsApplied = 0;       // labels set on images the project already had
    std::size_t splitsApplied = 0;       // splits set on images the project already had
    std::size_t annotationsApplied = 0;  // detection: images whose boxes the import replaced
    std::size_t boxesWritten = 0;        // detection: boxes stored by the import
    std::vector<std::string> classesCreated;
    std::vector<ImportConflict> conflicts;  // labels/splits kept because they disagree
};

struct ImportRoot {
    std::filesystem::path path;  // absolute
    FolderLayout layout = FolderLayout::Auto;
};

}  // namespace fovea::core
