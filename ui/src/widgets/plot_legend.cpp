#include "widgets/plot_legend.h"

#include "qcustomplot_wrapper.h"

namespace fovea::ui {

void placeLegendBelowPlot(QCustomPlot* plot, int perRow) {
    QCPLayoutInset* inset = plot->axisRect()->insetLayout();
    if (inset->take(plot->legend)) inset->simplify();
    auto* row = new QCPLayoutGrid;
    plot->plotLayout()->addElement(1, 0, row);
    row->setMargins(QMargins(0, 0, 0, 4));
    row->addElement(0, 0, plot->legend);
    plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot->legend->setWrap(perRow);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    // The legend row takes only the height it needs; the axes keep the rest.
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
    plot->legend->setVisible(true);
}

}  // namespace fovea::ui
