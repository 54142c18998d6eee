#pragma once

#include <QFrame>
#include <QList>
#include <QString>
#include <QStringList>

#include "fovea/core/project/project_types.h"

class QLineEdit;
class QListWidget;

namespace fovea::ui {

// Labels by class name, for every class (keys 1-9 reach only the first nine; issue 21): a
// small box over the image grid where typing the start of a name narrows the classes, Up and
// Down pick one, Enter chooses it and Escape, or clicking elsewhere, closes the box.
class ClassChooser : public QFrame {
    Q_OBJECT
  public:
    struct Entry {
        core::ClassId id = 0;
        QString name;
        QString key;  // its key in the grid ("1" to "9"), or empty
    };

    // Placed over `parent`'s top edge (the grid); hidden until open().
    explicit ClassChooser(QWidget* parent);

    // The classes whose name has `text`, best first: the name itself, then names that start
    // with it, then names that contain it; each group in display order; case ignored. Indices
    // into `names`.
    static QList<qsizetype> rankNames(const QStringList& names, const QString& text);
    // The shortest text that makes `names[index]` the first choice (what to type after L).
    static QString shortestPrefix(const QStringList& names, qsizetype index);

    // Shows `classes` (display order) and takes the keyboard focus.
    void open(const QList<Entry>& classes);
    // Hides the box without choosing.
    void dismiss();

    QLineEdit* edit() const { return m_edit; }
    QListWidget* matches() const { return m_matches; }

  Q_SIGNALS:
    void chosen(fovea::core::ClassId id);
    // Closed without choosing (Escape, focus elsewhere).
    void dismissed();

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void showMatches();
    void choose();
    void place();

    QLineEdit* m_edit;
    QListWidget* m_matches;
    QList<Entry> m_classes;
};

}  // namespace fovea::ui
