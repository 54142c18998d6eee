#include "page_header.h"

#include <QLabel>
#include <QVBoxLayout>

namespace fovea::ui {

QWidget* makePageHeader(const QString& title, const QString& purpose, QWidget* parent) {
    auto* header = new QWidget(parent);
    auto* layout = new QVBoxLayout(header);
    layout->setContentsMargins(0, 0, 0, 8);
    auto* titleLabel = new QLabel(title, header);
    QFont font = titleLabel->font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setBold(true);
    titleLabel->setFont(font);
    auto* purposeLabel = new QLabel(purpose, header);
    purposeLabel->setWordWrap(true);
    purposeLabel->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(titleLabel);
    layout->addWidget(purposeLabel);
    return header;
}

}  // namespace fovea::ui
