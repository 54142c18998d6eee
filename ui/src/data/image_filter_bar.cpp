#include "data/image_filter_bar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QTimer>
#include <algorithm>

#include "project/project_session.h"

namespace fovea::ui {

namespace {

// The combo entry's data for `filter` (the search is not part of it).
QString filterKey(const ImageViewFilter& filter) {
    switch (filter.kind) {
        case ImageViewFilter::Kind::All:
            return "all";
        case ImageViewFilter::Kind::Unlabeled:
            return "unlabeled";
        case ImageViewFilter::Kind::Unreadable:
            return "unreadable";
        case ImageViewFilter::Kind::Excluded:
            return "excluded";
        case ImageViewFilter::Kind::Suggested:
            return "suggested";
        case ImageViewFilter::Kind::LabelNext:
            return "labelnext";
        case ImageViewFilter::Kind::Split:
            return QString("split:%1").arg(core::splitName(filter.split));
        case ImageViewFilter::Kind::NoSplit:
            return "nosplit";
        case ImageViewFilter::Kind::Class:
            return QString("class:%1").arg(filter.classId);
    }
    return {};
}

ImageViewFilter filterForKey(const QString& key) {
    ImageViewFilter filter;
    if (key == "unlabeled") {
        filter.kind = ImageViewFilter::Kind::Unlabeled;
    } else if (key == "unreadable") {
        filter.kind = ImageViewFilter::Kind::Unreadable;
    } else if (key == "excluded") {
        filter.kind = ImageViewFilter::Kind::Excluded;
    } else if (key == "suggested") {
        filter.kind = ImageViewFilter::Kind::Suggested;
    } else if (key == "labelnext") {
        filter.kind = ImageViewFilter::Kind::LabelNext;
    } else if (key == "nosplit") {
        filter.kind = ImageViewFilter::Kind::NoSplit;
    } else if (key.startsWith("split:")) {
        filter.kind = ImageViewFilter::Kind::Split;
        filter.split = core::parseSplitName(key.mid(6).toStdString()).value_or(core::Split::Train);
    } else if (key.startsWith("class:")) {
        filter.kind = ImageViewFilter::Kind::Class;
        filter.classId = key.mid(6).toLongLong();
    }
    return filter;
}

}  // namespace

ImageFilterBar::ImageFilterBar(QWidget* parent)
    : QWidget(parent), m_filterCombo(new QComboBox(this)), m_search(new QLineEdit(this)) {
    m_filterCombo->setObjectName("filterCombo");
    // As wide as most entries, not the widest: a long class name or "Label next…" squeezed
    // the search field until its placeholder was cut. The list opens as wide as it needs.
    m_filterCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_filterCombo->setMinimumContentsLength(17);  // "Suggested ≥ 90 %" and "Split: train" whole
    connect(m_filterCombo, &QComboBox::activated, this, &ImageFilterBar::applyChoice);
    showCurrentInToolTip();

    m_search->setObjectName("pathSearch");
    m_search->setPlaceholderText("Search paths…");
    // Never narrower than its placeholder (the frame and text margins besides): the size
    // slider gives way first.
    m_search->setMinimumWidth(
        m_search->fontMetrics().horizontalAdvance(m_search->placeholderText()) + 16);
    m_search->setClearButtonEnabled(true);
    // Typing filters after a short pause, not on every key (a query over 50,000 paths).
    auto* searchDelay = new QTimer(this);
    searchDelay->setSingleShot(true);
    searchDelay->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, searchDelay, qOverload<>(&QTimer::start));
    connect(searchDelay, &QTimer::timeout, this,
            [this] { Q_EMIT searchChanged(m_search->text()); });

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filterCombo);
    layout->addWidget(m_search, 1);
}

void ImageFilterBar::setSession(ProjectSession* session) { m_session = session; }

void ImageFilterBar::clearSearch() { m_search->clear(); }

void ImageFilterBar::showFilter(const ImageViewFilter& current) {
    m_filterCombo->clear();
    m_filterCombo->addItem("All images", "all");
    m_filterCombo->addItem("Unlabeled", "unlabeled");
    m_filterCombo->addItem(suggestedText(), "suggested");
    m_filterCombo->setItemData(m_filterCombo->count() - 1,
                               "Unlabeled images with a model's suggestion at least as confident "
                               "as the threshold beside Accept All",
                               Qt::ToolTipRole);
    m_filterCombo->addItem("Label next", "labelnext");
    m_filterCombo->setItemData(m_filterCombo->count() - 1,
                               "Unlabeled images, those the model is least sure of first "
                               "(Suggest Labels… sets the order)",
                               Qt::ToolTipRole);
    m_filterCombo->addItem("Unreadable or missing", "unreadable");
    m_filterCombo->addItem("Excluded", "excluded");
    m_filterCombo->setItemData(m_filterCombo->count() - 1,
                               "Images kept in the project but left out of training and export",
                               Qt::ToolTipRole);
    for (core::Split split : {core::Split::Train, core::Split::Val, core::Split::Test}) {
        m_filterCombo->addItem(QString("Split: %1").arg(core::splitName(split)),
                               QString("split:%1").arg(core::splitName(split)));
    }
    m_filterCombo->addItem("No split", "nosplit");
    if (m_session) {
        if (auto classes = m_session->store().classes()) {
            m_filterCombo->insertSeparator(m_filterCombo->count());
            for (const auto& info : classes.value()) {
                m_filterCombo->addItem("Class: " + QString::fromStdString(info.name),
                                       QString("class:%1").arg(info.id));
            }
        }
    }
    m_filterCombo->setCurrentIndex(std::max(0, m_filterCombo->findData(filterKey(current))));
    showCurrentInToolTip();
}

QString ImageFilterBar::suggestedText() const {
    return m_suggestionPercent > 0 ? QString("Suggested ≥ %1 %").arg(m_suggestionPercent)
                                   : QString("Suggested");
}

void ImageFilterBar::setSuggestionThreshold(int percent) {
    m_suggestionPercent = percent;
    const int index = m_filterCombo->findData("suggested");
    if (index >= 0) m_filterCombo->setItemText(index, suggestedText());
    showCurrentInToolTip();
}

void ImageFilterBar::showCurrentInToolTip() {
    // The box is narrower than its longest entries ("Class: " and a long name).
    m_filterCombo->setToolTip("Which images the grid shows: " + m_filterCombo->currentText());
}

void ImageFilterBar::applyChoice() {
    ImageViewFilter filter = filterForKey(m_filterCombo->currentData().toString());
    filter.pathContains = m_search->text();
    Q_EMIT filterChosen(filter);
}

}  // namespace fovea::ui
