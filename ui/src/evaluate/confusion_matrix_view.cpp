#include "evaluate/confusion_matrix_view.h"

#include <QHeaderView>

#include "evaluate/run_evaluation.h"

namespace fovea::ui {

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QTableWidget(parent) {
    setObjectName("confusionMatrix");
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionMode(QAbstractItemView::SingleSelection);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    setToolTip(
        "Rows: the true class. Columns: what the model predicted, numbered as the rows. Click a "
        "cell to see its images.");
    connect(this, &QTableWidget::cellClicked, this, &ConfusionMatrixView::cellChosen);
}

void ConfusionMatrixView::showEvaluation(const RunEvaluation* evaluation) {
    clear();
    if (!evaluation) {
        setRowCount(0);
        setColumnCount(0);
        return;
    }
    const QStringList names = evaluation->classNames();
    const int classes = evaluation->classCount();
    setRowCount(classes);
    setColumnCount(classes);
    // Columns are numbered like the rows, so that ten or more classes fit the page without
    // cutting names in narrow columns (an arrow before the number was cut to "→ 1…" with ten
    // classes); the rows carry the names, the tooltips both.
    QStringList predicted;
    QStringList truths;
    for (int c = 0; c < classes; ++c) {
        predicted << QString::number(c + 1);
        truths << QString("%1  %2").arg(c + 1).arg(names[c]);
    }
    setHorizontalHeaderLabels(predicted);
    setVerticalHeaderLabels(truths);
    verticalHeader()->setTextElideMode(Qt::ElideRight);
    for (int c = 0; c < classes; ++c) {
        horizontalHeaderItem(c)->setToolTip("Predicted class: " + names[c]);
        verticalHeaderItem(c)->setToolTip("True class: " + names[c]);
    }
    for (int truth = 0; truth < classes; ++truth) {
        qint64 rowTotal = 0;
        for (int p = 0; p < classes; ++p) rowTotal += evaluation->count(truth, p);
        for (int p = 0; p < classes; ++p) {
            const qint64 count = evaluation->count(truth, p);
            const double share = rowTotal > 0 ? double(count) / double(rowTotal) : 0.0;
            auto* item = new QTableWidgetItem(count > 0 ? QString::number(count) : QString());
            item->setTextAlignment(Qt::AlignCenter);
            const QColor base = truth == p ? QColor(44, 160, 44) : QColor(214, 39, 40);
            QColor shade = base;
            shade.setAlphaF(count > 0 ? 0.12 + 0.78 * share : 0.0);
            item->setBackground(shade);
            if (share > 0.55) item->setForeground(Qt::white);
            item->setToolTip(QString("%1 images of %2 predicted as %3 (%4% of the row)")
                                 .arg(count)
                                 .arg(names[truth], names[p])
                                 .arg(100.0 * share, 0, 'f', 1));
            setItem(truth, p, item);
        }
    }
}

}  // namespace fovea::ui
