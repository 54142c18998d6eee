#include "widgets/focus_return.h"

#include <QApplication>
#include <QEvent>
#include <QTimer>
#include <QWidget>
#include <QWindow>

namespace fovea::ui {

namespace {

// Whether `widget` is a window opened over `window` (directly or over another of its dialogs).
bool isDialogOf(const QWidget* widget, const QWidget* window) {
    if (widget == window || !widget->isWindow()) return false;
    for (const QWidget* parent = widget->parentWidget(); parent; parent = parent->parentWidget()) {
        if (parent == window) return true;
    }
    return false;
}

// Watches the application's windows being hidden; one of `window`'s dialogs hidden while no
// other window holds the focus gives the focus back to `window`.
class FocusReturner : public QObject {
  public:
    explicit FocusReturner(QWidget* window) : QObject(window), m_window(window) {
        qApp->installEventFilter(this);
    }

    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() != QEvent::Hide || !watched->isWidgetType()) return false;
        if (!isDialogOf(static_cast<QWidget*>(watched), m_window)) return false;
        // Once the hiding is done, and unless another window took the focus meanwhile (a
        // dialog that opens another).
        QTimer::singleShot(0, m_window, [window = m_window] {
            const QWindow* focused = QGuiApplication::focusWindow();
            const bool nowhere = !focused || !focused->isVisible();
            if (nowhere && window->isVisible() && !QApplication::activeModalWidget()) {
                window->activateWindow();
            }
        });
        return false;
    }

  private:
    QWidget* m_window;
};

}  // namespace

void returnFocusAfterDialogs(QWidget* window) { new FocusReturner(window); }

}  // namespace fovea::ui
