#pragma once

#include <QString>
#include <QWidget>

namespace fovea::ui {

// A page's title and one line saying what the page is for; every workbench page starts with it.
QWidget* makePageHeader(const QString& title, const QString& purpose, QWidget* parent);

// A page that a later part of the workbench fills: the header plus a note of what comes.
QWidget* makePlaceholderPage(const QString& title, const QString& purpose, QWidget* parent);

}  // namespace fovea::ui
