#include "data/class_panel.h"

#include <QColorDialog>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

#include "data/class_list.h"
#include "data/image_list_model.h"
#include "project/project_session.h"

namespace fovea::ui {

ClassPanel::ClassPanel(const ImageListModel* names, QWidget* parent)
    : QWidget(parent), m_names(names), m_list(new ClassList(this)) {
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_list, &ClassList::customContextMenuRequested, this, &ClassPanel::showMenu);

    auto button = [this](const QString& text, const QString& name, const QString& tip) {
        auto* b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setToolTip(tip);
        return b;
    };
    QPushButton* add = button("Add…", "addClassButton", "Add a class (it gets the next key)");
    QPushButton* rename = button("Rename…", "renameClassButton", "Rename the selected class");
    QPushButton* merge =
        button("Merge…", "mergeClassButton", "Give the selected class's images another class");
    QPushButton* remove = button("Delete", "deleteClassButton",
                                 "Delete the selected class; its images stay, unlabeled");
    connect(add, &QPushButton::clicked, this, &ClassPanel::askAdd);
    connect(rename, &QPushButton::clicked, this, &ClassPanel::askRename);
    connect(merge, &QPushButton::clicked, this, &ClassPanel::askMerge);
    connect(remove, &QPushButton::clicked, this, &ClassPanel::askDelete);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(rename);
    buttons->addWidget(merge);
    buttons->addWidget(remove);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel("<b>Classes</b>", this));
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);
}

void ClassPanel::setSession(ProjectSession* session) {
    m_session = session;
    m_list->setSession(session);
}

void ClassPanel::showMenu(const QPoint& position) {
    if (!m_session) return;
    QMenu menu(this);
    const bool onClass = m_list->classAt(m_list->itemAt(position)).has_value();
    menu.addAction("Add class…", this, &ClassPanel::askAdd);
    menu.addAction("Rename…", this, &ClassPanel::askRename)->setEnabled(onClass);
    menu.addAction("Colour…", this, &ClassPanel::askColour)->setEnabled(onClass);
    menu.addAction("Merge into…", this, &ClassPanel::askMerge)->setEnabled(onClass);
    menu.addAction("Delete", this, &ClassPanel::askDelete)->setEnabled(onClass);
    menu.exec(m_list->viewport()->mapToGlobal(position));
}

void ClassPanel::askAdd() {
    if (!m_session) return;
    bool ok = false;
    const QString name = QInputDialog::getText(
        this, "Add Class", "Name of the new class:", QLineEdit::Normal, {}, &ok);
    if (ok && !name.trimmed().isEmpty()) Q_EMIT addRequested(name);
}

void ClassPanel::askRename() {
    const auto id = m_list->selectedClass();
    if (!id || !m_session) return;
    bool ok = false;
    const QString name = QInputDialog::getText(this, "Rename Class", "New name:", QLineEdit::Normal,
                                               m_names->className(id), &ok);
    if (ok && !name.trimmed().isEmpty()) Q_EMIT renameRequested(*id, name);
}

void ClassPanel::askMerge() {
    const auto id = m_list->selectedClass();
    if (!id || !m_session) return;
    auto classes = m_session->store().classes();
    if (!m_session->check(classes)) return;
    QStringList names;
    QList<core::ClassId> ids;
    for (const auto& info : classes.value()) {
        if (info.id == *id) continue;
        names << QString::fromStdString(info.name);
        ids << info.id;
    }
    if (names.isEmpty()) return;
    bool ok = false;
    const QString choice = QInputDialog::getItem(
        this, "Merge Class",
        QString("Give the images of \"%1\" the class:").arg(m_names->className(id)), names, 0,
        false, &ok);
    if (ok) Q_EMIT mergeRequested(*id, ids[names.indexOf(choice)]);
}

void ClassPanel::askDelete() {
    const auto id = m_list->selectedClass();
    if (!id || !m_session) return;
    const auto answer = QMessageBox::question(
        this, "Delete Class",
        QString("Delete the class \"%1\"? Its images stay in the project, unlabeled. "
                "Edit ▸ Undo brings it back.")
            .arg(m_names->className(id)));
    if (answer == QMessageBox::Yes) Q_EMIT deleteRequested(*id);
}

void ClassPanel::askColour() {
    const auto id = m_list->selectedClass();
    if (!id || !m_session) return;
    const QColor colour = QColorDialog::getColor(Qt::white, this, "Class Colour");
    if (!colour.isValid()) return;
    if (m_session->check(
            m_session->store().setClassColour(*id, colour.name(QColor::HexRgb).toStdString()))) {
        Q_EMIT m_session->classesChanged();
    }
}

}  // namespace fovea::ui
