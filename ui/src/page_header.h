#pragma once

#include <QString>
#include <QWidget>

namespace fovea::ui {

// A page's title and one line saying what the page is for; every workbench page starts with it.
// `besideTitle` (optional) goes on the title's row, right of it: a notice that comes and goes
// there takes no room of its own, so nothing below moves and no blank row is kept for it.
QWidget* makePageHeader(const QString& title, const QString& purpose, QWidget* parent,
                        QWidget* besideTitle = nullptr);

}  // namespace fovea::ui
