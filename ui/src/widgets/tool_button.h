#pragma once

#include <QString>
#include <QToolButton>

namespace fovea::ui {

// A tool button with its text, object name (for tests and state) and tooltip: the zoom bars
// of the classification preview and the box editor make theirs alike.
inline QToolButton* makeToolButton(QWidget* parent, const QString& text, const QString& name,
                                   const QString& tip) {
    auto* button = new QToolButton(parent);
    button->setText(text);
    button->setObjectName(name);
    button->setToolTip(tip);
    return button;
}

}  // namespace fovea::ui
