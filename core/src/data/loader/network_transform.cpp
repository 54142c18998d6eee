#include "fovea/core/loader/network_transform.h"

namespace fovea::core {

ImageTransformSpec transformSpecFor(const Preprocessing& preprocessing) {
    ImageTransformSpec spec;
    spec.resizeShorterSide = preprocessing.resizeShorterSide;
    spec.cropSize = preprocessing.cropSize;
    spec.filter = preprocessing.bicubic ? ResizeFilter::AutoCubic : ResizeFilter::Auto;
    spec.mean = preprocessing.mean;
    spec.std = preprocessing.std;
    return spec;
}

}  // namespace fovea::core
