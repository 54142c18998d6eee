#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QUndoStack>
#include <map>
#include <memory>
#include <optional>

#include "fovea/core/project/project_store.h"

namespace fovea::ui {

// The project open in the workbench, for the GUI thread: its label store and the undo stack of
// labeling actions. Every change goes straight to the database (one transaction each), so
// there is nothing to save and a crash loses nothing. Pages listen to the signals below instead
// of to each other. Workers (import, thumbnails) open their own ProjectStore or read files only.
class ProjectSession : public QObject {
    Q_OBJECT
  public:
    // Opens the project in `folder`; on failure `error` names the folder and the problem.
    static std::unique_ptr<ProjectSession> open(const QString& folder, QString* error);
    // Creates a new project in `folder` (made when missing).
    static std::unique_ptr<ProjectSession> create(const QString& folder, QString* error);

    QString folder() const { return m_folder; }
    QString runsFolder() const;  // <folder>/runs: the project's training runs
    // The deepest folder that holds the project's images (of up to 1000 of them); empty when
    // it has none.
    QString imagesFolder() const;
    QString name() const;  // the folder's name, for the window title
    core::ProjectStore& store() { return m_store; }
    const core::ProjectStore& store() const { return m_store; }
    QUndoStack* undoStack() { return &m_undoStack; }

    // Undoing a class deletion or merge recreates the class under a new database id; commands
    // further down the undo stack still hold the old one. They resolve ids through this map.
    core::ClassId currentClassId(core::ClassId original) const;
    void recordRecreatedClass(core::ClassId oldId, core::ClassId newId);

    // Class names by id (read once for a loop over many images); the class called `name` —
    // model pages match the network's classes to the project's by name. A failed read is
    // reported (failed()) and gives no classes.
    QHash<core::ClassId, QString> classNames();
    std::optional<core::ClassId> classIdNamed(const QString& name);

    // The watch set: images whose predictions the Train page shows after every epoch, in the
    // order they were added, kept in the project. At most kMaxWatchedImages; ids of images
    // no longer in the project are dropped when read.
    static constexpr int kMaxWatchedImages = 32;
    QList<qint64> watchedImages() const;
    // Adds or removes `ids`; adding beyond the limit keeps the first ones and reports it.
    void setWatched(const QList<qint64>& ids, bool watched);

    // Another connection to the database (a training run on its thread) changed images' splits
    // or flags: announces it as a change of possibly every image.
    void noteChangedElsewhere() { Q_EMIT labelsChanged({}); }

    // Reports a failed store call (shown by the window) and returns false, so callers can write
    // `if (!session.check(store().setLabel(...))) return;`.
    template <class T>
    bool check(const core::Result<T>& result) {
        if (result) return true;
        Q_EMIT failed(QString::fromStdString(result.error().message));
        return false;
    }

  Q_SIGNALS:
    // Labels, splits or flags of these images changed (empty: possibly all of them).
    void labelsChanged(const QList<qint64>& imageIds);
    // An undo gave these images their earlier labels back (after labelsChanged): the Data page
    // selects them again, as they were when they were labeled.
    void labelingUndone(const QList<qint64>& imageIds);
    // Classes were added, renamed, recoloured, merged, reordered or deleted.
    void classesChanged();
    // Images were added or removed (import, rescan).
    void imagesChanged();
    // Images were added to or removed from the watch set.
    void watchSetChanged();
    // A change could not be made; the message is complete.
    void failed(const QString& message);

  private:
    ProjectSession(QString folder, core::ProjectStore store);

    QString m_folder;
    core::ProjectStore m_store;
    QUndoStack m_undoStack;
    std::map<core::ClassId, core::ClassId> m_recreatedClasses;
};

}  // namespace fovea::ui
