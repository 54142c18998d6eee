#pragma once

// What the Model page shows about core's model zoo and weight catalogue, as plain Qt values.
// Free of LibTorch: core answers every question about networks (network_summary.h).
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include "fovea/core/models/network_summary.h"
#include "fovea/core/result.h"

namespace fovea::ui {

// One architecture of the zoo, described without building it.
struct ArchitectureEntry {
    QString name;    // zoo name, e.g. "resnet18"
    QString family;  // "ResNet", "MobileNet", ...
    QString paper;
    int inputSize = 0;               // pixels, the preprocessing's crop size
    qint64 parameters = 0;           // with a 1000-class head
    qint64 multiplyAccumulates = 0;  // one forward pass at inputSize
    bool hasOfflineWeights = false;  // converted at set-up, no internet needed
    int downloadableSources = 0;     // torchvision weight files known for it
    double bestImagenetTop1 = 0.0;   // percent; 0 when no source publishes one
};
const QVector<ArchitectureEntry>& architectureEntries();
const ArchitectureEntry* findArchitectureEntry(const QString& name);

enum class WeightKind { OfflineDefault, Catalogue, Random, LocalFile, Url };

// One way to start the network's weights, as ModelSelection::weights spells it.
struct WeightOption {
    WeightKind kind = WeightKind::Random;
    QString value;        // "default", "none", a URL or a file path
    QString label;        // one line for the combo box
    QString description;  // what it is and where it comes from, for the tooltip
    QString url;          // downloadable ones
    QString sha256;       // expected digest prefix; empty when unknown
    // Where the weights are on disk (offline file, download cache or the user's file); the file
    // may not exist yet.
    QString file;
};

// The offline default when the architecture has one, else its catalogue sources (the first is
// what "default" means), then random initialisation.
QVector<WeightOption> weightOptionsFor(const QString& architecture);
// The option for any `weights` value, local files and URLs included.
WeightOption weightOptionFor(const QString& architecture, const QString& weights);
// Where core::fetchToCache keeps the file of `url`.
QString cacheFileFor(const QString& url);

// The Model page draws core's summary of the network (blocks, layers, parameter counts).
using NetworkSummary = core::NetworkSummary;
using BlockSummary = core::BlockSummary;
using LayerSummary = core::LayerSummary;
using NetworkRequest = core::NetworkShape;

}  // namespace fovea::ui
