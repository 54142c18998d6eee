#include "health/label_issues_view.h"

#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QUndoStack>
#include <QVBoxLayout>

#include "data/labeling_commands.h"
#include "data/thumbnail_cache.h"
#include "fovea/core/session/label_issues.h"
#include "health/fitted_thumbnail.h"
#include "project/project_session.h"

namespace fovea::ui {

namespace {

constexpr int kIconSide = 48;
constexpr int kOpenRole = Qt::UserRole + 1;  // the row still says its label looks wrong

}  // namespace

LabelIssuesView::LabelIssuesView(ThumbnailCache* thumbnails, QWidget* parent)
    : QWidget(parent), m_thumbnails(thumbnails) {
    setObjectName("labelIssuesView");
    m_summary = new QLabel(this);
    m_summary->setObjectName("labelIssuesSummary");
    m_summary->setWordWrap(true);
    m_relabel = new QPushButton("Relabel as Suggested", this);
    m_relabel->setObjectName("relabelButton");
    m_relabel->setToolTip("Enter or R: gives the selected image the class it looks like.");
    connect(m_relabel, &QPushButton::clicked, this, &LabelIssuesView::relabelSelected);
    m_list = new QTreeWidget(this);
    m_list->setObjectName("labelIssueList");
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({"Image", "Why", "Score"});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setIconSize(QSize(kIconSide, kIconSide));
    m_list->header()->setSectionResizeMode(ImageColumn, QHeaderView::Interactive);
    m_list->header()->setSectionResizeMode(ProblemColumn, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(ScoreColumn, QHeaderView::ResizeToContents);
    m_list->header()->setStretchLastSection(false);
    m_list->setColumnWidth(ImageColumn, 320);
    m_list->installEventFilter(this);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &LabelIssuesView::updateButton);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        const int row = m_list->indexOfTopLevelItem(item);
        if (row >= 0) Q_EMIT imageActivated(m_issues[row].image);
    });

    auto* top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_relabel, 0, Qt::AlignTop);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_list, 1);
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, &LabelIssuesView::onThumbnail);
    showIssues({});
}

void LabelIssuesView::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (m_session) {
        connect(m_session, &ProjectSession::labelsChanged, this, &LabelIssuesView::refreshRows);
        connect(m_session, &ProjectSession::classesChanged, this, &LabelIssuesView::refreshRows);
    }
    showIssues({});
}

void LabelIssuesView::showIssues(const std::vector<core::LabelIssue>& issues, std::int64_t checked,
                                 double agreement) {
    m_issues = issues;
    m_list->clear();
    for (const core::LabelIssue& issue : issues) {
        const QString path = QString::fromStdString(issue.path.string());
        auto* item = new QTreeWidgetItem(m_list);
        item->setText(ImageColumn, QFileInfo(path).fileName());
        item->setToolTip(ImageColumn, path);
        item->setText(ScoreColumn, QString::number(issue.score, 'f', 2));
        item->setTextAlignment(ScoreColumn, Qt::AlignRight | Qt::AlignVCenter);
        const QImage thumb = m_thumbnails->request(issue.image, path);
        if (!thumb.isNull()) item->setIcon(ImageColumn, fittedThumbnail(thumb, kIconSide));
    }
    QString summary =
        issues.empty()
            ? "No label looks wrong."
            : QString(
                  "%1 %2 look wrong to a model trained on the other images, most suspect "
                  "first (confident learning on the network's features). Enter or R gives "
                  "the selected one the class it looks like.")
                  .arg(issues.size())
                  .arg(issues.size() == 1 ? "label" : "labels");
    const std::string note = core::labelAgreementNote(checked, agreement);
    if (!note.empty()) summary += " " + QString::fromStdString(note);
    m_summary->setText(summary);
    refreshRows();
    if (m_list->topLevelItemCount() > 0) m_list->setCurrentItem(m_list->topLevelItem(0));
    updateButton();
}

void LabelIssuesView::refreshRows() {
    if (m_issues.empty()) return;
    const auto names = m_session ? m_session->classNames() : QHash<core::ClassId, QString>();
    for (int row = 0; row < m_list->topLevelItemCount(); ++row) {
        const core::LabelIssue& issue = m_issues[row];
        QTreeWidgetItem* item = m_list->topLevelItem(row);
        const QString given = QString::fromStdString(issue.givenName);
        const QString suggested = QString::fromStdString(issue.suggestedName);
        std::optional<core::ClassId> now = issue.given;
        if (m_session) {
            auto record = m_session->store().image(issue.image);
            if (record) now = record.value().classId;
        }
        const auto current = [&](core::ClassId id) {
            return m_session ? m_session->currentClassId(id) : id;
        };
        QString text;
        bool open = false;
        if (now && *now == current(issue.suggested)) {
            text = QString("relabeled %1 (was %2)").arg(suggested, given);
        } else if (now && *now == current(issue.given)) {
            text = QString("labeled %1, looks like %2").arg(given, suggested);
            open = true;
        } else {
            text =
                QString("now %1 (was %2, looked like %3)")
                    .arg(now ? names.value(*now, "another class") : "unlabeled", given, suggested);
        }
        item->setText(ProblemColumn, text);
        item->setData(ImageColumn, kOpenRole, open);
        const QPalette::ColorRole role = open ? QPalette::Text : QPalette::PlaceholderText;
        for (int column = 0; column < ColumnCount; ++column) {
            item->setForeground(column, palette().brush(role));
        }
    }
    updateButton();
}

bool LabelIssuesView::isOpen(int row) const {
    const QTreeWidgetItem* item = m_list->topLevelItem(row);
    return item && item->data(ImageColumn, kOpenRole).toBool();
}

void LabelIssuesView::updateButton() {
    const int row = m_list->indexOfTopLevelItem(m_list->currentItem());
    m_relabel->setEnabled(m_session && row >= 0 && isOpen(row));
}

bool LabelIssuesView::relabelSelected() {
    const int row = m_list->indexOfTopLevelItem(m_list->currentItem());
    if (!m_session || row < 0 || !isOpen(row)) return false;
    const core::LabelIssue& issue = m_issues[row];
    QUndoStack* stack = m_session->undoStack();
    const int before = stack->index();
    stack->push(new SetLabelCommand(
        *m_session, {issue.image}, m_session->currentClassId(issue.suggested),
        QString("Relabel %1 as %2")
            .arg(QFileInfo(QString::fromStdString(issue.path.string())).fileName(),
                 QString::fromStdString(issue.suggestedName))));
    if (stack->index() == before) return false;
    // On to the next issue still open, as labeling on the Data page moves on.
    for (int next = row + 1; next < m_list->topLevelItemCount(); ++next) {
        if (isOpen(next)) {
            m_list->setCurrentItem(m_list->topLevelItem(next));
            break;
        }
    }
    updateButton();
    return true;
}

void LabelIssuesView::onThumbnail(qint64 id) {
    for (int row = 0; row < m_list->topLevelItemCount(); ++row) {
        if (m_issues[row].image == id) {
            m_list->topLevelItem(row)->setIcon(
                ImageColumn, fittedThumbnail(m_thumbnails->request(id, {}), kIconSide));
        }
    }
}

bool LabelIssuesView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_list && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter || key == Qt::Key_R) {
            relabelSelected();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace fovea::ui
