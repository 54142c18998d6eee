#pragma once

#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QWidget>

#include "model/model_catalogue.h"

class QAction;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace fovea::ui {

// The network's named blocks as a tree (blocks, then their layers) with a box per block that
// freezes it, per-block learning-rate multipliers, and the trainable/total parameter counts,
// recounted as boxes change. Freezing works per block, as in core: layers show their block's
// state. The head always trains, so its box is disabled.
//
// Keyboard: Space freezes/unfreezes the current block, Ctrl+U freezes every block up to it, F2
// edits its learning-rate multiplier; the context menu offers the same.
class FreezeMap : public QWidget {
    Q_OBJECT
  public:
    explicit FreezeMap(QWidget* parent = nullptr);
    ~FreezeMap() override;

    // Shows the network's blocks, keeping the frozen blocks and multipliers that it has.
    void setNetwork(const NetworkSummary& network);
    // No network to show (being built, or failed): `message` takes the tree's place.
    void clearNetwork(const QString& message);
    bool hasNetwork() const { return m_hasNetwork; }
    const NetworkSummary& network() const { return m_network; }

    // Programmatic changes emit no signal. Unknown blocks (and the head) are left out once a
    // network is shown.
    void setFrozenBlocks(const QStringList& blocks);
    QStringList frozenBlocks() const;  // in the network's order
    void setLearningRateMultipliers(const QMap<QString, double>& multipliers);
    QMap<QString, double> learningRateMultipliers() const;  // only entries != 1

    // What the Recommended button applies, and why (its tooltip).
    void setRecommendation(const QStringList& blocks, const QString& reason);
    QStringList recommendation() const { return m_recommendation; }

    // As the label shows them; 0 while no network is shown.
    qint64 trainableParameters() const;
    qint64 totalParameters() const;

    // The user actions, also for the page and tests; each emits changed() when it changes
    // something.
    void freezeUpTo(const QString& block);
    void applyRecommendation();
    void unfreezeAll();

    QTreeWidget* tree() const { return m_tree; }

  Q_SIGNALS:
    // The user changed the frozen blocks or a multiplier.
    void changed();

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void buildTree();
    QHBoxLayout* buildButtons();
    void rebuildTree();
    void syncTreeFromState();
    void updateCounts();
    void updateActions();
    void onItemChanged(QTreeWidgetItem* item, int column);
    void showContextMenu(const QPoint& position);
    void setBlockFrozen(const QString& block, bool frozen);
    void editMultiplier(QTreeWidgetItem* blockItem);
    void applyFrozen(QSet<QString> frozen);
    // The block row of the current item (the item itself or its parent); nullptr when none.
    QTreeWidgetItem* currentBlockItem() const;
    QString currentBlock() const;

    NetworkSummary m_network;
    bool m_hasNetwork = false;
    QSet<QString> m_frozen;
    QMap<QString, double> m_multipliers;
    QStringList m_recommendation;
    bool m_updatingTree = false;

    QTreeWidget* m_tree = nullptr;
    QLabel* m_messageLabel = nullptr;
    QLabel* m_countsLabel = nullptr;
    QPushButton* m_freezeUpToButton = nullptr;
    QPushButton* m_recommendedButton = nullptr;
    QPushButton* m_unfreezeAllButton = nullptr;
    QAction* m_freezeUpToAction = nullptr;
};

}  // namespace fovea::ui
