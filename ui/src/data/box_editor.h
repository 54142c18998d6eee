#pragma once

#include <QHash>
#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

#include "fovea/core/project/project_types.h"

class QComboBox;
class QLabel;
class QListWidget;
class QSplitter;
class QToolButton;

namespace fovea::ui {

class BoxCanvas;
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
// Model suggestions (the rest of point 2) have their seam here: Enter on the picture emits
// acceptRequested(), and suggested boxes are meant to be a second, hollow list beside the
// canvas's boxes that an accept turns into an ordinary SetAnnotationCommand.
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

    BoxCanvas* canvas() const { return m_canvas; }
    QListWidget* boxList() const { return m_list; }
    QComboBox* classBox() const { return m_classBox; }

  Q_SIGNALS:
    // B on the picture, or the Background button or menu entry.
    void backgroundRequested();
    // Enter on the picture: where accepting a model's box suggestions will go.
    void acceptRequested();

  protected:
    void resizeEvent(QResizeEvent* event) override;

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
};

}  // namespace fovea::ui
