#pragma once

class QMenu;
class QPoint;

namespace fovea::ui {

class DataPage;
class ProjectSession;

// The image grid's context menu for `page`'s selection: label, move to a split, exclude from or
// include in training, watch during training; each acts as the keys do. It shows the
// selection's state (the class and split all selected images share are checked; actions with
// nothing to do are greyed). `session` is the open project (its classes are listed). The
// caller owns the menu; its parent is `page`.
QMenu* buildImageGridMenu(DataPage& page, ProjectSession& session);

// Shows that menu at `globalPosition` and waits for the choice.
void execImageGridMenu(DataPage& page, ProjectSession& session, const QPoint& globalPosition);

}  // namespace fovea::ui
