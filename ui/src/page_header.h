#pragma once

#include <QString>
#include <QWidget>

namespace fovea::ui {

// A page's title and one line saying what the page is for; every workbench page starts with it.
QWidget* makePageHeader(const QString& title, const QString& purpose, QWidget* parent);

}  // namespace fovea::ui
