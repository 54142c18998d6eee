#pragma once

#include <QWidget>

#include "data/image_view_filter.h"

class QComboBox;
class QLineEdit;

namespace fovea::ui {

class ProjectSession;

// The Data page's choice of which images the grid shows: a list of filters (all, unlabeled,
// suggested, label next, unreadable, a split, no split, a class of the open project) and a
// search in the paths. "Suggested" shows the suggestions at least as sure as the suggestion
// strip's threshold (the Data page fills it in), so the grid shows what Accept All takes.
class ImageFilterBar : public QWidget {
    Q_OBJECT
  public:
    explicit ImageFilterBar(QWidget* parent = nullptr);

    // The project whose classes are offered (nullptr: none open).
    void setSession(ProjectSession* session);
    // Lists the filters again (the classes may have changed) and selects the entry of
    // `current`.
    void showFilter(const ImageViewFilter& current);
    // The Suggested entry names the suggestion threshold it applies ("Suggested ≥ 90 %"): the
    // spin box beside Accept All sets both.
    void setSuggestionThreshold(int percent);
    void clearSearch();

  Q_SIGNALS:
    // The user chose an entry; the filter has the search text as it is.
    void filterChosen(const fovea::ui::ImageViewFilter& filter);
    // The search text changed and the user paused typing.
    void searchChanged(const QString& text);

  private:
    void applyChoice();
    QString suggestedText() const;
    void showCurrentInToolTip();

    ProjectSession* m_session = nullptr;
    QComboBox* m_filterCombo;
    int m_suggestionPercent = 0;
    QLineEdit* m_search;
};

}  // namespace fovea::ui
