#pragma once

class QPoint;

namespace fovea::ui {

class DataPage;
class ProjectSession;

// Shows the image grid's context menu at `globalPosition` and waits for the choice: label,
// move to a split, exclude from or include in training, watch during training; each acts on
// `page`'s selection as the keys do. `session` is the open project (its classes are listed).
void execImageGridMenu(DataPage& page, ProjectSession& session, const QPoint& globalPosition);

}  // namespace fovea::ui
