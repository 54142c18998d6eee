#pragma once

#include <QString>
#include <QWidget>

namespace fovea::ui {

// One line of text that never widens its layout and is never cut off silently: when it does
// not fit, it is elided (in the middle by default, which keeps both ends of a path) and the
// tooltip holds it in full. For the pages' "Run: /path/to/run" lines.
class ElidedLabel : public QWidget {
    Q_OBJECT
    Q_PROPERTY(QString text READ text WRITE setText)
  public:
    explicit ElidedLabel(const QString& text = {}, QWidget* parent = nullptr,
                         Qt::TextElideMode mode = Qt::ElideMiddle);

    void setText(const QString& text);
    QString text() const { return m_text; }
    // What is drawn at the current width: text() or its elided form.
    QString shownText() const;
    bool isElided() const { return shownText() != m_text; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

  protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

  private:
    void updateToolTip();

    QString m_text;
    Qt::TextElideMode m_mode;
};

}  // namespace fovea::ui
