#pragma once

#include <QColor>
#include <QList>
#include <QTreeWidget>
#include <optional>

#include "fovea/core/project/project_types.h"

namespace fovea::ui {

class ProjectSession;

// The project's classes in display order with their colours, keys (1-9 label the selection
// with the first nine classes; for the rest what to type: L "tr" is L in the grid, then "tr",
// which picks the class in the chooser) and live counts per split, then a row for the
// unlabeled images (key 0).
// Images dragged from the grid onto a row get that class (onto "Unlabeled": lose their label).
class ClassList : public QTreeWidget {
    Q_OBJECT
  public:
    enum Column { KeyColumn, NameColumn, TotalColumn, TrainColumn, ValColumn, TestColumn };
    // Classes with a number key (1-9); every class can be chosen by name (key L).
    static constexpr int kNumberedClasses = 9;

    // The swatch of the "Unlabeled" row: a neutral grey that no class colour comes near (core's
    // class palette leaves out greys).
    static QColor unlabeledColour() { return QColor(Qt::lightGray); }

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
    // What to type after L for each class, worked out again only when the names change (a
    // refresh follows every label change; the work grows with the square of the classes).
    QStringList m_keyNames;
    QStringList m_typedKeys;
};

}  // namespace fovea::ui
