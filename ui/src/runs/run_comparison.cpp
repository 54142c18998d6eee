#include "runs/run_comparison.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QScreen>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "fovea/core/session/run_catalogue.h"
#include "fovea/core/training/run_folder_layout.h"
#include "qcustomplot_wrapper.h"
#include "runs/settings_diff.h"
#include "widgets/plot_legend.h"

namespace fovea::ui {

namespace {

// Tableau's ten colours (matplotlib's default cycle): distinct, and familiar from TensorBoard.
const QVector<QColor> kRunColours = {
    {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};

QCustomPlot* makeChart(const QString& name, const QString& yLabel, QWidget* parent) {
    auto* plot = new QCustomPlot(parent);
    plot->setObjectName(name);
    plot->setMinimumSize(260, 220);
    plot->xAxis->setLabel("epoch");
    plot->yAxis->setLabel(yLabel);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    // Whole epochs only: a fractional or repeated tick label would be wrong.
    useWholeNumberTicks(plot->xAxis);
    placeLegendBelowPlot(plot, 1);  // run names are long: one per line
    return plot;
}

}  // namespace

RunComparison::RunComparison(const QStringList& runFolders, QWidget* parent)
    : QDialog(parent),
      m_validationAccuracy(makeChart("comparisonValidationAccuracy", "validation accuracy", this)),
      m_validationLoss(makeChart("comparisonValidationLoss", "validation loss", this)),
      m_trainingLoss(makeChart("comparisonTrainingLoss", "training loss", this)),
      m_settings(new QTableWidget(this)),
      m_onlyDifferences(new QCheckBox("Only settings that differ", this)),
      m_sameSettings(new QLabel("These runs were started with the same settings; untick "
                                "\"Only settings that differ\" to see them.",
                                this)) {
    setObjectName("runComparison");
    setWindowTitle(QString("Compare %1 runs").arg(runFolders.size()));
    // Its best size where the screen has room; within the screen where it has not (a laptop's
    // 1366 x 768 less a panel and a title bar).
    const QRect screen = this->screen()->availableGeometry();
    resize(std::min(1200, screen.width() * 9 / 10), std::min(760, screen.height() * 9 / 10));
    m_settings->setObjectName("comparisonSettings");
    m_settings->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_settings->setWordWrap(false);
    m_settings->setTextElideMode(Qt::ElideMiddle);
    m_onlyDifferences->setObjectName("onlyDifferencesCheck");
    m_onlyDifferences->setChecked(true);  // what the comparison is for; untick for the rest
    connect(m_onlyDifferences, &QCheckBox::toggled, this, &RunComparison::showOnlyDifferences);

    auto* charts = new QWidget(this);
    auto* chartRow = new QHBoxLayout(charts);
    chartRow->setContentsMargins(0, 0, 0, 0);
    for (QCustomPlot* plot : {m_validationAccuracy, m_validationLoss, m_trainingLoss}) {
        chartRow->addWidget(plot);
    }
    auto* settingsPane = new QWidget(this);
    auto* settingsLayout = new QVBoxLayout(settingsPane);
    settingsLayout->setContentsMargins(0, 0, 0, 0);
    settingsLayout->addWidget(m_onlyDifferences);
    m_sameSettings->setObjectName("sameSettingsNote");
    settingsLayout->addWidget(m_sameSettings);
    settingsLayout->addWidget(m_settings, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(charts);
    split->addWidget(settingsPane);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split, 1);
    layout->addWidget(buttons);

    plotRuns(runFolders);
    fillSettings(runFolders);
    showOnlyDifferences(m_onlyDifferences->isChecked());
}

void RunComparison::plotRuns(const QStringList& runFolders) {
    double lastEpoch = 1;
    for (int run = 0; run < runFolders.size(); ++run) {
        const QString name = QFileInfo(runFolders[run]).fileName();
        const QColor colour = kRunColours[run % kRunColours.size()];
        const auto epochs = core::readRunMetrics(runFolders[run].toStdString());
        for (QCustomPlot* plot : {m_validationAccuracy, m_validationLoss, m_trainingLoss}) {
            QCPGraph* graph = plot->addGraph();
            graph->setName(name);
            graph->setPen(QPen(colour, 2));
            graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        }
        for (const core::EpochReport& epoch : epochs) {
            const double x = static_cast<double>(epoch.epoch + 1);
            lastEpoch = std::max(lastEpoch, x);
            m_trainingLoss->graph(run)->addData(x, epoch.trainLoss);
            if (!epoch.hasValidation) continue;
            m_validationAccuracy->graph(run)->addData(x, epoch.validationAccuracy);
            m_validationLoss->graph(run)->addData(x, epoch.validationLoss);
        }
    }
    for (QCustomPlot* plot : {m_validationAccuracy, m_validationLoss, m_trainingLoss}) {
        plot->rescaleAxes();
        plot->xAxis->setRange(0.5, lastEpoch + 0.5);
        const QCPRange values = plot->yAxis->range();
        plot->yAxis->setRange(plot == m_validationAccuracy ? 0 : std::min(0.0, values.lower),
                              plot == m_validationAccuracy ? 1.02 : values.upper * 1.08 + 1e-6);
        plot->replot();
    }
}

void RunComparison::fillSettings(const QStringList& runFolders) {
    QVector<nlohmann::json> configs;
    QStringList headers;
    for (const QString& folder : runFolders) {
        configs << core::loadJsonFile(folder.toStdString() + "/" + core::run_layout::kConfigFile);
        headers << QFileInfo(folder).fileName();
    }
    const QVector<SettingRow> rows = compareSettings(configs);
    m_settings->setColumnCount(static_cast<int>(runFolders.size()));
    m_settings->setHorizontalHeaderLabels(headers);
    m_settings->setRowCount(static_cast<int>(rows.size()));
    QStringList keys;
    const QColor highlight(255, 236,
                           179);  // a soft amber: differences stand out, text stays legible
    for (int r = 0; r < rows.size(); ++r) {
        keys << readableSettingName(rows[r].key);
        for (int c = 0; c < rows[r].values.size(); ++c) {
            auto* item = new QTableWidgetItem(rows[r].values[c]);
            item->setToolTip(rows[r].values[c]);
            if (rows[r].differs) {
                item->setBackground(highlight);
                QFont bold = item->font();
                bold.setBold(true);
                item->setFont(bold);
            }
            m_settings->setItem(r, c, item);
        }
    }
    m_settings->setVerticalHeaderLabels(keys);
    for (int r = 0; r < rows.size(); ++r) {
        m_settings->verticalHeaderItem(r)->setData(Qt::UserRole, rows[r].differs);
        m_settings->verticalHeaderItem(r)->setData(Qt::UserRole + 1, rows[r].key);
        m_settings->verticalHeaderItem(r)->setToolTip(rows[r].key);  // as config.json has it
        if (rows[r].differs) m_settings->verticalHeaderItem(r)->setBackground(highlight);
    }
    m_settings->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_settings->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
}

QStringList RunComparison::differingSettings() const {
    QStringList keys;
    for (int r = 0; r < m_settings->rowCount(); ++r) {
        const QTableWidgetItem* header = m_settings->verticalHeaderItem(r);
        if (header->data(Qt::UserRole).toBool()) keys << header->data(Qt::UserRole + 1).toString();
    }
    return keys;
}

void RunComparison::showOnlyDifferences(bool only) {
    m_sameSettings->setVisible(only && differingSettings().isEmpty());
    for (int r = 0; r < m_settings->rowCount(); ++r) {
        const bool differs = m_settings->verticalHeaderItem(r)->data(Qt::UserRole).toBool();
        m_settings->setRowHidden(r, only && !differs);
    }
}

}  // namespace fovea::ui
