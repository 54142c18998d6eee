#include "data/box_editor.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
#include <QShowEvent>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "data/annotation_command.h"
#include "data/box_canvas.h"
#include "data/box_geometry.h"
#include "data/box_suggester.h"
#include "data/thumbnail_cache.h"
#include "project/project_session.h"
#include "widgets/tool_button.h"

namespace fovea::ui {

namespace {

// As the classification preview: sharp enough to place edges on a big screen, decoded in well
// under a second even for 20-megapixel photos. Boxes stay in the file's pixels regardless.
constexpr int kDecodeSide = 2048;
constexpr int kMaxNumberedClasses = 9;
constexpr int kListBesideWidth = 560;  // pane width from which the list goes beside the picture
const char* const kKeyHelp =
    "Drag on the picture to draw a box · click to select, drag its handles or inside · "
    "1-9 class · Del deletes · Tab next box · B background · wheel, +/- zoom, F fits · "
    "middle-drag or Space+drag pans";

QIcon colourIcon(const QColor& colour) {
    QPixmap pixmap(12, 12);
    pixmap.fill(colour.isValid() ? colour : QColor(200, 200, 200));
    QPainter painter(&pixmap);
    painter.setPen(QColor(0, 0, 0, 120));
    painter.drawRect(0, 0, 11, 11);
    return QIcon(pixmap);
}

// A suggestion that a box of its class overlaps this much is there already (PASCAL VOC's and
// COCO's match threshold).
constexpr double kCoveredIou = 0.5;
constexpr int kDefaultSuggestionPercent = 50;

double iou(const core::ProjectBox& a, const core::ProjectBox& b) {
    const QRectF ra(a.x, a.y, a.w, a.h);
    const QRectF rb(b.x, b.y, b.w, b.h);
    const QRectF overlap = ra.intersected(rb);
    const double inter = overlap.width() * overlap.height();
    const double uni = ra.width() * ra.height() + rb.width() * rb.height() - inter;
    return uni > 0 ? inter / uni : 0;
}

QString sizeText(const core::ProjectBox& box) {
    return QString("%1 × %2").arg(std::lround(box.w)).arg(std::lround(box.h));
}

}  // namespace

BoxEditor::BoxEditor(QWidget* parent)
    : QWidget(parent),
      m_decoder(new ThumbnailCache(kDecodeSide, this)),
      m_suggester(new BoxSuggester(this)) {
    setObjectName("boxEditor");
    m_canvas = new BoxCanvas(this);
    m_canvas->setToolTip(kKeyHelp);
    m_canvas->setContextMenuPolicy(Qt::CustomContextMenu);

    const auto button = [this](const QString& text, const QString& name, const QString& tip) {
        return makeToolButton(this, text, name, tip);
    };
    QToolButton* fit = button("Fit", "boxZoomFitButton", "Fit the image in the pane (F)");
    QToolButton* actual = button("1:1", "boxZoomActualButton", "One image pixel per screen pixel");
    QToolButton* zoomOut = button("−", "boxZoomOutButton", "Zoom out (mouse wheel, -)");
    QToolButton* zoomIn = button("+", "boxZoomInButton", "Zoom in (mouse wheel, +)");
    connect(fit, &QToolButton::clicked, m_canvas, &BoxCanvas::zoomToFit);
    connect(actual, &QToolButton::clicked, this, [this] { m_canvas->setZoom(1.0); });
    connect(zoomOut, &QToolButton::clicked, this,
            [this] { m_canvas->setZoom(m_canvas->zoom() / 1.25); });
    connect(zoomIn, &QToolButton::clicked, this,
            [this] { m_canvas->setZoom(m_canvas->zoom() * 1.25); });
    m_zoomLabel = new QLabel(this);
    m_zoomLabel->setObjectName("boxZoomLabel");
    connect(m_canvas, &BoxCanvas::zoomChanged, this, [this](double zoom) {
        m_zoomLabel->setText(QString("%1%").arg(std::lround(zoom * 100)));
    });

    m_classBox = new QComboBox(this);
    m_classBox->setObjectName("drawClassBox");
    m_classBox->setToolTip("The class of the next box drawn (keys 1-9)");
    m_classBox->setFocusPolicy(Qt::NoFocus);  // the keys stay with the picture
    connect(m_classBox, &QComboBox::activated, this, [this](int index) {
        const QVariant id = m_classBox->itemData(index);
        if (id.isValid()) setDrawClass(id.toLongLong());
        m_canvas->setFocus(Qt::OtherFocusReason);
    });
    m_backgroundButton =
        button("Background", "backgroundButton",
               "The image shows no object of any class: a background image, trained on as a "
               "negative (B). Unchecking it marks the image as not annotated yet.");
    m_backgroundButton->setCheckable(true);
    connect(m_backgroundButton, &QToolButton::clicked, this, [this] {
        updateDetails();  // the store decides: the check follows it
        Q_EMIT backgroundRequested();
    });

    m_suggestionRunBox = new QComboBox(this);
    m_suggestionRunBox->setObjectName("suggestionRunBox");
    m_suggestionRunBox->setFocusPolicy(Qt::NoFocus);  // the keys stay with the picture
    m_suggestionRunBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_suggestionRunBox->setMinimumContentsLength(10);
    m_suggestionRunBox->setToolTip(
        "The trained run whose boxes are suggested on the picture (dashed): Enter accepts them "
        "(or the selected one), dragging one or a key 1-9 makes it a box, Esc dismisses them");
    connect(m_suggestionRunBox, &QComboBox::activated, this, [this](int index) {
        m_suggestionRunChosen = true;
        m_suggester->setRun(m_suggestionRunBox->itemData(index).toString());
        m_takenSuggestions.clear();
        updateSuggestions();
        m_canvas->setFocus(Qt::OtherFocusReason);
    });
    m_suggestionThreshold = new QSpinBox(this);
    m_suggestionThreshold->setObjectName("suggestionThresholdSpin");
    m_suggestionThreshold->setRange(1, 99);
    m_suggestionThreshold->setValue(kDefaultSuggestionPercent);
    m_suggestionThreshold->setPrefix("≥ ");
    m_suggestionThreshold->setSuffix("%");
    m_suggestionThreshold->setToolTip("The least score of a suggested box");
    connect(m_suggestionThreshold, &QSpinBox::valueChanged, this, [this] { updateSuggestions(); });
    connect(m_suggester, &BoxSuggester::ready, this, [this](core::ImageId image) {
        if (m_image && m_image->id == image) updateSuggestions();
    });
    connect(m_suggester, &BoxSuggester::failed, this, [this](const QString& message) {
        m_listTitle->setText("<font color='#d04030'>No suggestions: " + message.toHtmlEscaped() +
                             "</font>");
    });

    auto* tools = new QHBoxLayout;
    tools->addWidget(fit);
    tools->addWidget(actual);
    tools->addWidget(zoomOut);
    tools->addWidget(zoomIn);
    tools->addWidget(m_zoomLabel);
    tools->addStretch(1);
    tools->addWidget(m_suggestionRunBox);
    tools->addWidget(m_suggestionThreshold);

    auto* listPanel = new QWidget(this);
    m_listTitle = new QLabel(listPanel);
    m_listTitle->setObjectName("boxListTitle");
    m_listTitle->setWordWrap(true);
    m_list = new QListWidget(listPanel);
    m_list->setObjectName("boxList");
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    auto* listLayout = new QVBoxLayout(listPanel);
    listLayout->setContentsMargins(0, 0, 0, 0);
    // The class and Background beside the list rather than in the toolbar: the pane stays
    // narrow enough for the page on a 1366 px screen.
    auto* newBox = new QLabel("New boxes:", listPanel);
    listLayout->addWidget(newBox);
    listLayout->addWidget(m_classBox);
    listLayout->addWidget(m_listTitle);
    listLayout->addWidget(m_list, 1);
    listLayout->addWidget(m_backgroundButton);
    m_classBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_classBox->setMinimumContentsLength(8);
    m_backgroundButton->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    listPanel->setMinimumWidth(110);
    connect(m_list, &QListWidget::currentRowChanged, this,
            [this](int row) { m_canvas->selectBox(row); });

    m_split = new QSplitter(Qt::Horizontal, this);
    m_split->setObjectName("boxEditorSplitter");
    m_split->addWidget(m_canvas);
    m_split->addWidget(listPanel);
    m_split->setStretchFactor(0, 1);
    m_split->setStretchFactor(1, 0);
    m_split->setChildrenCollapsible(false);

    m_details = new QLabel(this);
    m_details->setObjectName("boxEditorDetails");
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    // A fixed height, so the picture keeps its size from one image to the next.
    m_details->setFixedHeight(4 * m_details->fontMetrics().lineSpacing());

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_split, 1);
    layout->addWidget(m_details);

    connect(m_canvas, &BoxCanvas::boxesEdited, this, &BoxEditor::onEdited);
    connect(m_canvas, &BoxCanvas::selectionChanged, this, [this](int index) {
        const QSignalBlocker blocker(m_list);
        m_list->setCurrentRow(index);
        if (index < 0) m_list->clearSelection();
    });
    connect(m_canvas, &BoxCanvas::classKeyPressed, this, &BoxEditor::applyClassNumber);
    connect(m_canvas, &BoxCanvas::backgroundRequested, this, &BoxEditor::backgroundRequested);
    connect(m_canvas, &BoxCanvas::acceptRequested, this, &BoxEditor::acceptSuggestions);
    connect(m_canvas, &BoxCanvas::suggestionsDismissed, this, [this] {
        for (int i = 0; i < static_cast<int>(m_suggestionSources.size()); ++i) takeSuggestion(i);
        updateSuggestions();
    });
    connect(m_canvas, &BoxCanvas::suggestionFixed, this,
            [this](int index, const core::ProjectBox& box) {
                std::vector<core::ProjectBox> boxes = m_annotation.boxes;
                boxes.push_back(box);
                takeSuggestion(index);
                onEdited(boxes,
                         QString("Fix a suggested box of \"%1\"").arg(classLabel(box.classId)),
                         static_cast<int>(boxes.size()) - 1);
            });
    connect(m_canvas, &BoxCanvas::drawRefused, this, [this] {
        m_listTitle->setText(
            "<font color='#d04030'>Add a class first (the list on the "
            "left): a box needs one.</font>");
    });
    connect(m_canvas, &QWidget::customContextMenuRequested, this, &BoxEditor::showMenu);
    connect(m_decoder, &ThumbnailCache::thumbnailReady, this, &BoxEditor::onDecoded);
    connect(m_decoder, &ThumbnailCache::thumbnailFailed, this, &BoxEditor::onFailed);
    showImage(std::nullopt);
}

void BoxEditor::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    // The list beside the picture when there is room, below it in a narrow pane (a 1366 px
    // screen), so the picture keeps the pane's width.
    const Qt::Orientation orientation = width() >= kListBesideWidth ? Qt::Horizontal : Qt::Vertical;
    if (orientation == m_split->orientation() && m_split->property("sized").toBool()) return;
    m_split->setOrientation(orientation);
    const int along = orientation == Qt::Horizontal ? m_split->width() : m_split->height();
    const int listSide = orientation == Qt::Horizontal ? 160 : 170;
    m_split->setSizes({std::max(1, along - listSide), listSide});
    m_split->setProperty("sized", true);
}

void BoxEditor::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_image.reset();
    if (session) {
        connect(session, &ProjectSession::labelsChanged, this, [this](const QList<qint64>& ids) {
            if (m_image && (ids.isEmpty() || ids.contains(m_image->id))) {
                reloadAnnotation(std::exchange(m_pendingSelect, std::nullopt));
            }
        });
        connect(session, &ProjectSession::classesChanged, this, [this] {
            readClasses();
            reloadAnnotation();  // a deleted class took its boxes
        });
    }
    readClasses();
    m_suggestionRunChosen = false;
    m_takenSuggestions.clear();
    readSuggestionRuns();
    showImage(std::nullopt);
}

void BoxEditor::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    readSuggestionRuns();
}

void BoxEditor::readSuggestionRuns() {
    const QString current = m_suggester->run();
    const QStringList runs =
        m_session ? BoxSuggester::detectionRuns(m_session->runsFolder()) : QStringList();
    QString wanted = m_suggestionRunChosen ? current : runs.value(0);
    if (!wanted.isEmpty() && !runs.contains(wanted)) wanted = runs.value(0);  // deleted
    {
        const QSignalBlocker blocker(m_suggestionRunBox);
        m_suggestionRunBox->clear();
        m_suggestionRunBox->addItem("No suggestions", QString());
        for (const QString& run : runs) {
            m_suggestionRunBox->addItem("Suggest: " + QFileInfo(run).fileName(), run);
            m_suggestionRunBox->setItemData(m_suggestionRunBox->count() - 1, run, Qt::ToolTipRole);
        }
        m_suggestionRunBox->setCurrentIndex(std::max(0, m_suggestionRunBox->findData(wanted)));
    }
    // Nothing to choose in a project without a trained detector.
    m_suggestionRunBox->setVisible(!runs.isEmpty());
    m_suggestionThreshold->setVisible(!runs.isEmpty());
    // Room for the suggestions' line under the box count from the start, so the picture keeps
    // its size when they come and go.
    m_listTitle->setMinimumHeight(runs.isEmpty() ? 0
                                                 : 2 * m_listTitle->fontMetrics().lineSpacing());
    if (wanted != current) {
        m_suggester->setRun(wanted);
        m_takenSuggestions.clear();
        updateSuggestions();
    }
}

void BoxEditor::setSuggestionRun(const QString& runFolder) {
    m_suggestionRunChosen = true;
    m_suggester->setRun(runFolder);
    m_takenSuggestions.clear();
    readSuggestionRuns();
    updateSuggestions();
}

QString BoxEditor::suggestionRun() const { return m_suggester->run(); }

void BoxEditor::setSuggestionThreshold(double threshold) {
    m_suggestionThreshold->setValue(static_cast<int>(std::lround(threshold * 100)));
}

double BoxEditor::suggestionThreshold() const { return m_suggestionThreshold->value() / 100.0; }

void BoxEditor::updateSuggestions() {
    std::vector<BoxCanvas::Suggestion> shown;
    m_suggestionSources.clear();
    const bool readable = m_image && m_session && !m_image->missing && !m_image->error;
    const std::vector<core::DetectedBox>* boxes =
        readable ? m_suggester->boxes(m_image->id, QString::fromStdString(m_image->path.string()))
                 : nullptr;
    if (boxes) {
        const QSet<int> taken = m_takenSuggestions.value(m_image->id);
        const double threshold = suggestionThreshold();
        for (int i = 0; i < static_cast<int>(boxes->size()); ++i) {
            const core::DetectedBox& detected = (*boxes)[static_cast<size_t>(i)];
            if (detected.score < threshold || taken.contains(i)) continue;
            // The run's classes are the project's, matched by name; one the project no longer
            // has is not suggested.
            const core::ClassId classId =
                m_classNames.key(QString::fromStdString(detected.className), -1);
            if (classId < 0) continue;
            core::ProjectBox box;
            box.classId = classId;
            box.x = detected.x;
            box.y = detected.y;
            box.w = detected.w;
            box.h = detected.h;
            const bool covered =
                std::any_of(m_annotation.boxes.begin(), m_annotation.boxes.end(),
                            [&](const core::ProjectBox& b) {
                                return b.classId == classId && iou(b, box) >= kCoveredIou;
                            });
            if (covered) continue;
            shown.push_back({box, detected.score});
            m_suggestionSources.push_back(i);
        }
    }
    m_canvas->setSuggestions(std::move(shown));
    updateDetails();
    Q_EMIT suggestionsShown(static_cast<int>(m_suggestionSources.size()));
}

void BoxEditor::takeSuggestion(int index) {
    if (!m_image || index < 0 || index >= static_cast<int>(m_suggestionSources.size())) return;
    m_takenSuggestions[m_image->id].insert(m_suggestionSources[static_cast<size_t>(index)]);
}

bool BoxEditor::acceptSuggestions() {
    const auto& suggestions = m_canvas->suggestions();
    if (suggestions.empty() || !m_session || !m_image) return false;
    const int selected = m_canvas->selectedSuggestion();
    std::vector<core::ProjectBox> boxes = m_annotation.boxes;
    if (selected >= 0) {
        boxes.push_back(suggestions[static_cast<size_t>(selected)].box);
    } else {
        for (const auto& suggestion : suggestions) boxes.push_back(suggestion.box);
    }
    const int added = static_cast<int>(boxes.size() - m_annotation.boxes.size());
    const QString text =
        added == 1
            ? QString("Accept a suggested box of \"%1\"").arg(classLabel(boxes.back().classId))
            : QString("Accept %1 suggested boxes").arg(added);
    // Once stored, the boxes cover their suggestions, which leave (and return on undo).
    onEdited(boxes, text, added == 1 ? static_cast<int>(boxes.size()) - 1 : -1);
    return true;
}

std::optional<core::ImageId> BoxEditor::imageId() const {
    if (!m_image) return std::nullopt;
    return m_image->id;
}

bool BoxEditor::hasPixels() const { return m_canvas->hasImage(); }

void BoxEditor::showImage(const std::optional<core::ImageRecord>& image) {
    const bool samePicture = m_image && image && m_image->id == image->id &&
                             m_image->path == image->path && m_image->error == image->error &&
                             m_image->missing == image->missing;
    m_image = image;
    if (samePicture) {
        updateDetails();
        return;
    }
    m_canvas->setImage({}, {});
    m_canvas->zoomToFit();
    m_zoomLabel->clear();
    if (!image || !m_session) {
        m_annotation = {};
        m_canvas->setBoxes({}, -1);
        m_canvas->setMessage(m_session ? "Select an image to draw its boxes." : QString());
        rebuildList();
        updateSuggestions();
        return;
    }
    reloadAnnotation(-1);
    if (image->missing || image->error) {
        m_canvas->setMessage(image->missing ? "The file is gone." : "The file cannot be read.");
        return;
    }
    m_canvas->setMessage("Decoding…");
    m_decoder->clear();  // one image at a time
    const QString path = QString::fromStdString(image->path.string());
    if (!m_decoder->request(image->id, path).isNull()) onDecoded(image->id);
}

void BoxEditor::onDecoded(qint64 id) {
    if (!m_image || m_image->id != id) return;
    const QImage pixels = m_decoder->request(id, QString::fromStdString(m_image->path.string()));
    if (pixels.isNull()) return;
    m_canvas->setImage(pixels, uprightImageSize(m_image->width, m_image->height, pixels.size()));
    updateDetails();
}

void BoxEditor::onFailed(qint64 id, const QString& message) {
    if (!m_image || m_image->id != id) return;
    m_canvas->setMessage("Cannot decode: " + message);
}

void BoxEditor::readClasses() {
    m_classOrder.clear();
    m_classNames.clear();
    QHash<core::ClassId, BoxCanvas::ClassLook> looks;
    if (m_session) {
        auto classes = m_session->store().classes();
        if (m_session->check(classes)) {
            for (const auto& info : classes.value()) {
                m_classOrder.push_back(info.id);
                m_classNames.insert(info.id, QString::fromStdString(info.name));
                looks.insert(info.id, {QString::fromStdString(info.name),
                                       QColor(QString::fromStdString(info.colour))});
            }
        }
    }
    m_canvas->setClassLooks(looks);
    const QSignalBlocker blocker(m_classBox);
    m_classBox->clear();
    for (size_t i = 0; i < m_classOrder.size(); ++i) {
        const auto& look = looks.value(m_classOrder[i]);
        const QString key = i < kMaxNumberedClasses ? QString("%1  ").arg(i + 1) : QString();
        m_classBox->addItem(colourIcon(look.colour), key + look.name,
                            QVariant::fromValue<qint64>(m_classOrder[i]));
    }
    // The class for new boxes survives a rename; a deleted one gives way to the first.
    const bool known = m_drawClass && std::find(m_classOrder.begin(), m_classOrder.end(),
                                                *m_drawClass) != m_classOrder.end();
    if (!known) m_drawClass.reset();
    setDrawClass(known ? m_drawClass
                       : (m_classOrder.empty() ? std::nullopt
                                               : std::optional<core::ClassId>(m_classOrder[0])));
}

void BoxEditor::setDrawClass(std::optional<core::ClassId> classId) {
    m_drawClass = classId;
    m_canvas->setDrawClass(classId);
    const QSignalBlocker blocker(m_classBox);
    m_classBox->setCurrentIndex(
        classId ? m_classBox->findData(QVariant::fromValue<qint64>(*classId)) : -1);
}

QString BoxEditor::classLabel(core::ClassId id) const {
    return m_classNames.value(id, QString("class %1").arg(id));
}

void BoxEditor::reloadAnnotation(std::optional<int> select) {
    m_annotation = {};
    if (m_session && m_image) {
        auto annotation = m_session->store().annotation(m_image->id);
        if (m_session->check(annotation)) m_annotation = std::move(annotation).value();
    }
    m_canvas->setBoxes(m_annotation.boxes, select);
    rebuildList();
    updateSuggestions();
}

void BoxEditor::rebuildList() {
    const QSignalBlocker blocker(m_list);
    m_list->clear();
    for (size_t i = 0; i < m_annotation.boxes.size(); ++i) {
        const core::ProjectBox& box = m_annotation.boxes[i];
        auto* item = new QListWidgetItem(
            QString("%1  %2").arg(classLabel(box.classId), sizeText(box)), m_list);
        item->setToolTip(QString("%1 at (%2, %3), %4 px")
                             .arg(classLabel(box.classId))
                             .arg(std::lround(box.x))
                             .arg(std::lround(box.y))
                             .arg(sizeText(box)));
        const int index = m_classBox->findData(QVariant::fromValue<qint64>(box.classId));
        item->setIcon(index >= 0 ? m_classBox->itemIcon(index) : colourIcon({}));
    }
    m_list->setCurrentRow(m_canvas->selectedBox());
    if (m_canvas->selectedBox() < 0) m_list->clearSelection();
}

void BoxEditor::updateDetails() {
    const size_t count = m_annotation.boxes.size();
    const bool background = m_image && m_annotation.annotated && count == 0;
    {
        const QSignalBlocker blocker(m_backgroundButton);
        m_backgroundButton->setChecked(background);
        m_backgroundButton->setEnabled(m_image && count == 0);
    }
    if (!m_image) {
        m_listTitle->clear();
        m_details->setText(m_session ? "<i>Select an image to draw its boxes.</i>" : QString());
        return;
    }
    if (count > 0) {
        m_listTitle->setText(count == 1 ? QString("1 box") : QString("%1 boxes").arg(count));
    } else if (background) {
        m_listTitle->setText("Background: no objects");
    } else {
        m_listTitle->setText("Not annotated yet: draw boxes, or B if it shows no object");
    }
    // The suggestions beside the boxes they would join; the details below keep their lines.
    if (const auto suggested = m_canvas->suggestions().size(); suggested > 0) {
        m_listTitle->setText(m_listTitle->text() +
                             QString("<br><i>%1 suggested (dashed): Enter accepts, Esc "
                                     "dismisses</i>")
                                 .arg(suggested));
    } else if (m_suggester->isBusy()) {
        m_listTitle->setText(m_listTitle->text() + "<br><i>Suggestions on their way…</i>");
    }
    const QString path = QString::fromStdString(m_image->path.string());
    QStringList lines;
    QString head = "<b>" + QFileInfo(path).fileName().toHtmlEscaped() + "</b>";
    const QSizeF upright = m_canvas->imageSize();
    if (!upright.isEmpty()) {
        head += QString(" — %1 × %2 px").arg(upright.width()).arg(upright.height());
    } else if (m_image->width > 0) {
        head += QString(" — %1 × %2 px").arg(m_image->width).arg(m_image->height);
    }
    if (m_image->split) head += QString(", %1 split").arg(core::splitName(*m_image->split));
    if (m_image->excluded) head += ", excluded";
    lines << head;
    if (m_image->error) {
        lines << "<font color='#d04030'>Unreadable: " +
                     QString::fromStdString(*m_image->error).toHtmlEscaped() + "</font>";
    }
    lines << QString("<small>%1</small>").arg(QString(kKeyHelp).toHtmlEscaped());
    m_details->setText(lines.join("<br>"));
}

void BoxEditor::applyClassNumber(int number) {
    if (number < 1 || number > static_cast<int>(m_classOrder.size())) return;
    const core::ClassId classId = m_classOrder[static_cast<size_t>(number - 1)];
    setDrawClass(classId);
    if (const int suggestion = m_canvas->selectedSuggestion(); suggestion >= 0 && m_image) {
        // The selected suggestion, reclassed, becomes a box.
        std::vector<core::ProjectBox> boxes = m_annotation.boxes;
        boxes.push_back(m_canvas->suggestions()[static_cast<size_t>(suggestion)].box);
        boxes.back().classId = classId;
        takeSuggestion(suggestion);
        onEdited(boxes, QString("Accept a suggested box as \"%1\"").arg(classLabel(classId)),
                 static_cast<int>(boxes.size()) - 1);
        return;
    }
    const int selected = m_canvas->selectedBox();
    if (selected < 0 || selected >= static_cast<int>(m_annotation.boxes.size())) return;
    std::vector<core::ProjectBox> boxes = m_annotation.boxes;
    if (boxes[static_cast<size_t>(selected)].classId == classId) return;
    boxes[static_cast<size_t>(selected)].classId = classId;
    onEdited(boxes, QString("Make a box \"%1\"").arg(classLabel(classId)), selected);
}

void BoxEditor::onEdited(const std::vector<core::ProjectBox>& boxes, const QString& text,
                         int selectAfter) {
    if (!m_session || !m_image) return;
    AnnotationChange change;
    change.image = m_image->id;
    change.before = m_annotation;
    change.after.annotated = true;
    change.after.boxes = boxes;
    m_pendingSelect = selectAfter;
    m_session->undoStack()->push(new SetAnnotationCommand(*m_session, {change}, text));
    // Refused or not, labelsChanged has brought the stored boxes back (and used the selection).
    m_pendingSelect.reset();
}

void BoxEditor::showMenu(const QPoint& position) {
    if (!m_image) return;
    QMenu menu(this);
    const int selected = m_canvas->selectedBox();
    if (selected >= 0 && selected < static_cast<int>(m_annotation.boxes.size())) {
        const core::ClassId current = m_annotation.boxes[static_cast<size_t>(selected)].classId;
        QMenu* classes = menu.addMenu("Class of this box");
        for (size_t i = 0; i < m_classOrder.size(); ++i) {
            QAction* action = classes->addAction(
                m_classBox->itemIcon(static_cast<int>(i)), classLabel(m_classOrder[i]), this,
                [this, i, selected] {
                    std::vector<core::ProjectBox> boxes = m_annotation.boxes;
                    if (selected >= static_cast<int>(boxes.size())) return;
                    boxes[static_cast<size_t>(selected)].classId = m_classOrder[i];
                    onEdited(boxes, QString("Make a box \"%1\"").arg(classLabel(m_classOrder[i])),
                             selected);
                });
            if (i < kMaxNumberedClasses) action->setShortcut(QKeySequence(QString::number(i + 1)));
            action->setCheckable(true);
            action->setChecked(m_classOrder[i] == current);
        }
        QAction* remove = menu.addAction("Delete this box", this, [this, selected] {
            std::vector<core::ProjectBox> boxes = m_annotation.boxes;
            if (selected >= static_cast<int>(boxes.size())) return;
            const core::ClassId classId = boxes[static_cast<size_t>(selected)].classId;
            boxes.erase(boxes.begin() + selected);
            onEdited(boxes, QString("Delete a box of \"%1\"").arg(classLabel(classId)), -1);
        });
        remove->setShortcut(QKeySequence::Delete);
        menu.addSeparator();
    }
    QAction* background =
        menu.addAction("Background image (no objects)", this, &BoxEditor::backgroundRequested);
    background->setShortcut(QKeySequence(Qt::Key_B));
    background->setCheckable(true);
    background->setChecked(m_annotation.annotated && m_annotation.boxes.empty());
    background->setEnabled(m_annotation.boxes.empty());
    menu.addSeparator();
    menu.addAction("Fit the image", m_canvas, &BoxCanvas::zoomToFit)
        ->setShortcut(QKeySequence(Qt::Key_F));
    menu.exec(m_canvas->mapToGlobal(position));
}

}  // namespace fovea::ui
