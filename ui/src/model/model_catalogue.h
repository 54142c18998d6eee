#pragma once

// What the Model page shows about core's model zoo and weight catalogue, as plain Qt values so
// that no ui header needs LibTorch. Only model_catalogue.cpp includes the torch-side headers.
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

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

// The block that ends the ImageNet part of an architecture's offline weights ("block10" for
// mobilenet_v2_keras); empty when it has none.
QString lastImageNetBlock(const QString& architecture);

// What the page builds to draw the freeze map: the network's blocks and layers with their
// parameter counts, without keeping the network (VGG-16 alone holds 550 MB of weights).
struct LayerSummary {
    QString path;  // module path, e.g. "layer1.0" or "features.3.conv.0"
    QString type;  // e.g. "BasicBlock", "Conv2d"
    qint64 parameters = 0;
    QStringList tensors;  // "conv1.weight [64, 3, 3, 3]", for the tooltip
};
struct BlockSummary {
    QString name;
    QStringList modulePaths;
    qint64 parameters = 0;
    QVector<LayerSummary> layers;
};
struct NetworkSummary {
    QString architecture;
    qint64 numClasses = 0;
    QVector<BlockSummary> blocks;  // in forward order; the last is "head"
    // Every parameter tensor's element count and the blocks that freeze it, as core decides
    // (measured by freezing each block in turn), so counts here equal core::countParameters.
    struct Tensor {
        qint64 elements = 0;
        QVector<int> blocks;
    };
    QVector<Tensor> tensors;

    qint64 totalParameters() const;
    qint64 trainableParameters(const QSet<QString>& frozenBlocks) const;
    // The blocks from the first through `lastFrozen`, in order; empty when it is not a block.
    QStringList blocksUpTo(const QString& lastFrozen) const;
    bool hasBlock(const QString& name) const;
};

// What decides the summary's shape: the network as core::prepareNetwork would build it for
// this many classes, before any weights are loaded (weights never change the counts).
struct NetworkRequest {
    QString architecture;
    qint64 numClasses = 2;
    // The offline default arrives with a plain Linear head for the user's classes instead of
    // nsfwjs' two hidden layers (core::loadOfflineDefaultNetwork).
    bool offlineDefaultHead = false;
    double dropout = 0.0;
    int hiddenUnits = 0;

    bool operator==(const NetworkRequest& other) const;
    bool operator!=(const NetworkRequest& other) const { return !(*this == other); }
};

// Builds the network and summarises it. Slow for the big ones (VGG-16 takes seconds): call it
// on a worker thread. Errors come back as values, never as exceptions.
core::Result<NetworkSummary> summarizeNetwork(const NetworkRequest& request);

}  // namespace fovea::ui
