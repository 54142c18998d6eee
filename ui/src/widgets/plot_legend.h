#pragma once

class QCustomPlot;

namespace fovea::ui {

// Moves the plot's legend out of its axis rect into a row of its own below it, laid out in
// columns: a legend inside the axes covers curves wherever they happen to go.
void placeLegendBelowPlot(QCustomPlot* plot);

}  // namespace fovea::ui
