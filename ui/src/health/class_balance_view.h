#pragma once

#include <QWidget>

#include "fovea/core/health/dataset_health.h"

class QLabel;
class QTableWidget;

namespace fovea::ui {

// The Health page's class balance: usable images per class and split, the ratio of the largest
// class to the smallest, the suggested class weights and the advice, as at the check.
class ClassBalanceView : public QWidget {
    Q_OBJECT
  public:
    enum Column {
        ClassColumn,
        ImagesColumn,
        TrainColumn,
        ValColumn,
        TestColumn,
        NoSplitColumn,
        WeightColumn,
        ColumnCount
    };

    explicit ClassBalanceView(QWidget* parent = nullptr);
    void showReport(const core::HealthReport& report);
    void clear();

    QTableWidget* table() const { return m_table; }
    QLabel* advice() const { return m_advice; }

  private:
    QLabel* m_advice;
    QTableWidget* m_table;
};

}  // namespace fovea::ui
