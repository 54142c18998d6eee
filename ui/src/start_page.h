#pragma once

#include <QStringList>
#include <QWidget>

class QLabel;
class QListWidget;

namespace fovea::ui {

// What the window shows while no project is open: the recent projects (double-click or Enter
// opens one), New Project, Open Project and the demo project, instead of greyed-out pages.
class StartPage : public QWidget {
    Q_OBJECT
  public:
    explicit StartPage(QWidget* parent = nullptr);

    void setRecentProjects(const QStringList& folders);
    // A line under the buttons, e.g. why the last project could not be opened.
    void showMessage(const QString& message);
    QListWidget* recentList() const { return m_recent; }

  Q_SIGNALS:
    void newProjectRequested();
    void openProjectRequested();
    void demoRequested();
    void recentProjectChosen(const QString& folder);

  private:
    QListWidget* m_recent;
    QLabel* m_noRecent;
    QLabel* m_message;
};

}  // namespace fovea::ui
