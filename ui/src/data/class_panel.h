#pragma once

#include <QWidget>

#include "fovea/core/project/project_types.h"

class QPoint;

namespace fovea::ui {

class ClassList;
class ImageListModel;
class ProjectSession;

// The Data page's class list with the buttons and context menu that add, rename, merge, delete
// and recolour classes. It asks the user (name, target class, confirmation) and leaves the
// undoable changes to the page through the signals below; a colour is stored at once.
class ClassPanel : public QWidget {
    Q_OBJECT
  public:
    // `names` gives class names as the grid shows them (for the dialogs' texts).
    explicit ClassPanel(const ImageListModel* names, QWidget* parent = nullptr);

    void setSession(ProjectSession* session);
    ClassList* list() const { return m_list; }

  Q_SIGNALS:
    void addRequested(const QString& name);
    void renameRequested(fovea::core::ClassId id, const QString& name);
    void mergeRequested(fovea::core::ClassId from, fovea::core::ClassId into);
    void deleteRequested(fovea::core::ClassId id);

  private:
    void showMenu(const QPoint& position);
    void askAdd();
    void askRename();
    void askMerge();
    void askDelete();
    void askColour();

    const ImageListModel* m_names;
    ProjectSession* m_session = nullptr;
    ClassList* m_list;
};

}  // namespace fovea::ui
