#pragma once

class QCustomPlot;

namespace fovea::ui {

// Moves the plot's legend out of its axis rect into its own place below it, `perRow` entries
// side by side (1 for long names): a legend inside the axes covers curves wherever they go.
void placeLegendBelowPlot(QCustomPlot* plot, int perRow = 6);

}  // namespace fovea::ui
