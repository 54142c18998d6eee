#pragma once

#include <QColor>
#include <QImage>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QVector>

namespace fovea::ui {

// Boxes drawn over a picture, for the detection views of the Evaluate and Predict pages (issue
// 24, point 4): they show a decoded picture (scaled down, EXIF orientation applied) of an
// image whose boxes are in the upright image's own pixels.
struct OverlayBox {
    QRectF rect;  // upright image pixels
    QColor colour;
    QString caption;  // drawn on a band of the box's colour above it; empty: none
    bool dashed = false;
};

// The colours the detection views share, and that their legends name.
inline const QColor kTruthColour{40, 170, 60};       // a ground-truth box
inline const QColor kErrorColour{220, 40, 40};       // the detection in error
inline const QColor kDetectionColour{40, 120, 230};  // a detection that found its object
inline const QColor kIgnoredColour{150, 150, 150};   // matched a crowd or difficult box

// A colour per class index for a detector's boxes where the project's own class colours are
// not at hand (the Predict page opens any run): matplotlib's tab10, distinct at a glance.
QColor detectorClassColour(int classIndex);

// The part `region` (upright image pixels) of `picture`, which shows an image of `imageSize`
// pixels, scaled to fit maxSide x maxSide, with `boxes` drawn over it after the scaling, so
// lines and captions are as crisp at any scale. A null picture gives a null image.
QImage drawOverlay(const QImage& picture, const QSizeF& imageSize, const QRectF& region,
                   int maxSide, const QVector<OverlayBox>& boxes);

// Where the captions of boxes `rects` (output pixels, in drawing order) go on a picture of
// `picture` size: each caption band of its size in `texts` above its box, else inside its top,
// below it, or inside its bottom, the first of those on the picture that overlaps no band placed
// before it. The last box (the likeliest, drawn on top) is placed first. Boxes drawn with lines
// of `lineWidth`.
QVector<QRectF> placeCaptions(const QVector<QRectF>& rects, const QVector<QSizeF>& texts,
                              const QSizeF& picture, double lineWidth);

// The region a tile shows around `focus` (upright image pixels): the box with a margin of a
// quarter of its size (at least 16 pixels) on each side, clipped to the image, so the tile shows
// what the box sits in.
QRectF tileRegion(const QRectF& focus, const QSizeF& imageSize);

}  // namespace fovea::ui
