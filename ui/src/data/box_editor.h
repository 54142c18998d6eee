#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

#include "fovea/core/project/project_types.h"

class QComboBox;
class QLabel;
class QSpinBox;
class QListWidget;
class QSplitter;
class QToolButton;

namespace fovea::ui {

class BoxCanvas;
class BoxSuggester;
class ProjectSession;
class ThumbnailCache;

// The Data page's preview in a detection project (issue 24, point 2): the selected image with
// its boxes, drawn and edited with the mouse and keys on a BoxCanvas, and the list of its boxes
// beside it (class and size; a click selects). Every edit is one SetAnnotationCommand on the
// session's undo stack, so Ctrl+Z and Ctrl+Shift+Z take it back like any labeling; the boxes
// shown are always read back from the store after a change.
//
// Keys on the picture: 1-9 give the selected box the numbered class and make it the class of
// the boxes drawn next; Delete removes the selected box; Tab / Shift+Tab go through the boxes;
// B asks for the image to be marked as background (backgroundRequested: the Data page marks
// its selection); +/- and the wheel zoom, F fits, middle-drag or Space+drag pans.
//
// Model suggestions (the rest of point 2): with a trained detection run of the project (the
// newest by default, any other or none chosen above the picture), its boxes scoring at least
// the threshold on the shown image are drawn dashed with class and score, computed by a
// BoxSuggester in the background. Enter accepts them all (or the selected one) as boxes, one
// SetAnnotationCommand; dragging a suggestion or giving it a class (1-9) makes it a box; Escape
// dismisses the image's suggestions. A suggestion that a box of its class already covers (IoU
// 0.5) is not shown, so accepted ones leave and come back when the accept is undone.
class BoxEditor : public QWidget {
    Q_OBJECT
  public:
    explicit BoxEditor(QWidget* parent = nullptr);

    void setSession(ProjectSession* session);  // nullptr: nothing
    // Shows `image` (std::nullopt: nothing selected). The same image again keeps the picture,
    // zoom and selection.
    void showImage(const std::optional<core::ImageRecord>& image);
    std::optional<core::ImageId> imageId() const;

    // Key `number` (1-9): the selected box takes the class numbered so in the class list, and
    // boxes drawn next get it too. A number without a class does nothing.
    void applyClassNumber(int number);
    std::optional<core::ClassId> drawClass() const { return m_drawClass; }
    void setDrawClass(std::optional<core::ClassId> classId);

    // The image's boxes and annotated flag as last read from the store.
    const core::ImageAnnotation& annotation() const { return m_annotation; }
    bool hasPixels() const;

    // The run whose boxes are suggested (empty: none); the list of runs is read again.
    void setSuggestionRun(const QString& runFolder);
    QString suggestionRun() const;
    // The least score of a suggestion shown, 0..1.
    void setSuggestionThreshold(double threshold);
    double suggestionThreshold() const;
    // Accepts the selected suggestion, or all of the image's when none is selected, as boxes
    // (one undoable step). False when there was none.
    bool acceptSuggestions();
    BoxSuggester* suggester() const { return m_suggester; }
    QComboBox* suggestionRunBox() const { return m_suggestionRunBox; }

    BoxCanvas* canvas() const { return m_canvas; }
    QListWidget* boxList() const { return m_list; }
    QComboBox* classBox() const { return m_classBox; }

  Q_SIGNALS:
    // B on the picture, or the Background button or menu entry.
    void backgroundRequested();
    // The shown image's suggestions were updated (`count` of them shown).
    void suggestionsShown(int count);

  protected:
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;  // a run may have finished meanwhile

  private:
    void readClasses();
    // Reads the image's boxes again; `select` as BoxCanvas::setBoxes.
    void reloadAnnotation(std::optional<int> select = std::nullopt);
    void onDecoded(qint64 id);
    void onFailed(qint64 id, const QString& message);
    void onEdited(const std::vector<core::ProjectBox>& boxes, const QString& text, int selectAfter);
    void rebuildList();
    void updateDetails();
    void showMenu(const QPoint& position);
    QString classLabel(core::ClassId id) const;
    // The runs offered for suggestions, keeping the chosen one (or the newest by default).
    void readSuggestionRuns();
    // The shown image's suggestions from the suggester's boxes (asked for when not known).
    void updateSuggestions();
    // A suggestion made a box (fixed, reclassed, accepted) is not suggested again here.
    void takeSuggestion(int index);

    ProjectSession* m_session = nullptr;
    ThumbnailCache* m_decoder;
    BoxCanvas* m_canvas;
    QSplitter* m_split;
    QListWidget* m_list;
    QLabel* m_listTitle;
    QComboBox* m_classBox;
    QToolButton* m_backgroundButton;
    QLabel* m_zoomLabel;
    QLabel* m_details;
    std::optional<core::ImageRecord> m_image;
    core::ImageAnnotation m_annotation;
    std::vector<core::ClassId> m_classOrder;  // display order: key n is m_classOrder[n - 1]
    QHash<core::ClassId, QString> m_classNames;
    std::optional<core::ClassId> m_drawClass;
    // The box to select when the command being pushed comes back through labelsChanged.
    std::optional<int> m_pendingSelect;
    BoxSuggester* m_suggester;
    QComboBox* m_suggestionRunBox;
    QSpinBox* m_suggestionThreshold;
    bool m_suggestionRunChosen = false;  // by the user: a newer run does not replace it
    // Per image, the detector's boxes (indices into the suggester's) no longer suggested:
    // dismissed, or made boxes.
    QHash<core::ImageId, QSet<int>> m_takenSuggestions;
    std::vector<int> m_suggestionSources;  // the shown suggestions' indices among the boxes
};

}  // namespace fovea::ui
