#include "page_header.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace fovea::ui {

QWidget* makePageHeader(const QString& title, const QString& purpose, QWidget* parent,
                        QWidget* besideTitle) {
    auto* header = new QWidget(parent);
    auto* layout = new QVBoxLayout(header);
    layout->setContentsMargins(0, 0, 0, 8);
    auto* titleLabel = new QLabel(title, header);
    titleLabel->setObjectName("pageTitle");
    QFont font = titleLabel->font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setBold(true);
    titleLabel->setFont(font);
    auto* purposeLabel = new QLabel(purpose, header);
    purposeLabel->setWordWrap(true);
    purposeLabel->setForegroundRole(QPalette::PlaceholderText);
    if (besideTitle) {
        auto* titleRow = new QHBoxLayout;
        titleRow->addWidget(titleLabel);
        titleRow->addSpacing(16);
        besideTitle->setParent(header);
        // Its height is counted while hidden too, so the row is as tall either way.
        QSizePolicy policy = besideTitle->sizePolicy();
        policy.setRetainSizeWhenHidden(true);
        besideTitle->setSizePolicy(policy);
        titleRow->addWidget(besideTitle, 1, Qt::AlignVCenter);
        layout->addLayout(titleRow);
    } else {
        layout->addWidget(titleLabel);
    }
    layout->addWidget(purposeLabel);
    return header;
}

}  // namespace fovea::ui
