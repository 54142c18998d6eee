#pragma once

#include <QList>
#include <QTreeWidget>
#include <optional>

#include "fovea/core/project/project_types.h"

namespace fovea::ui {

class ProjectSession;

// The project's classes in display order with their colours, key numbers (1-9 label the
// selection with that class) and live counts per split, then a row for the unlabeled images.
// Images dragged from the grid onto a row get that class (onto "Unlabeled": lose their label).
class ClassList : public QTreeWidget {
    Q_OBJECT
  public:
    enum Column { KeyColumn, NameColumn, TotalColumn, TrainColumn, ValColumn, TestColumn };

    explicit ClassList(QWidget* parent = nullptr);
    void setSession(ProjectSession* session);
    // Re-reads classes and counts from the project.
    void refresh();

    // The class of a row; std::nullopt for the "Unlabeled" row.
    std::optional<core::ClassId> classAt(const QTreeWidgetItem* item) const;
    std::optional<core::ClassId> selectedClass() const;
    QTreeWidgetItem* itemForClass(std::optional<core::ClassId> id) const;
    // Class ids in display order (keys 1-9 are the first nine).
    const QList<core::ClassId>& classOrder() const { return m_order; }

  Q_SIGNALS:
    // Images were dropped on a class row (std::nullopt: the "Unlabeled" row).
    void imagesDropped(std::optional<core::ClassId> classId, const QList<qint64>& imageIds);

  protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    ProjectSession* m_session = nullptr;
    QList<core::ClassId> m_order;
};

}  // namespace fovea::ui
