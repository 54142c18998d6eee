#pragma once

#include <QList>
#include <QWidget>
#include <optional>

#include "data/image_view_filter.h"
#include "fovea/core/project/project_types.h"

class QLabel;
class QListView;
class QSlider;
class QSplitter;
class QToolButton;
class QUndoCommand;

namespace fovea::ui {

class BoxEditor;
class ClassChooser;
class ClassList;
class ClassPanel;
class ImageFilterBar;
class ImageListModel;
class PreviewPane;
class ProjectSession;
class SuggestionBar;
class ThumbnailCache;
class ThumbnailDelegate;

// The Data page: the class list with counts, the thumbnail grid of the images that pass the
// filter, and a preview of the selected image. Labeling as fast as dedicated tools: keys 1-9
// give the selection the numbered class and move on to the next image, 0 removes the label,
// L opens a chooser where typing the start of any class's name picks it; drag a selection onto
// a class; every action is undoable (the project's undo stack). A trained model can suggest
// labels (the suggestion strip above the grid): they show hollow in the grid, Enter accepts
// the selection's, Accept all the confident ones.
class DataPage : public QWidget {
    Q_OBJECT
  public:
    explicit DataPage(QWidget* parent = nullptr);
    ~DataPage() override;

    void setSession(ProjectSession* session);

    void setFilter(const ImageViewFilter& filter);
    const ImageViewFilter& filter() const;
    QList<qint64> selectedImageIds() const;
    void selectImages(const QList<qint64>& ids);

    // What the keys, drops and menus do (also for scripts and tests).
    void labelSelection(std::optional<core::ClassId> classId);
    void labelImages(const QList<qint64>& ids, std::optional<core::ClassId> classId);
    void moveSelectionToSplit(std::optional<core::Split> split);
    void setSelectionExcluded(bool excluded);
    // Detection projects (key B, the box editor's Background): the selected images without
    // boxes become background images (annotated, no objects), one undoable command, and the
    // grid moves on as after labeling; when all of them are background already they go back to
    // not annotated. Images with boxes are left as they are.
    void markSelectionBackground();
    // Adds the selection to the watch set (the Train page shows their predictions after every
    // epoch), or removes it when every selected image is watched already.
    void toggleSelectionWatched();
    // Enter: the selected images take their suggested classes (one undoable command) and the
    // grid moves on to the next image, as after a key 1-9. Images without a suggestion, or
    // with a label, are left as they are.
    void acceptSelectionSuggestions();
    // Accepts the suggestions of `ids` as one undoable command; how many images it labeled
    // (also said in the status line).
    int acceptSuggestions(const QList<qint64>& ids);
    // The class chooser over the grid (key L), for the selected images; nothing without a
    // selection or classes.
    void openClassChooser();
    bool addClass(const QString& name);
    bool renameClass(core::ClassId id, const QString& name);
    bool mergeClass(core::ClassId from, core::ClassId into);
    bool deleteClass(core::ClassId id);

    QListView* grid() const { return m_grid; }
    ImageListModel* model() const { return m_model; }
    ClassList* classList() const { return m_classList; }
    PreviewPane* preview() const { return m_preview; }
    // The preview of a detection project (made when the first one opens; nullptr before).
    BoxEditor* boxEditor() const { return m_boxEditor; }
    bool isDetection() const;
    ThumbnailCache* thumbnails() const { return m_thumbnails; }
    ClassChooser* classChooser() const { return m_chooser; }
    SuggestionBar* suggestionBar() const { return m_suggestionBar; }
    // Why the grid is empty (the search and filter named), or empty while it shows images.
    QString emptyGridMessage() const;

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    // Shows the last change on the status's two lines at the label's width (fitStatus in the
    // .cpp).
    void showLastChange(bool current);

  private:
    ClassPanel* buildClassPanel();
    QWidget* buildBrowser();
    QToolButton* buildSplitButton(QWidget* parent);
    QSlider* buildSizeSlider(QWidget* parent);
    QListView* buildGrid(QWidget* parent);
    void rebuildFilterChoices();
    void updateStatus();
    void placeEmptyMessage();
    void fitGridColumns();
    void updatePreview();
    // Shows the box editor instead of the classification preview in a detection project.
    void showPreviewFor(bool detection);
    void showGridMenu(const QPoint& position);
    void onThumbnailFailed(qint64 id, const QString& message);
    void onLabelsChanged(const QList<qint64>& ids);
    void onClassesChanged();
    void onImagesChanged();
    // Selects the image `id` when it is still shown, else the row nearest `fallbackRow`.
    void moveTo(std::optional<qint64> id, int fallbackRow);
    // The first unselected image after the selection (where labeling moves on to) and the
    // selection's first row; nullopt after the last image.
    std::optional<qint64> imageAfterSelection(int* firstRow) const;
    // Moves on after labeling `ids`: to `next`, else stays on `ids`.
    void moveOnFrom(const QList<qint64>& ids, std::optional<qint64> next, int firstRow);
    bool pushCommand(QUndoCommand* command);
    // Shows `change` in the status line until the next change or undo.
    // Says on the status line what an undo or redo did.
    void onUndoStackMoved(int index);
    void noteChange(const QString& change);

    ProjectSession* m_session = nullptr;
    ThumbnailCache* m_thumbnails;
    ImageListModel* m_model;
    ThumbnailDelegate* m_delegate;
    ClassPanel* m_classPanel = nullptr;
    ClassList* m_classList = nullptr;
    QListView* m_grid = nullptr;
    PreviewPane* m_preview = nullptr;
    BoxEditor* m_boxEditor = nullptr;
    QSplitter* m_splitter = nullptr;
    QLabel* m_purpose = nullptr;  // the header's line: what the keys do
    ImageFilterBar* m_filterBar = nullptr;
    QSlider* m_sizeSlider = nullptr;
    QLabel* m_status = nullptr;  // the last labeling, until undone
    QLabel* m_counts = nullptr;  // images shown and selected
    // What the last labeling did, in the past tense, shown in the status line while the undo
    // stack still stands where that change left it (an undo or another change hides it).
    QString m_lastChange;
    QString m_lastChangeHint;  // how to take it back, e.g. "(Ctrl+Z undoes it)"
    int m_lastChangeIndex = -1;
    int m_stackIndex = 0;  // the undo stack's index as last seen
    // What Redo would do now: tells a redo from a new command.
    const QUndoCommand* m_nextRedo = nullptr;
    QLabel* m_emptyMessage = nullptr;  // over the grid while it shows nothing
    ClassChooser* m_chooser = nullptr;
    SuggestionBar* m_suggestionBar = nullptr;
};

}  // namespace fovea::ui
