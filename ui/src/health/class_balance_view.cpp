#include "health/class_balance_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace fovea::ui {

ClassBalanceView::ClassBalanceView(QWidget* parent) : QWidget(parent) {
    setObjectName("classBalanceView");
    m_advice = new QLabel(this);
    m_advice->setObjectName("balanceAdvice");
    m_advice->setWordWrap(true);
    m_advice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new QTableWidget(this);
    m_table->setObjectName("classTable");
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels(
        {"Class", "Images", "Train", "Validation", "Test", "No split", "Suggested weight"});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_advice);
    layout->addWidget(m_table, 1);
    clear();
}

void ClassBalanceView::clear() {
    m_table->setRowCount(0);
    m_advice->setText("Counts of usable images per class and split show after a check.");
}

void ClassBalanceView::showReport(const core::HealthReport& report) {
    m_table->setRowCount(static_cast<int>(report.classes.size()));
    int row = 0;
    for (const core::ClassBalance& balance : report.classes) {
        const bool labeled = !balance.name.empty();
        auto set = [&](int column, const QString& text, bool number = true) {
            auto* item = new QTableWidgetItem(text);
            if (number) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (!labeled) item->setForeground(palette().brush(QPalette::PlaceholderText));
            m_table->setItem(row, column, item);
        };
        set(ClassColumn, labeled ? QString::fromStdString(balance.name) : "(unlabeled)", false);
        set(ImagesColumn, QString::number(balance.count));
        set(TrainColumn, QString::number(balance.train));
        set(ValColumn, QString::number(balance.val));
        set(TestColumn, QString::number(balance.test));
        set(NoSplitColumn, QString::number(balance.unassigned));
        set(WeightColumn, labeled ? QString::number(balance.suggestedWeight, 'f', 2) : "");
        ++row;
    }
    // The Data page's class list counts every image; these are the ones training reads.
    QString text = QString(
                       "Usable images only (excluded, missing and unreadable ones left out). "
                       "Largest class over smallest: %1.")
                       .arg(QString::number(report.imbalanceRatio, 'f', 2));
    text += report.balanceAdvice.empty() ? " The classes are balanced; no class weights are needed."
                                         : " " + QString::fromStdString(report.balanceAdvice);
    m_advice->setText(text);
}

}  // namespace fovea::ui
