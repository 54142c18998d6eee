#include "start_page.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace fovea::ui {

StartPage::StartPage(QWidget* parent)
    : QWidget(parent),
      m_recent(new QListWidget(this)),
      m_noRecent(new QLabel("No recent projects yet.", this)),
      m_message(new QLabel(this)) {
    setObjectName("startPage");
    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon(":/fovea/fovea.svg").pixmap(72, 72));
    auto* title = new QLabel(
        "<h1 style='margin:0'>Fovea</h1>"
        "Fine-tune pretrained image models on your own pictures, locally.",
        this);
    title->setWordWrap(true);
    auto* heading = new QHBoxLayout;
    heading->addWidget(icon);
    heading->addWidget(title, 1);

    const auto button = [this](const QString& label, const QString& name, const QString& tip) {
        auto* b = new QPushButton(label, this);
        b->setObjectName(name);
        b->setToolTip(tip);
        b->setMinimumHeight(b->sizeHint().height() * 3 / 2);
        return b;
    };
    QPushButton* newProject = button("New Project…", "startNewProjectButton",
                                     "Make a project, optionally from a folder of images");
    QPushButton* openProject =
        button("Open Project…", "startOpenProjectButton", "Open a project folder");
    QPushButton* demo = button("Try the Demo", "startDemoButton",
                               "A project of Fashion-MNIST garments, ready to train in a minute or "
                               "two on the CPU");
    connect(newProject, &QPushButton::clicked, this, &StartPage::newProjectRequested);
    connect(openProject, &QPushButton::clicked, this, &StartPage::openProjectRequested);
    connect(demo, &QPushButton::clicked, this, &StartPage::demoRequested);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(newProject);
    buttons->addWidget(openProject);
    buttons->addWidget(demo);

    m_recent->setObjectName("recentProjectsList");
    m_recent->setAlternatingRowColors(true);
    m_recent->setTextElideMode(Qt::ElideMiddle);
    // Long paths are elided in the middle (tooltip: in full), never scrolled sideways.
    m_recent->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_recent->setStyleSheet("QListWidget#recentProjectsList::item { padding: 3px 4px; }");
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT recentProjectChosen(item->data(Qt::UserRole).toString());
    });
    m_noRecent->setObjectName("noRecentProjectsLabel");
    m_noRecent->setForegroundRole(QPalette::PlaceholderText);
    m_message->setObjectName("startMessage");
    m_message->setWordWrap(true);
    m_message->setStyleSheet("color: #c03020;");
    m_message->hide();

    auto* column = new QVBoxLayout;
    column->addLayout(heading);
    column->addSpacing(12);
    column->addLayout(buttons);
    column->addWidget(m_message);
    column->addSpacing(12);
    auto* recentHeading = new QLabel("<b>Recent projects</b>", this);
    recentHeading->setObjectName("recentProjectsHeading");
    column->addWidget(recentHeading);
    column->addWidget(m_noRecent);
    // The list is as tall as its rows (setRecentProjects), the space below stays empty.
    column->addWidget(m_recent, 1);
    column->addStretch();
    // A readable column in the middle of a large window.
    auto* centred = new QHBoxLayout(this);
    centred->addStretch(1);
    centred->addLayout(column, 4);
    centred->addStretch(1);
}

void StartPage::setRecentProjects(const QStringList& folders) {
    m_recent->clear();
    for (const QString& folder : folders) {
        auto* item = new QListWidgetItem(
            QString("%1\n%2").arg(QFileInfo(folder).fileName(), QDir::toNativeSeparators(folder)),
            m_recent);
        item->setData(Qt::UserRole, folder);
        item->setToolTip(folder);
    }
    // Up to RecentProjects::kMaxEntries rows in view; a short window scrolls them.
    m_recent->ensurePolished();
    int rowsHeight = 0;
    for (int row = 0; row < m_recent->count(); ++row) rowsHeight += m_recent->sizeHintForRow(row);
    m_recent->setMaximumHeight(rowsHeight + 2 * m_recent->frameWidth());
    m_noRecent->setVisible(folders.isEmpty());
    m_recent->setVisible(!folders.isEmpty());
    if (!folders.isEmpty()) m_recent->setCurrentRow(0);
}

void StartPage::showMessage(const QString& message) {
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
}

}  // namespace fovea::ui
