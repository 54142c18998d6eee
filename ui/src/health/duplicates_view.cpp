#include "health/duplicates_view.h"

#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>

#include "data/labeling_commands.h"
#include "data/thumbnail_cache.h"
#include "health/fitted_thumbnail.h"
#include "project/project_session.h"

namespace fovea::ui {

namespace {

constexpr int kTileWidth = 120;
// Tiles shown per group: a group of look-alikes can hold dozens, and a row of them pushed the
// group's Exclude Extras button out of sight.
constexpr std::size_t kTilesShown = 6;
const char* const kIdProperty = "imageId";

QString imagesText(std::size_t count) {
    return count == 1 ? QString("1 image") : QString("%1 images").arg(count);
}

QString splitWords(const std::optional<core::Split>& split) {
    if (!split) return "no split";
    switch (*split) {
        case core::Split::Train:
            return "train";
        case core::Split::Val:
            return "validation";
        case core::Split::Test:
            return "test";
    }
    return {};
}

// "Leak: train and validation" (or test, or both) for a group whose copies cross splits.
QString leakText(const core::DuplicateFinding& finding) {
    const auto has = [&finding](core::Split split) {
        return std::find(finding.splits.begin(), finding.splits.end(),
                         std::optional<core::Split>(split)) != finding.splits.end();
    };
    QStringList others;
    if (has(core::Split::Val)) others << "validation";
    if (has(core::Split::Test)) others << "test";
    return "Leak: train and " + others.join(" and ");
}

}  // namespace

DuplicatesView::DuplicatesView(ThumbnailCache* thumbnails, QWidget* parent)
    : QWidget(parent), m_thumbnails(thumbnails) {
    setObjectName("duplicatesView");
    m_summary = new QLabel(this);
    m_summary->setObjectName("duplicatesSummary");
    m_summary->setWordWrap(true);
    m_excludeAll = new QPushButton("Exclude All Extras", this);
    m_excludeAll->setObjectName("excludeAllExtrasButton");
    m_excludeAll->setToolTip(
        "Leaves one copy of every group in training (the training copy where there is one) and "
        "excludes the others; one step to undo.");
    connect(m_excludeAll, &QPushButton::clicked, this, &DuplicatesView::excludeAllExtras);
    m_scroll = new QScrollArea(this);
    m_scroll->setObjectName("duplicateGroups");
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);

    auto* top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_excludeAll, 0, Qt::AlignTop);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_scroll, 1);
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, &DuplicatesView::onThumbnail);
    showFindings({});
}

void DuplicatesView::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (m_session) {
        connect(m_session, &ProjectSession::labelsChanged, this, &DuplicatesView::refreshStates);
    }
    showFindings({});
}

void DuplicatesView::clear() {
    showFindings({});
    m_summary->setText("Duplicate images and leaks between splits show after a check.");
}

void DuplicatesView::showFindings(const std::vector<core::DuplicateFinding>& findings) {
    m_findings = findings;
    m_groups.clear();
    ++m_generation;  // groups still to build for the previous findings are not built
    m_list = new QWidget;
    auto* layout = new QVBoxLayout(m_list);
    layout->setContentsMargins(0, 0, 0, 0);
    const int shown = std::min<int>(kMaxGroupsShown, static_cast<int>(findings.size()));
    m_groups.resize(static_cast<std::size_t>(shown));
    layout->addStretch(1);
    m_scroll->setWidget(m_list);  // deletes the previous list
    buildGroupsFrom(0);

    const auto leaks = std::count_if(findings.begin(), findings.end(),
                                     [](const auto& finding) { return finding.leak; });
    if (findings.empty()) {
        m_summary->setText("No duplicate images.");
    } else {
        QString text = QString("%1 %2 of duplicates")
                           .arg(findings.size())
                           .arg(findings.size() == 1 ? "group" : "groups");
        if (leaks > 0) text += QString(", %1 across splits (a leak)").arg(leaks);
        text +=
            ". Excluding the extras keeps one copy of each group, the training copy where there "
            "is one.";
        if (shown < static_cast<int>(findings.size())) {
            text += QString(" The first %1 groups are shown.").arg(shown);
        }
        m_summary->setText(text);
    }
    refreshStates();
}

void DuplicatesView::buildGroupsFrom(int first) {
    // A few groups per turn of the event loop: a hundred groups' widgets at once kept the window
    // still for a quarter of a second.
    constexpr int kGroupsPerTurn = 8;
    const int shown = static_cast<int>(m_groups.size());
    const int last = std::min(shown, first + kGroupsPerTurn);
    auto* layout = static_cast<QVBoxLayout*>(m_list->layout());
    for (int i = first; i < last; ++i)
        layout->insertWidget(i, buildGroup(m_findings[i], m_groups[i]));
    refreshStates();
    if (last < shown) {
        QTimer::singleShot(0, this, [this, last, generation = m_generation] {
            if (generation == m_generation) buildGroupsFrom(last);
        });
    }
}

QWidget* DuplicatesView::buildGroup(const core::DuplicateFinding& finding, Group& group) {
    auto* frame = new QFrame(m_list);
    frame->setObjectName("duplicateGroup");
    frame->setFrameShape(QFrame::StyledPanel);
    group.frame = frame;
    auto* kind = new QLabel(QString("<b>%1 duplicates</b> · %2")
                                .arg(finding.kind == core::DuplicateKind::Exact ? "Exact" : "Near",
                                     imagesText(finding.images.size())),
                            frame);
    kind->setObjectName("duplicateKind");
    auto* header = new QHBoxLayout;
    header->addWidget(kind);
    if (finding.leak) {
        auto* leak = new QLabel(leakText(finding), frame);
        leak->setObjectName("leakBadge");
        leak->setToolTip(
            "The same image is in the training split and in validation or test: the model is "
            "scored on an image it was trained on.");
        leak->setStyleSheet(
            "QLabel#leakBadge { background: #c03020; color: white; border-radius: 3px; "
            "padding: 1px 6px; }");
        header->addWidget(leak);
    }
    header->addStretch(1);
    group.exclude = new QPushButton("Exclude Extras", frame);
    group.exclude->setObjectName("excludeExtrasButton");
    const int index = static_cast<int>(&group - m_groups.data());
    connect(group.exclude, &QPushButton::clicked, this, [this, index] { excludeExtras(index); });
    header->addWidget(group.exclude);

    auto* tiles = new QHBoxLayout;
    for (std::size_t i = 0; i < std::min(kTilesShown, finding.images.size()); ++i) {
        const qint64 id = finding.images[i];
        const QString path = QString::fromStdString(finding.paths[i].string());
        auto* tile = new QWidget(frame);
        auto* tileLayout = new QVBoxLayout(tile);
        tileLayout->setContentsMargins(0, 0, 0, 0);
        tileLayout->setSpacing(2);
        Tile entry;
        entry.id = id;
        entry.image = new QLabel(tile);
        entry.image->setFixedSize(m_thumbnails->side(), m_thumbnails->side());
        entry.image->setAlignment(Qt::AlignCenter);
        // A role, not a style sheet: a style sheet on each of hundreds of tiles is slow.
        entry.image->setAutoFillBackground(true);
        entry.image->setBackgroundRole(QPalette::Mid);
        entry.image->setProperty(kIdProperty, id);
        entry.image->installEventFilter(this);
        const QImage thumb = m_thumbnails->request(id, path);
        if (!thumb.isNull()) entry.image->setPixmap(fittedThumbnail(thumb, m_thumbnails->side()));
        auto* name = new QLabel(tile);
        name->setText(name->fontMetrics().elidedText(QFileInfo(path).fileName(), Qt::ElideMiddle,
                                                     kTileWidth));
        entry.caption = new QLabel(tile);
        entry.caption->setObjectName("tileCaption");
        entry.caption->setProperty("split", splitWords(finding.splits[i]));
        tile->setToolTip(path + "\nDouble-click to show it on the Data page.");
        tile->setFixedWidth(kTileWidth);
        tileLayout->addWidget(entry.image, 0, Qt::AlignHCenter);
        tileLayout->addWidget(name, 0, Qt::AlignHCenter);
        tileLayout->addWidget(entry.caption, 0, Qt::AlignHCenter);
        tiles->addWidget(tile);
        group.tiles.push_back(entry);
    }
    if (finding.images.size() > kTilesShown) {
        auto* more = new QLabel(QString("and %1 more;\nExclude Extras\ncovers them too")
                                    .arg(finding.images.size() - kTilesShown),
                                frame);
        more->setObjectName("moreTiles");
        tiles->addWidget(more, 0, Qt::AlignVCenter);
    }
    tiles->addStretch(1);
    auto* layout = new QVBoxLayout(frame);
    layout->addLayout(header);
    layout->addLayout(tiles);
    return frame;
}

QWidget* DuplicatesView::groupWidget(int group) const {
    return group >= 0 && group < static_cast<int>(m_groups.size()) ? m_groups[group].frame
                                                                   : nullptr;
}

bool DuplicatesView::excludeExtras(int group) {
    if (group < 0 || group >= groupCount()) return false;
    const auto extras = core::duplicateExtras(m_findings[group]);
    return excludeImages(extras, QString("Exclude %1 duplicate extra%2")
                                     .arg(extras.size())
                                     .arg(extras.size() == 1 ? "" : "s"));
}

bool DuplicatesView::excludeAllExtras() {
    std::vector<core::ImageId> extras;
    for (const auto& finding : m_findings) {
        for (core::ImageId id : core::duplicateExtras(finding)) extras.push_back(id);
    }
    std::sort(extras.begin(), extras.end());
    extras.erase(std::unique(extras.begin(), extras.end()), extras.end());
    return excludeImages(
        extras, QString("Exclude the extras of %1 duplicate groups").arg(m_findings.size()));
}

// Only the images still included: undo then gives back exactly what this excluded.
bool DuplicatesView::excludeImages(const std::vector<core::ImageId>& ids, const QString& text) {
    if (!m_session) return false;
    std::vector<core::ImageId> included;
    for (core::ImageId id : ids) {
        auto record = m_session->store().image(id);
        if (record && !record.value().excluded) included.push_back(id);
    }
    if (included.empty()) return false;
    QUndoStack* stack = m_session->undoStack();
    const int before = stack->index();
    stack->push(new SetExcludedCommand(*m_session, included, true, text));
    return stack->index() > before;
}

void DuplicatesView::refreshStates() {
    // One query for the project's excluded images (few, as a rule), not one per image: this
    // runs again as each few groups are built.
    QSet<core::ImageId> excludedIds;
    if (m_session) {
        core::ImageFilter filter;
        filter.excluded = core::Require::Yes;
        if (auto images = m_session->store().images(filter)) {
            for (const auto& image : images.value()) excludedIds.insert(image.id);
        }
    }
    const auto excluded = [&excludedIds](core::ImageId id) { return excludedIds.contains(id); };
    bool anyLeft = false;
    for (std::size_t g = 0; g < m_findings.size(); ++g) {
        const auto extras = core::duplicateExtras(m_findings[g]);
        const bool groupLeft = std::any_of(extras.begin(), extras.end(),
                                           [&](core::ImageId id) { return !excluded(id); });
        anyLeft = anyLeft || groupLeft;
        if (g >= m_groups.size() || !m_groups[g].frame) continue;  // not shown, or not yet
        Group& group = m_groups[g];
        group.exclude->setEnabled(groupLeft && m_session);
        group.exclude->setText(groupLeft ? "Exclude Extras" : "Extras Excluded");
        for (Tile& tile : group.tiles) {
            const bool extra = std::find(extras.begin(), extras.end(), tile.id) != extras.end();
            const bool out = excluded(tile.id);
            const QString split = tile.caption->property("split").toString();
            tile.caption->setText(split + " · " + (out ? "excluded" : extra ? "extra" : "kept"));
            tile.caption->setForegroundRole(out ? QPalette::PlaceholderText : QPalette::WindowText);
        }
    }
    m_excludeAll->setEnabled(anyLeft && m_session);
}

void DuplicatesView::onThumbnail(qint64 id) {
    for (Group& group : m_groups) {
        for (Tile& tile : group.tiles) {
            if (tile.id == id)
                tile.image->setPixmap(
                    fittedThumbnail(m_thumbnails->request(id, {}), m_thumbnails->side()));
        }
    }
}

bool DuplicatesView::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::MouseButtonDblClick) {
        const QVariant id = watched->property(kIdProperty);
        if (id.isValid()) {
            Q_EMIT imageActivated(id.toLongLong());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace fovea::ui
