#pragma once

// Box geometry for the box editor (issue 24, point 2), in pixels of the upright image (after
// EXIF orientation; origin at the top-left corner of the top-left pixel, as core::ProjectBox).
// Pure functions, so the rules (clipping, rounding, handles) are tested without widgets.

#include <QPointF>
#include <QRectF>
#include <QSize>
#include <QSizeF>

namespace fovea::ui {

// The parts of a selected box a drag can take: its eight handles, or its inside (moves it).
enum class BoxHandle {
    None,
    TopLeft,
    Top,
    TopRight,
    Right,
    BottomRight,
    Bottom,
    BottomLeft,
    Left,
    Inside,
};

// The image's size after EXIF orientation: the stored header size (before orientation, as
// ImageRecord has it) turned a quarter when the decoded pixels are the other way round. An
// unknown stored size (0) takes the decoded size.
QSizeF uprightImageSize(int storedWidth, int storedHeight, const QSize& decoded);

// A point clamped into the image.
QPointF clampToImage(const QPointF& point, const QSizeF& image);

// The box spanned by two points (in any order), clamped to the image, edges on whole pixels.
// Empty (width or height 0) when the points are closer than a pixel.
QRectF boxFromCorners(const QPointF& a, const QPointF& b, const QSizeF& image);

// `box` moved by `delta`, rounded to whole pixels and kept wholly inside the image (its size
// unchanged; a box larger than the image is clipped first).
QRectF movedBox(const QRectF& box, const QPointF& delta, const QSizeF& image);

// `box` with the edges `handle` holds dragged to `point` (clamped to the image, rounded to
// whole pixels); dragged past the opposite edge the box turns over. At least one pixel wide and
// high. The edges the handle does not hold keep their values.
QRectF resizedBox(const QRectF& box, BoxHandle handle, const QPointF& point, const QSizeF& image);

// `box` cut to the image (may be empty when it lies outside).
QRectF clipBox(const QRectF& box, const QSizeF& image);

// The handle of `box` (in widget pixels) under `point`: corners and edge midpoints within
// `reach` pixels, then the edges themselves, then the inside; None outside.
BoxHandle handleAt(const QRectF& box, const QPointF& point, double reach);

// Where the eight handles are drawn (widget pixels), in BoxHandle order TopLeft..Left.
QPointF handlePoint(const QRectF& box, BoxHandle handle);

}  // namespace fovea::ui
