#pragma once

#include <QString>
#include <QToolButton>

namespace fovea::ui {

// A tool button that opens its menu at a click, its arrow part of the text ("Split ▾"): the
// style's own indicator is drawn over the corner of a text-only button, across the last letters.
inline void makeMenuButton(QToolButton* button, const QString& text) {
    button->setText(text + QStringLiteral(" ▾"));
    button->setPopupMode(QToolButton::InstantPopup);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    button->setStyleSheet(QStringLiteral("QToolButton::menu-indicator { image: none; width: 0; }"));
}

}  // namespace fovea::ui
