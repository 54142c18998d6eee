#include "data/box_canvas.h"

#include <QApplication>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <utility>

namespace fovea::ui {

namespace {

constexpr double kZoomStep = 1.25;
constexpr double kMinZoom = 0.01;
constexpr double kMaxZoom = 32.0;
constexpr double kHandleReach = 6.0;  // widget pixels around a handle that grab it
constexpr int kHandleSide = 7;
constexpr int kFitMargin = 6;
const QColor kBackground(40, 40, 40);
const QColor kUnknownClass(200, 200, 200);

bool isPlainKey(const QKeyEvent* key) {
    return (key->modifiers() & ~(Qt::KeypadModifier | Qt::ShiftModifier)) == Qt::NoModifier;
}

// The keys the canvas takes before any window shortcut could.
bool isCanvasKey(const QKeyEvent* key) {
    if (!isPlainKey(key)) return false;
    switch (key->key()) {
        case Qt::Key_Delete:
        case Qt::Key_Backspace:
        case Qt::Key_Tab:
        case Qt::Key_Backtab:
        case Qt::Key_B:
        case Qt::Key_F:
        case Qt::Key_Plus:
        case Qt::Key_Equal:
        case Qt::Key_Minus:
        case Qt::Key_Escape:
        case Qt::Key_Return:
        case Qt::Key_Enter:
        case Qt::Key_Space:
            return true;
        default:
            return key->key() >= Qt::Key_1 && key->key() <= Qt::Key_9;
    }
}

Qt::CursorShape cursorFor(BoxHandle handle) {
    switch (handle) {
        case BoxHandle::TopLeft:
        case BoxHandle::BottomRight:
            return Qt::SizeFDiagCursor;
        case BoxHandle::TopRight:
        case BoxHandle::BottomLeft:
            return Qt::SizeBDiagCursor;
        case BoxHandle::Top:
        case BoxHandle::Bottom:
            return Qt::SizeVerCursor;
        case BoxHandle::Left:
        case BoxHandle::Right:
            return Qt::SizeHorCursor;
        case BoxHandle::Inside:
            return Qt::SizeAllCursor;
        case BoxHandle::None:
            break;
    }
    return Qt::CrossCursor;
}

}  // namespace

BoxCanvas::BoxCanvas(QWidget* parent) : QWidget(parent) {
    setObjectName("boxCanvas");
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setCursor(Qt::CrossCursor);
    setMinimumSize(120, 120);
}

void BoxCanvas::setImage(const QImage& pixels, const QSizeF& imageSize) {
    cancelDrag();
    m_pixels = pixels;
    m_fullPixmap = pixels.isNull() ? QPixmap() : QPixmap::fromImage(pixels);
    m_imageSize = pixels.isNull() ? QSizeF() : imageSize;
    m_scaled = QPixmap();
    m_scaledZoom = 0;
    if (!pixels.isNull()) m_message.clear();
    if (m_fit) {
        zoomToFit();
    } else {
        update();
    }
}

void BoxCanvas::setMessage(const QString& message) {
    m_message = message;
    update();
}

void BoxCanvas::setBoxes(std::vector<core::ProjectBox> boxes, std::optional<int> select) {
    cancelDrag();
    m_boxes = std::move(boxes);
    const int wanted = select.value_or(m_selected);
    const int count = static_cast<int>(m_boxes.size());
    setSelected(wanted < 0 || count == 0 ? -1 : std::min(wanted, count - 1));
    update();
}

void BoxCanvas::setClassLooks(QHash<core::ClassId, ClassLook> looks) {
    m_looks = std::move(looks);
    update();
}

void BoxCanvas::selectBox(int index) {
    if (index < -1 || index >= static_cast<int>(m_boxes.size())) index = -1;
    setSelected(index);
}

void BoxCanvas::setSuggestions(std::vector<Suggestion> suggestions) {
    if (m_fixing) cancelDrag();
    m_suggestions = std::move(suggestions);
    m_selectedSuggestion = -1;
    update();
}

void BoxCanvas::selectSuggestion(int index) {
    if (index < -1 || index >= static_cast<int>(m_suggestions.size())) index = -1;
    if (index >= 0) setSelected(-1);
    m_selectedSuggestion = index;
    update();
}

int BoxCanvas::suggestionAt(const QPointF& point) const {
    int best = -1;
    double bestArea = 0;
    for (int i = 0; i < static_cast<int>(m_suggestions.size()); ++i) {
        const QRectF r = boxToWidget(m_suggestions[static_cast<size_t>(i)].box);
        if (!r.adjusted(-2, -2, 2, 2).contains(point)) continue;
        if (i == m_selectedSuggestion) return i;
        const double area = r.width() * r.height();
        if (best < 0 || area < bestArea) {
            best = i;
            bestArea = area;
        }
    }
    return best;
}

void BoxCanvas::setSelected(int index) {
    if (index >= 0 && m_selectedSuggestion >= 0) {
        m_selectedSuggestion = -1;
        update();
    }
    if (index == m_selected) return;
    m_selected = index;
    update();
    Q_EMIT selectionChanged(index);
}

QString BoxCanvas::className(core::ClassId id) const {
    const auto it = m_looks.find(id);
    return it != m_looks.end() ? it->name : QString("class %1").arg(id);
}

QColor BoxCanvas::classColour(core::ClassId id) const {
    const auto it = m_looks.find(id);
    return it != m_looks.end() && it->colour.isValid() ? it->colour : kUnknownClass;
}

// --- Geometry ---

QPointF BoxCanvas::imageToWidget(const QPointF& p) const { return m_origin + p * m_zoom; }

QPointF BoxCanvas::widgetToImage(const QPointF& p) const { return (p - m_origin) / m_zoom; }

QRectF BoxCanvas::rectOf(const core::ProjectBox& box) { return QRectF(box.x, box.y, box.w, box.h); }

QRectF BoxCanvas::boxToWidget(const core::ProjectBox& box) const {
    const QRectF r = rectOf(box);
    return QRectF(imageToWidget(r.topLeft()), imageToWidget(r.bottomRight()));
}

core::ProjectBox BoxCanvas::withRect(core::ProjectBox box, const QRectF& rect) const {
    box.x = static_cast<float>(rect.x());
    box.y = static_cast<float>(rect.y());
    box.w = static_cast<float>(rect.width());
    box.h = static_cast<float>(rect.height());
    return box;
}

void BoxCanvas::setZoom(double zoom, std::optional<QPointF> anchor) {
    const QPointF at = anchor.value_or(QPointF(width() / 2.0, height() / 2.0));
    const QPointF imagePoint = widgetToImage(at);
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    const QPointF origin = at - imagePoint * m_zoom;
    m_origin = QPointF(std::round(origin.x()), std::round(origin.y()));
    m_fit = false;
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void BoxCanvas::zoomToFit() {
    m_fit = true;
    if (m_imageSize.isEmpty()) {
        update();
        return;
    }
    const double w = std::max(1, width() - 2 * kFitMargin);
    const double h = std::max(1, height() - 2 * kFitMargin);
    m_zoom =
        std::clamp(std::min(w / m_imageSize.width(), h / m_imageSize.height()), kMinZoom, kMaxZoom);
    m_origin = QPointF(std::round((width() - m_imageSize.width() * m_zoom) / 2),
                       std::round((height() - m_imageSize.height() * m_zoom) / 2));
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void BoxCanvas::panBy(const QPointF& delta) {
    m_origin += QPointF(std::round(delta.x()), std::round(delta.y()));
    m_fit = false;
    update();
}

int BoxCanvas::boxAt(const QPointF& point) const {
    int best = -1;
    double bestArea = 0;
    for (int i = 0; i < static_cast<int>(m_boxes.size()); ++i) {
        const QRectF r = boxToWidget(m_boxes[static_cast<size_t>(i)]).adjusted(-2, -2, 2, 2);
        if (!r.contains(point)) continue;
        if (i == m_selected) return i;
        const double area = r.width() * r.height();
        if (best < 0 || area < bestArea) {
            best = i;
            bestArea = area;
        }
    }
    return best;
}

// --- Painting ---

void BoxCanvas::ensureScaledPixmap() {
    // In device pixels, so a high-density screen gets a sharp picture too.
    const double dpr = devicePixelRatioF();
    const double scale = m_zoom * dpr;
    const QSize target(static_cast<int>(std::lround(m_imageSize.width() * scale)),
                       static_cast<int>(std::lround(m_imageSize.height() * scale)));
    if (target.width() >= m_pixels.width() || target.isEmpty()) {
        m_scaled = QPixmap();  // zoomed in: painted from the decoded pixels
        m_scaledZoom = scale;
        return;
    }
    if (m_scaledZoom == scale && !m_scaled.isNull()) return;
    // Once per zoom, never per mouse move.
    m_scaled = QPixmap::fromImage(
        m_pixels.scaled(target, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
    m_scaled.setDevicePixelRatio(dpr);
    m_scaledZoom = scale;
}

void BoxCanvas::paintEvent(QPaintEvent* event) {
    QPainter painter(this);
    painter.fillRect(event->rect(), kBackground);
    if (!hasImage()) {
        painter.setPen(QColor(200, 200, 200));
        painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                         m_message);
        return;
    }
    ensureScaledPixmap();
    if (!m_scaled.isNull()) {
        painter.drawPixmap(m_origin.toPoint(), m_scaled);
    } else {
        // Zoomed in beyond the decoded pixels: only the visible part is scaled.
        const QRectF target(m_origin, m_imageSize * m_zoom);
        const QRectF visible = target.intersected(QRectF(event->rect()));
        if (!visible.isEmpty()) {
            const double perWidget = m_pixels.width() / target.width();
            const QRectF source((visible.x() - target.x()) * perWidget,
                                (visible.y() - target.y()) * perWidget, visible.width() * perWidget,
                                visible.height() * perWidget);
            // Sharp pixels when each is several screen pixels wide, for placing edges.
            painter.setRenderHint(QPainter::SmoothPixmapTransform, perWidget > 0.25);
            painter.drawPixmap(visible, m_fullPixmap, source);
            painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
        }
    }
    const bool editing = m_dragStarted && (m_mode == Mode::Move || m_mode == Mode::Resize);
    // Suggestions under the boxes: what is stored stays on top.
    for (int i = 0; i < static_cast<int>(m_suggestions.size()); ++i) {
        const auto& suggestion = m_suggestions[static_cast<size_t>(i)];
        const bool selected = i == m_selectedSuggestion;
        const QRectF r =
            selected && editing && m_fixing
                ? QRectF(imageToWidget(m_draft.topLeft()), imageToWidget(m_draft.bottomRight()))
                : boxToWidget(suggestion.box);
        paintSuggestion(painter, r, suggestion, selected);
    }
    for (int i = 0; i < static_cast<int>(m_boxes.size()); ++i) {
        if (i == m_selected) continue;  // on top, below
        const auto& box = m_boxes[static_cast<size_t>(i)];
        paintBox(painter, boxToWidget(box), box.classId, false, false);
    }
    if (m_selected >= 0) {
        const auto& box = m_boxes[static_cast<size_t>(m_selected)];
        const QRectF r =
            editing ? QRectF(imageToWidget(m_draft.topLeft()), imageToWidget(m_draft.bottomRight()))
                    : boxToWidget(box);
        paintBox(painter, r, box.classId, true, false);
    }
    if (m_mode == Mode::Draw && m_dragStarted && m_drawClass) {
        paintBox(painter,
                 QRectF(imageToWidget(m_draft.topLeft()), imageToWidget(m_draft.bottomRight())),
                 *m_drawClass, false, true);
    }
}

void BoxCanvas::paintBox(QPainter& painter, const QRectF& rect, core::ClassId classId,
                         bool selected, bool draft) const {
    const QColor colour = classColour(classId);
    painter.save();
    if (selected) {
        QColor fill = colour;
        fill.setAlpha(45);
        painter.fillRect(rect, fill);
    }
    // A dark outline under the colour keeps a box visible on any picture.
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(QColor(0, 0, 0, 150), selected ? 4 : 3));
    painter.drawRect(rect);
    QPen pen(colour, selected ? 2 : 1.5);
    if (draft) pen.setStyle(Qt::DashLine);
    painter.setPen(pen);
    painter.drawRect(rect);

    QFont font = painter.font();
    font.setPointSizeF(font.pointSizeF() * 0.85);
    font.setBold(selected);
    painter.setFont(font);
    const QFontMetrics metrics(font);
    const QString name = className(classId);
    const QSize tagSize(metrics.horizontalAdvance(name) + 8, metrics.height() + 2);
    // Above the box, or inside it at the top of the picture.
    double top = rect.top() - tagSize.height();
    if (top < 0) top = rect.top();
    const QRectF tag(rect.left() - (selected ? 1 : 0.75), top, tagSize.width(), tagSize.height());
    painter.fillRect(tag, colour);
    painter.setPen(colour.lightness() > 150 ? Qt::black : Qt::white);
    painter.drawText(tag, Qt::AlignCenter, name);

    if (selected) {
        painter.setPen(QPen(colour.darker(150), 1));
        painter.setBrush(Qt::white);
        for (BoxHandle handle :
             {BoxHandle::TopLeft, BoxHandle::Top, BoxHandle::TopRight, BoxHandle::Right,
              BoxHandle::BottomRight, BoxHandle::Bottom, BoxHandle::BottomLeft, BoxHandle::Left}) {
            const QPointF c = handlePoint(rect, handle);
            painter.drawRect(QRectF(c.x() - kHandleSide / 2.0, c.y() - kHandleSide / 2.0,
                                    kHandleSide, kHandleSide));
        }
    }
    painter.restore();
}

void BoxCanvas::paintSuggestion(QPainter& painter, const QRectF& rect, const Suggestion& suggestion,
                                bool selected) const {
    const QColor colour = classColour(suggestion.box.classId);
    painter.save();
    if (selected) {
        QColor fill = colour;
        fill.setAlpha(35);
        painter.fillRect(rect, fill);
    }
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(QColor(0, 0, 0, 120), 3, Qt::DashLine));
    painter.drawRect(rect);
    painter.setPen(QPen(colour, selected ? 2 : 1.5, Qt::DashLine));
    painter.drawRect(rect);
    // The tag hollow (outlined, not filled) and with the score: a proposal, not a label.
    QFont font = painter.font();
    font.setPointSizeF(font.pointSizeF() * 0.85);
    font.setItalic(true);
    painter.setFont(font);
    const QFontMetrics metrics(font);
    const QString text = QString("%1? %2%")
                             .arg(className(suggestion.box.classId))
                             .arg(std::lround(100 * suggestion.score));
    const QSize tagSize(metrics.horizontalAdvance(text) + 8, metrics.height() + 2);
    double top = rect.top() - tagSize.height();
    if (top < 0) top = rect.top();
    const QRectF tag(rect.left(), top, tagSize.width(), tagSize.height());
    painter.fillRect(tag, QColor(0, 0, 0, 150));
    painter.setPen(colour.lightness() < 90 ? colour.lighter(200) : colour);
    painter.drawText(tag, Qt::AlignCenter, text);
    if (selected) {
        painter.setPen(QPen(colour.darker(150), 1));
        painter.setBrush(Qt::white);
        for (BoxHandle handle :
             {BoxHandle::TopLeft, BoxHandle::Top, BoxHandle::TopRight, BoxHandle::Right,
              BoxHandle::BottomRight, BoxHandle::Bottom, BoxHandle::BottomLeft, BoxHandle::Left}) {
            const QPointF c = handlePoint(rect, handle);
            painter.drawRect(QRectF(c.x() - kHandleSide / 2.0, c.y() - kHandleSide / 2.0,
                                    kHandleSide, kHandleSide));
        }
    }
    painter.restore();
}

void BoxCanvas::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (!m_fit) return;
    // Not under a drag: a list line that wraps differently as the press changes the selection
    // would rescale the picture under the mouse and throw the box the user holds elsewhere.
    if (m_mode != Mode::Idle) {
        m_refitAfterDrag = true;
        return;
    }
    zoomToFit();
}

void BoxCanvas::refitIfResizedDuringDrag() {
    if (std::exchange(m_refitAfterDrag, false) && m_fit) zoomToFit();
}

// --- Mouse ---

void BoxCanvas::mousePressEvent(QMouseEvent* event) {
    setFocus(Qt::MouseFocusReason);
    const QPointF pos = event->position();
    if (m_mode != Mode::Idle) return;  // a second button during a drag
    if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_mode = Mode::Pan;
        m_lastPanPoint = pos;
        setCursor(Qt::ClosedHandCursor);
        return;
    }
    if (!hasImage()) return;
    if (event->button() == Qt::RightButton) {
        // The context menu is about the box under the mouse.
        setSelected(boxAt(pos));
        return;
    }
    if (event->button() != Qt::LeftButton) return;
    m_pressWidget = pos;
    m_pressImage = widgetToImage(pos);
    m_dragStarted = false;
    BoxHandle handle = BoxHandle::None;
    if (m_selected >= 0) {
        handle = handleAt(boxToWidget(m_boxes[static_cast<size_t>(m_selected)]), pos, kHandleReach);
    }
    if (handle == BoxHandle::None && m_selectedSuggestion >= 0) {
        handle = handleAt(boxToWidget(m_suggestions[static_cast<size_t>(m_selectedSuggestion)].box),
                          pos, kHandleReach);
        if (handle != BoxHandle::None) {
            // A handle of the selected suggestion: a drag from it fixes the suggestion.
            startFixing(handle);
            return;
        }
    }
    if (handle == BoxHandle::None) {
        const int index = boxAt(pos);
        if (index >= 0) {
            setSelected(index);
            handle = BoxHandle::Inside;
        } else if (const int suggestion = suggestionAt(pos); suggestion >= 0) {
            selectSuggestion(suggestion);
            startFixing(BoxHandle::Inside);
            return;
        }
    }
    if (handle != BoxHandle::None) {
        m_mode = handle == BoxHandle::Inside ? Mode::Move : Mode::Resize;
        m_handle = handle;
        m_original = clipBox(rectOf(m_boxes[static_cast<size_t>(m_selected)]), m_imageSize);
        m_draft = m_original;
        return;
    }
    setSelected(-1);
    selectSuggestion(-1);
    if (!m_drawClass) {
        Q_EMIT drawRefused();
        return;
    }
    m_mode = Mode::Draw;
    m_draft = QRectF();
}

void BoxCanvas::startFixing(BoxHandle handle) {
    m_fixing = true;
    m_mode = handle == BoxHandle::Inside ? Mode::Move : Mode::Resize;
    m_handle = handle;
    m_original =
        clipBox(rectOf(m_suggestions[static_cast<size_t>(m_selectedSuggestion)].box), m_imageSize);
    m_draft = m_original;
}

void BoxCanvas::mouseMoveEvent(QMouseEvent* event) {
    const QPointF pos = event->position();
    switch (m_mode) {
        case Mode::Idle:
            updateCursor(pos);
            return;
        case Mode::Pan:
            panBy(pos - m_lastPanPoint);
            m_lastPanPoint = pos;
            return;
        default:
            break;
    }
    if (!m_dragStarted) {
        if ((pos - m_pressWidget).manhattanLength() < QApplication::startDragDistance()) return;
        m_dragStarted = true;
    }
    const QPointF at = widgetToImage(pos);
    switch (m_mode) {
        case Mode::Draw:
            m_draft = boxFromCorners(m_pressImage, at, m_imageSize);
            break;
        case Mode::Move:
            m_draft = movedBox(m_original, at - m_pressImage, m_imageSize);
            break;
        case Mode::Resize:
            m_draft = resizedBox(m_original, m_handle, at, m_imageSize);
            break;
        default:
            break;
    }
    update();
}

void BoxCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (m_mode == Mode::Pan &&
        (event->button() == Qt::MiddleButton || event->button() == Qt::LeftButton)) {
        m_mode = Mode::Idle;
        refitIfResizedDuringDrag();
        updateCursor(event->position());
        return;
    }
    if (event->button() == Qt::LeftButton && m_mode != Mode::Idle) finishDrag();
}

void BoxCanvas::finishDrag() {
    const Mode mode = m_mode;
    const bool started = m_dragStarted;
    m_mode = Mode::Idle;
    m_dragStarted = false;
    refitIfResizedDuringDrag();
    update();
    const bool fixing = std::exchange(m_fixing, false);
    if (!started) return;  // a click: the selection is all it did
    if (fixing) {
        if (m_selectedSuggestion < 0 || m_draft == m_original || m_draft.isEmpty()) return;
        const int index = m_selectedSuggestion;
        Q_EMIT suggestionFixed(index,
                               withRect(m_suggestions[static_cast<size_t>(index)].box, m_draft));
        return;
    }
    if (mode == Mode::Draw) {
        if (!m_drawClass || m_draft.width() < 1 || m_draft.height() < 1) return;
        core::ProjectBox box;
        box.classId = *m_drawClass;
        m_boxes.push_back(withRect(box, m_draft));
        const int index = static_cast<int>(m_boxes.size()) - 1;
        setSelected(index);
        Q_EMIT boxesEdited(m_boxes, QString("Draw a box of \"%1\"").arg(className(box.classId)),
                           index);
        return;
    }
    if (m_selected < 0 || m_draft == m_original || m_draft.isEmpty()) return;
    auto& box = m_boxes[static_cast<size_t>(m_selected)];
    box = withRect(box, m_draft);
    const QString verb = mode == Mode::Move ? "Move" : "Resize";
    Q_EMIT boxesEdited(m_boxes, QString("%1 a box of \"%2\"").arg(verb, className(box.classId)),
                       m_selected);
}

void BoxCanvas::cancelDrag() {
    if (m_mode == Mode::Idle) return;
    m_mode = Mode::Idle;
    m_fixing = false;
    m_dragStarted = false;
    refitIfResizedDuringDrag();
    update();
}

void BoxCanvas::updateCursor(const QPointF& point) {
    if (m_spaceHeld) {
        setCursor(Qt::OpenHandCursor);
        return;
    }
    BoxHandle handle = BoxHandle::None;
    if (m_selected >= 0) {
        handle =
            handleAt(boxToWidget(m_boxes[static_cast<size_t>(m_selected)]), point, kHandleReach);
    }
    if (handle == BoxHandle::None && m_selectedSuggestion >= 0) {
        handle = handleAt(boxToWidget(m_suggestions[static_cast<size_t>(m_selectedSuggestion)].box),
                          point, kHandleReach);
    }
    if (handle == BoxHandle::None && (boxAt(point) >= 0 || suggestionAt(point) >= 0)) {
        handle = BoxHandle::Inside;
    }
    setCursor(cursorFor(handle));
}

void BoxCanvas::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0 && hasImage()) setZoom(m_zoom * std::pow(kZoomStep, steps), event->position());
    event->accept();
}

// --- Keys ---

bool BoxCanvas::event(QEvent* event) {
    // Canvas keys win over window shortcuts while the canvas has the focus.
    if (event->type() == QEvent::ShortcutOverride && isCanvasKey(static_cast<QKeyEvent*>(event))) {
        event->accept();
        return true;
    }
    return QWidget::event(event);
}

bool BoxCanvas::focusNextPrevChild(bool) { return false; }

void BoxCanvas::keyPressEvent(QKeyEvent* event) {
    if (!isPlainKey(event)) {
        QWidget::keyPressEvent(event);
        return;
    }
    const int count = static_cast<int>(m_boxes.size());
    const int key = event->key();
    if (key >= Qt::Key_1 && key <= Qt::Key_9) {
        Q_EMIT classKeyPressed(key - Qt::Key_0);
        return;
    }
    switch (key) {
        case Qt::Key_Delete:
        case Qt::Key_Backspace:
            if (m_selected >= 0 && m_mode == Mode::Idle) {
                const core::ClassId classId = m_boxes[static_cast<size_t>(m_selected)].classId;
                m_boxes.erase(m_boxes.begin() + m_selected);
                setSelected(-1);
                update();
                Q_EMIT boxesEdited(m_boxes,
                                   QString("Delete a box of \"%1\"").arg(className(classId)), -1);
            }
            return;
        case Qt::Key_Tab:
        case Qt::Key_Backtab: {
            if (count == 0 || m_mode != Mode::Idle) return;
            const bool back = key == Qt::Key_Backtab || (event->modifiers() & Qt::ShiftModifier);
            if (m_selected < 0) {
                setSelected(back ? count - 1 : 0);
            } else {
                setSelected((m_selected + (back ? count - 1 : 1)) % count);
            }
            return;
        }
        case Qt::Key_B:
            Q_EMIT backgroundRequested();
            return;
        case Qt::Key_F:
            zoomToFit();
            return;
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            if (hasImage()) setZoom(m_zoom * kZoomStep);
            return;
        case Qt::Key_Minus:
            if (hasImage()) setZoom(m_zoom / kZoomStep);
            return;
        case Qt::Key_Escape:
            if (m_mode != Mode::Idle) {
                cancelDrag();
            } else {
                setSelected(-1);
                if (!m_suggestions.empty()) Q_EMIT suggestionsDismissed();
            }
            return;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            Q_EMIT acceptRequested();
            return;
        case Qt::Key_Space:
            if (!event->isAutoRepeat()) {
                m_spaceHeld = true;
                if (m_mode == Mode::Idle) setCursor(Qt::OpenHandCursor);
            }
            return;
        default:
            QWidget::keyPressEvent(event);
    }
}

void BoxCanvas::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        if (m_mode == Mode::Idle) setCursor(Qt::CrossCursor);
        return;
    }
    QWidget::keyReleaseEvent(event);
}

}  // namespace fovea::ui
