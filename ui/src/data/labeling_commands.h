#pragma once

#include <QString>
#include <QUndoCommand>
#include <optional>
#include <utility>
#include <vector>

#include "fovea/core/project/project_types.h"

namespace fovea::ui {

class ProjectSession;

// Every labeling action is one of these commands on the project's QUndoStack, so Ctrl+Z and
// Ctrl+Shift+Z walk through all of them. Each redo()/undo() writes to the database at once and
// tells the session what changed. Class ids are resolved through the session at run time: undoing
// a class deletion recreates the class under a new id (see ProjectSession::currentClassId).
// A command whose first redo() fails reports the error and marks itself obsolete, so the stack
// drops it instead of offering to undo something that never happened.

// Gives `ids` one class (std::nullopt: unlabeled); undo restores each image's own label.
class SetLabelCommand : public QUndoCommand {
  public:
    SetLabelCommand(ProjectSession& session, std::vector<core::ImageId> ids,
                    std::optional<core::ClassId> classId, const QString& text);
    void redo() override;
    void undo() override;

  private:
    ProjectSession& m_session;
    std::vector<core::ImageId> m_ids;
    std::optional<core::ClassId> m_classId;
    std::vector<std::optional<core::ClassId>> m_previous;  // per id
};

// Accepts the models' suggestions of `ids` (ProjectStore::acceptSuggestions): the images still
// unlabeled take their suggested class, in one transaction; images with a label keep it (a
// hand-given label wins). Undo unlabels exactly the images it labeled, so their suggestions
// show again; redo labels them again with the same classes. Labeling none is no change: the
// first redo then marks the command obsolete (nothing to undo). The text says how many it
// labeled.
class AcceptSuggestionsCommand : public QUndoCommand {
  public:
    AcceptSuggestionsCommand(ProjectSession& session, std::vector<core::ImageId> ids);
    void redo() override;
    void undo() override;
    // What the first redo labeled, (image, class as then).
    const std::vector<std::pair<core::ImageId, core::ClassId>>& accepted() const {
        return m_accepted;
    }

  private:
    ProjectSession& m_session;
    std::vector<core::ImageId> m_ids;
    std::vector<std::pair<core::ImageId, core::ClassId>> m_accepted;
    bool m_done = false;  // the first redo ran
};

// Moves `ids` to a split (std::nullopt: none); undo restores each image's own split.
class SetSplitCommand : public QUndoCommand {
  public:
    SetSplitCommand(ProjectSession& session, std::vector<core::ImageId> ids,
                    std::optional<core::Split> split, const QString& text);
    void redo() override;
    void undo() override;

  private:
    ProjectSession& m_session;
    std::vector<core::ImageId> m_ids;
    std::optional<core::Split> m_split;
    std::vector<std::optional<core::Split>> m_previous;
};

// Leaves `ids` out of training and export (or takes them back in); undo restores each image's
// own flag.
class SetExcludedCommand : public QUndoCommand {
  public:
    SetExcludedCommand(ProjectSession& session, std::vector<core::ImageId> ids, bool excluded,
                       const QString& text);
    void redo() override;
    void undo() override;

  private:
    ProjectSession& m_session;
    std::vector<core::ImageId> m_ids;
    bool m_excluded;
    std::vector<bool> m_previous;
};

class AddClassCommand : public QUndoCommand {
  public:
    AddClassCommand(ProjectSession& session, const QString& name);
    void redo() override;
    void undo() override;
    // The id the class got the first time (resolve through the session later).
    std::optional<core::ClassId> classId() const { return m_classId; }

  private:
    ProjectSession& m_session;
    std::string m_name;
    std::optional<core::ClassId> m_classId;
};

class RenameClassCommand : public QUndoCommand {
  public:
    RenameClassCommand(ProjectSession& session, core::ClassId id, const QString& newName);
    void redo() override;
    void undo() override;

  private:
    ProjectSession& m_session;
    core::ClassId m_id;
    std::string m_oldName;
    std::string m_newName;
};

// Deletes a class (its images become unlabeled, its boxes go) or, with `into`, merges it into
// another class (its images and boxes take that class). Undo recreates the class where it was,
// with its colour, its images and, in a detection project, every box as it was.
class RemoveClassCommand : public QUndoCommand {
  public:
    RemoveClassCommand(ProjectSession& session, core::ClassId id,
                       std::optional<core::ClassId> into);
    void redo() override;
    void undo() override;

  private:
    QList<qint64> changedImages() const;

    ProjectSession& m_session;
    core::ClassId m_id;
    std::optional<core::ClassId> m_into;
    core::ClassInfo m_info;
    std::size_t m_displayIndex = 0;  // place in the class list
    std::vector<core::ImageId> m_images;
    // Detection projects: the images holding boxes of the class, with all their boxes as they
    // were (box classes by their ids then).
    std::vector<std::pair<core::ImageId, core::ImageAnnotation>> m_annotations;
};

}  // namespace fovea::ui
