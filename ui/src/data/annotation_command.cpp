#include "data/annotation_command.h"

#include <QList>

#include "project/project_session.h"

namespace fovea::ui {

SetAnnotationCommand::SetAnnotationCommand(ProjectSession& session,
                                           std::vector<AnnotationChange> changes,
                                           const QString& text)
    : QUndoCommand(text), m_session(session), m_changes(std::move(changes)) {}

bool SetAnnotationCommand::write(bool after) {
    bool ok = true;
    QList<qint64> ids;
    for (const AnnotationChange& change : m_changes) {
        core::ImageAnnotation annotation = after ? change.after : change.before;
        for (core::ProjectBox& box : annotation.boxes) {
            box.classId = m_session.currentClassId(box.classId);
        }
        ok = m_session.check(m_session.store().setAnnotation(change.image, annotation)) && ok;
        ids << change.image;
    }
    Q_EMIT m_session.labelsChanged(ids);
    return ok;
}

void SetAnnotationCommand::redo() {
    const bool ok = write(true);
    if (!m_done && !ok) {
        // Refused (reported): images written before the refusal go back, and the stack drops
        // the command instead of offering to undo what did not happen.
        if (m_changes.size() > 1) write(false);
        setObsolete(true);
    }
    m_done = true;
}

void SetAnnotationCommand::undo() {
    write(false);
    QList<qint64> ids;
    for (const AnnotationChange& change : m_changes) ids << change.image;
    Q_EMIT m_session.labelingUndone(ids);
}

}  // namespace fovea::ui
