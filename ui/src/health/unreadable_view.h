#pragma once

#include <QWidget>
#include <vector>

#include "fovea/core/health/dataset_health.h"

class QLabel;
class QTreeWidget;

namespace fovea::ui {

// The Health page's unreadable and missing files, each with why it cannot be read (every file
// was decoded in full, so a file cut short is among them).
class UnreadableView : public QWidget {
    Q_OBJECT
  public:
    enum Column { FileColumn, ErrorColumn, ColumnCount };

    explicit UnreadableView(QWidget* parent = nullptr);
    void showFiles(const std::vector<core::UnreadableImage>& files);

    QTreeWidget* list() const { return m_list; }

  Q_SIGNALS:
    void imageActivated(qint64 id);

  private:
    QLabel* m_summary;
    QTreeWidget* m_list;
};

}  // namespace fovea::ui
