#pragma once

#include <QColor>
#include <QHash>
#include <QImage>
#include <QPixmap>
#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

#include "data/box_geometry.h"
#include "fovea/core/project/project_types.h"

namespace fovea::ui {

// The picture of the box editor and what the mouse and keys do on it (issue 24, point 2): one
// image with its boxes in their classes' colours; drag on empty space draws a box, a click
// selects one, its handles resize it and its inside moves it; wheel and +/- zoom about the
// mouse, middle-drag or Space+drag pans. Boxes are kept in pixels of the upright image
// (core::ProjectBox), whatever the zoom.
//
// The canvas changes nothing itself: an edit (a whole drag, a Delete) is announced once, when
// it is complete, by boxesEdited() with the image's new list of boxes; the editor makes it an
// undoable command, and the store's answer comes back through setBoxes().
//
// Speed: the picture is drawn from a pixmap scaled to the view's zoom once per zoom change (or,
// zoomed in beyond the decoded pixels, only its visible part is scaled while painting), so a
// mouse move on a 4000 x 3000 photo repaints a blit and a few rectangles, never a full rescale.
class BoxCanvas : public QWidget {
    Q_OBJECT
  public:
    struct ClassLook {
        QString name;
        QColor colour;
    };

    // A box a model proposes (issue 24, point 2): drawn dashed with its score, not stored.
    struct Suggestion {
        core::ProjectBox box;
        double score = 0;
    };

    explicit BoxCanvas(QWidget* parent = nullptr);

    // The decoded picture (EXIF orientation applied, possibly scaled down) and the size of the
    // upright image in its own pixels, which the boxes use. A null image: nothing to show.
    void setImage(const QImage& pixels, const QSizeF& imageSize);
    bool hasImage() const { return !m_pixels.isNull(); }
    // Said in the middle while there is no picture ("Decoding…", why it cannot be shown).
    void setMessage(const QString& message);
    QSizeF imageSize() const { return m_imageSize; }

    // The image's boxes as stored; the selection keeps its place in the list (clamped), unless
    // `select` names another (-1: none). A drag in progress is cancelled.
    void setBoxes(std::vector<core::ProjectBox> boxes, std::optional<int> select = std::nullopt);
    const std::vector<core::ProjectBox>& boxes() const { return m_boxes; }
    void setClassLooks(QHash<core::ClassId, ClassLook> looks);
    // The class a newly drawn box gets; std::nullopt: drawing is refused (drawRefused()).
    void setDrawClass(std::optional<core::ClassId> classId) { m_drawClass = classId; }

    int selectedBox() const { return m_selected; }  // index into boxes(), -1: none
    void selectBox(int index);

    // The suggestions shown under the boxes; a click selects one (the selection of boxes and
    // of suggestions exclude each other), a drag of it or its handles fixes it: suggestionFixed.
    void setSuggestions(std::vector<Suggestion> suggestions);
    const std::vector<Suggestion>& suggestions() const { return m_suggestions; }
    int selectedSuggestion() const { return m_selectedSuggestion; }  // -1: none
    void selectSuggestion(int index);

    // Zoom: widget pixels per image pixel.
    double zoom() const { return m_zoom; }
    // Zooms about `anchor` (widget pixels; the centre when not given), which stays put.
    void setZoom(double zoom, std::optional<QPointF> anchor = std::nullopt);
    void zoomToFit();
    bool fitting() const { return m_fit; }
    void panBy(const QPointF& widgetPixels);
    QPointF imageToWidget(const QPointF& imagePoint) const;
    QPointF widgetToImage(const QPointF& widgetPoint) const;
    QRectF boxToWidget(const core::ProjectBox& box) const;

  Q_SIGNALS:
    // A completed edit: the image's boxes as they should now be, what it did ("Draw a box of
    // "car""), and the box to select once it is stored (-1: none).
    void boxesEdited(const std::vector<core::ProjectBox>& boxes, const QString& text,
                     int selectAfter);
    void selectionChanged(int index);
    void zoomChanged(double zoom);
    void classKeyPressed(int number);  // keys 1-9
    void backgroundRequested();        // key B
    void acceptRequested();            // Enter: accept the suggestions (or the selected one)
    // Escape with suggestions shown: they are not wanted on this image.
    void suggestionsDismissed();
    // Suggestion `index` dragged (moved or resized) to `box`: it is to become a box.
    void suggestionFixed(int index, const core::ProjectBox& box);
    void drawRefused();  // a drag on empty space without a class to draw

  protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    bool event(QEvent* event) override;
    bool focusNextPrevChild(bool next) override;  // Tab cycles boxes instead

  private:
    enum class Mode { Idle, Draw, Move, Resize, Pan };

    QString className(core::ClassId id) const;
    QColor classColour(core::ClassId id) const;
    // The box under `point` (widget pixels): the selected one first, then the smallest, so a
    // small box inside a large one can be picked.
    int boxAt(const QPointF& point) const;
    int suggestionAt(const QPointF& point) const;  // the smallest under `point`, -1: none
    void paintSuggestion(QPainter& painter, const QRectF& rect, const Suggestion& suggestion,
                         bool selected) const;
    void updateCursor(const QPointF& point);
    void paintBox(QPainter& painter, const QRectF& rect, core::ClassId classId, bool selected,
                  bool draft) const;
    void ensureScaledPixmap();
    void cancelDrag();
    // Begins a drag of the selected suggestion by `handle` (Inside: a move).
    void startFixing(BoxHandle handle);
    void finishDrag();
    void refitIfResizedDuringDrag();
    void setSelected(int index);
    core::ProjectBox withRect(core::ProjectBox box, const QRectF& rect) const;
    static QRectF rectOf(const core::ProjectBox& box);

    QImage m_pixels;          // as decoded (at most ThumbnailCache's side)
    QPixmap m_fullPixmap;     // m_pixels, converted once
    QSizeF m_imageSize;       // upright image pixels
    QPixmap m_scaled;         // m_pixels at the current zoom, when that is smaller than them
    double m_scaledZoom = 0;  // device pixels per image pixel m_scaled was made for
    double m_zoom = 1.0;
    QPointF m_origin;  // widget position of the image's (0, 0), on whole pixels
    bool m_fit = true;

    std::vector<core::ProjectBox> m_boxes;
    QHash<core::ClassId, ClassLook> m_looks;
    std::optional<core::ClassId> m_drawClass;
    int m_selected = -1;
    std::vector<Suggestion> m_suggestions;
    int m_selectedSuggestion = -1;
    bool m_fixing = false;  // the drag in progress moves or resizes m_selectedSuggestion

    Mode m_mode = Mode::Idle;
    BoxHandle m_handle = BoxHandle::None;
    QPointF m_pressWidget;          // where the button went down
    QPointF m_pressImage;           // the same in image pixels
    QPointF m_lastPanPoint;         // widget pixels
    QRectF m_original;              // the dragged box before the drag (image pixels)
    QRectF m_draft;                 // the box being drawn, moved or resized (image pixels)
    bool m_dragStarted = false;     // moved past the drag distance
    bool m_refitAfterDrag = false;  // resized during a drag: fitted again once it ends
    bool m_spaceHeld = false;
    QString m_message;
};

}  // namespace fovea::ui
