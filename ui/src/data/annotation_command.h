#pragma once

#include <QString>
#include <QUndoCommand>
#include <vector>

#include "fovea/core/project/project_types.h"

namespace fovea::ui {

class ProjectSession;

// One image's boxes before and after a change made in the box editor (or its annotated flag:
// marking a background image).
struct AnnotationChange {
    core::ImageId image = 0;
    core::ImageAnnotation before;
    core::ImageAnnotation after;
};

// A change to detection annotations as one step of the project's undo stack (issue 24, point 2):
// a box drawn, moved, resized, re-classed or deleted, or images marked as background. A whole
// drag is one command, made when the mouse is released. redo() writes each image's `after` with
// ProjectStore::setAnnotation (one transaction per image), undo() its `before`; both announce
// the images through the session (labelsChanged; undo also labelingUndone, so the Data page
// selects the image again). Box class ids are resolved through the session when written, as
// the labeling commands do: undoing a class deletion recreates the class under a new id.
// A first redo that the store refuses is reported and marks the command obsolete.
class SetAnnotationCommand : public QUndoCommand {
  public:
    SetAnnotationCommand(ProjectSession& session, std::vector<AnnotationChange> changes,
                         const QString& text);
    void redo() override;
    void undo() override;

  private:
    bool write(bool after);

    ProjectSession& m_session;
    std::vector<AnnotationChange> m_changes;
    bool m_done = false;  // the first redo ran
};

}  // namespace fovea::ui
