#include "data/box_geometry.h"

#include <QLineF>
#include <algorithm>
#include <cmath>

namespace fovea::ui {

namespace {

double clampValue(double value, double high) { return std::clamp(value, 0.0, std::max(0.0, high)); }

bool holdsLeft(BoxHandle h) {
    return h == BoxHandle::TopLeft || h == BoxHandle::Left || h == BoxHandle::BottomLeft;
}
bool holdsRight(BoxHandle h) {
    return h == BoxHandle::TopRight || h == BoxHandle::Right || h == BoxHandle::BottomRight;
}
bool holdsTop(BoxHandle h) {
    return h == BoxHandle::TopLeft || h == BoxHandle::Top || h == BoxHandle::TopRight;
}
bool holdsBottom(BoxHandle h) {
    return h == BoxHandle::BottomLeft || h == BoxHandle::Bottom || h == BoxHandle::BottomRight;
}

// Edges [low, high] with one of them dragged: turned over when crossed, at least 1 px apart,
// inside [0, limit].
void settleEdges(double* low, double* high, double limit) {
    if (*low > *high) std::swap(*low, *high);
    if (*high - *low < 1.0) {
        if (*low + 1.0 <= limit) {
            *high = *low + 1.0;
        } else {
            *low = std::max(0.0, *high - 1.0);
        }
    }
}

}  // namespace

QSizeF uprightImageSize(int storedWidth, int storedHeight, const QSize& decoded) {
    if (storedWidth <= 0 || storedHeight <= 0) return QSizeF(decoded);
    if (decoded.isEmpty() || storedWidth == storedHeight) return QSizeF(storedWidth, storedHeight);
    // A quarter turn swaps the sides: the decoded pixels (scaled down, aspect kept) say which
    // way round the picture stands.
    const bool storedLandscape = storedWidth > storedHeight;
    const bool decodedLandscape = decoded.width() > decoded.height();
    const bool decodedPortrait = decoded.width() < decoded.height();
    if ((storedLandscape && decodedPortrait) || (!storedLandscape && decodedLandscape)) {
        return QSizeF(storedHeight, storedWidth);
    }
    return QSizeF(storedWidth, storedHeight);
}

QPointF clampToImage(const QPointF& point, const QSizeF& image) {
    return {clampValue(point.x(), image.width()), clampValue(point.y(), image.height())};
}

QRectF boxFromCorners(const QPointF& a, const QPointF& b, const QSizeF& image) {
    const QPointF p = clampToImage(a, image);
    const QPointF q = clampToImage(b, image);
    const double left = std::round(std::min(p.x(), q.x()));
    const double right = std::round(std::max(p.x(), q.x()));
    const double top = std::round(std::min(p.y(), q.y()));
    const double bottom = std::round(std::max(p.y(), q.y()));
    return QRectF(QPointF(left, top), QPointF(right, bottom));
}

QRectF clipBox(const QRectF& box, const QSizeF& image) {
    const QRectF clipped = box.normalized().intersected(QRectF(QPointF(0, 0), image));
    return clipped.isValid() ? clipped : QRectF();
}

QRectF movedBox(const QRectF& box, const QPointF& delta, const QSizeF& image) {
    const QRectF inside = clipBox(box, image);
    if (inside.isEmpty()) return inside;
    // The step is whole pixels, so an imported box with fractional edges keeps its fractions.
    const double x =
        std::clamp(inside.x() + std::round(delta.x()), 0.0, image.width() - inside.width());
    const double y =
        std::clamp(inside.y() + std::round(delta.y()), 0.0, image.height() - inside.height());
    return QRectF(x, y, inside.width(), inside.height());
}

QRectF resizedBox(const QRectF& box, BoxHandle handle, const QPointF& point, const QSizeF& image) {
    const QPointF p = clampToImage(point, image);
    double left = box.left();
    double right = box.right();
    double top = box.top();
    double bottom = box.bottom();
    if (holdsLeft(handle)) left = std::round(p.x());
    if (holdsRight(handle)) right = std::round(p.x());
    if (holdsTop(handle)) top = std::round(p.y());
    if (holdsBottom(handle)) bottom = std::round(p.y());
    settleEdges(&left, &right, image.width());
    settleEdges(&top, &bottom, image.height());
    return clipBox(QRectF(QPointF(left, top), QPointF(right, bottom)), image);
}

QPointF handlePoint(const QRectF& box, BoxHandle handle) {
    const QPointF c = box.center();
    switch (handle) {
        case BoxHandle::TopLeft:
            return box.topLeft();
        case BoxHandle::Top:
            return {c.x(), box.top()};
        case BoxHandle::TopRight:
            return box.topRight();
        case BoxHandle::Right:
            return {box.right(), c.y()};
        case BoxHandle::BottomRight:
            return box.bottomRight();
        case BoxHandle::Bottom:
            return {c.x(), box.bottom()};
        case BoxHandle::BottomLeft:
            return box.bottomLeft();
        case BoxHandle::Left:
            return {box.left(), c.y()};
        default:
            return c;
    }
}

BoxHandle handleAt(const QRectF& box, const QPointF& point, double reach) {
    // Corners before edge midpoints: on a small box they are near each other, and a corner
    // resizes both ways.
    static constexpr BoxHandle kOrder[] = {
        BoxHandle::TopLeft, BoxHandle::TopRight, BoxHandle::BottomRight, BoxHandle::BottomLeft,
        BoxHandle::Top,     BoxHandle::Right,    BoxHandle::Bottom,      BoxHandle::Left};
    for (BoxHandle handle : kOrder) {
        if (QLineF(handlePoint(box, handle), point).length() <= reach) return handle;
    }
    const bool withinX = point.x() >= box.left() - reach && point.x() <= box.right() + reach;
    const bool withinY = point.y() >= box.top() - reach && point.y() <= box.bottom() + reach;
    if (!withinX || !withinY) return BoxHandle::None;
    const double edgeReach = reach / 2;
    if (std::abs(point.x() - box.left()) <= edgeReach) return BoxHandle::Left;
    if (std::abs(point.x() - box.right()) <= edgeReach) return BoxHandle::Right;
    if (std::abs(point.y() - box.top()) <= edgeReach) return BoxHandle::Top;
    if (std::abs(point.y() - box.bottom()) <= edgeReach) return BoxHandle::Bottom;
    return box.contains(point) ? BoxHandle::Inside : BoxHandle::None;
}

}  // namespace fovea::ui
