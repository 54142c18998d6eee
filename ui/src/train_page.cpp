#include "train_page.h"

#include <QHBoxLayout>
#include <QVBoxLayout>

#include "page_header.h"
#include "qcustomplot_wrapper.h"

namespace fovea::ui {
namespace {

QCustomPlot* makeEpochPlot(const QString& yLabel, double yMax, QWidget* parent) {
    auto* plot = new QCustomPlot(parent);
    plot->setMinimumHeight(220);
    plot->xAxis->setLabel("epoch");
    plot->yAxis->setLabel(yLabel);
    plot->xAxis->setRange(0, 10);
    plot->yAxis->setRange(0, yMax);
    plot->legend->setVisible(true);
    const QColor train(31, 119, 180);
    const QColor val(255, 127, 14);
    plot->addGraph()->setName("train");
    plot->graph(0)->setPen(QPen(train, 2));
    plot->addGraph()->setName("validation");
    plot->graph(1)->setPen(QPen(val, 2));
    return plot;
}

}  // namespace

TrainPage::TrainPage(QWidget* parent) : QWidget(parent) {
    setObjectName("trainPage");
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(makePageHeader(
        "Train",
        "Fine-tune the chosen network on the labelled images and watch loss and accuracy live.",
        this));
    auto* plots = new QHBoxLayout;
    m_lossPlot = makeEpochPlot("loss", 2.5, this);
    m_lossPlot->setObjectName("lossPlot");
    m_accuracyPlot = makeEpochPlot("accuracy", 1.0, this);
    m_accuracyPlot->setObjectName("accuracyPlot");
    plots->addWidget(m_lossPlot);
    plots->addWidget(m_accuracyPlot);
    layout->addLayout(plots, 1);
}

}  // namespace fovea::ui
