// torchvision/models/detection/transform.py: GeneralizedRCNNTransform and resize_boxes.
#include <cmath>

#include <torch/torch.h>

#include "fovea/core/detection/faster_rcnn_parts.h"

namespace fovea::core::detection {

GeneralizedRcnnTransform::GeneralizedRcnnTransform(std::vector<int64_t> minSizes, int64_t maxSize,
                                                   std::array<double, 3> imageMean,
                                                   std::array<double, 3> imageStd,
                                                   int64_t sizeDivisible)
    : m_minSizes(std::move(minSizes)),
      m_maxSize(maxSize),
      m_mean(imageMean),
      m_std(imageStd),
      m_sizeDivisible(sizeDivisible) {
    TORCH_CHECK(!m_minSizes.empty(), "GeneralizedRcnnTransform needs a min size");
}

torch::Tensor GeneralizedRcnnTransform::normalize(const torch::Tensor& image) const {
    TORCH_CHECK(image.is_floating_point(), "images must be floating point in [0, 1], got ",
                image.scalar_type());
    const auto options = image.options();
    const torch::Tensor mean = torch::tensor({m_mean[0], m_mean[1], m_mean[2]}, options);
    const torch::Tensor std = torch::tensor({m_std[0], m_std[1], m_std[2]}, options);
    return (image - mean.view({-1, 1, 1})) / std.view({-1, 1, 1});
}

torch::Tensor GeneralizedRcnnTransform::resize(const torch::Tensor& image, int64_t minSize) const {
    const int64_t height = image.size(-2);
    const int64_t width = image.size(-1);
    // _resize_image_and_masks: the scale is worked out in float32 as `self_min_size / min_size`
    // with min_size a float32 tensor, which PyTorch evaluates as reciprocal(min_size) *
    // self_min_size (Tensor.__rtruediv__): 320 / 200 is 1.5999999, not 1.6, and a 300-pixel side
    // becomes 479. Then interpolate with recompute_scale_factor=True floors size * scale in
    // double and resamples to that size alone, so the bilinear weights come from input / output
    // size, not from the scale.
    const float shorter = static_cast<float>(std::min(height, width));
    const float longer = static_cast<float>(std::max(height, width));
    const float scale = std::min((1.0F / shorter) * static_cast<float>(minSize),
                                 (1.0F / longer) * static_cast<float>(m_maxSize));
    const auto outHeight =
        static_cast<int64_t>(std::floor(static_cast<double>(height) * static_cast<double>(scale)));
    const auto outWidth =
        static_cast<int64_t>(std::floor(static_cast<double>(width) * static_cast<double>(scale)));
    return torch::upsample_bilinear2d(image.unsqueeze(0), {outHeight, outWidth},
                                      /*align_corners=*/false, c10::nullopt, c10::nullopt)[0];
}

std::pair<ImageList, std::vector<DetectionTarget>> GeneralizedRcnnTransform::operator()(
    const std::vector<torch::Tensor>& images, std::vector<DetectionTarget> targets,
    bool training) const {
    TORCH_CHECK(!images.empty(), "no images");
    TORCH_CHECK(targets.empty() || targets.size() == images.size(), "one target per image, got ",
                targets.size(), " for ", images.size());
    std::vector<torch::Tensor> resized;
    resized.reserve(images.size());
    std::vector<std::array<int64_t, 2>> sizes;
    for (size_t index = 0; index < images.size(); ++index) {
        const torch::Tensor& image = images[index];
        TORCH_CHECK(image.dim() == 3, "images must be [C, H, W], got ", image.sizes());
        int64_t minSize = m_minSizes.back();
        if (training) {
            // torch_choice: one uniform draw per image from the default generator, even with a
            // single size, so that the random stream stays torchvision's.
            const double draw = torch::empty({1})
                                    .uniform_(0.0, static_cast<double>(m_minSizes.size()))
                                    .item<double>();
            minSize = m_minSizes[static_cast<size_t>(draw)];
        }
        torch::Tensor out = resize(normalize(image), minSize);
        if (!targets.empty()) {
            targets[index].boxes = resizeBoxes(targets[index].boxes, {image.size(1), image.size(2)},
                                               {out.size(1), out.size(2)});
        }
        sizes.push_back({out.size(1), out.size(2)});
        resized.push_back(std::move(out));
    }
    // batch_images: zero padding to the largest size, rounded up to a multiple of the stride.
    int64_t channels = 0, height = 0, width = 0;
    for (const auto& image : resized) {
        channels = std::max(channels, image.size(0));
        height = std::max(height, image.size(1));
        width = std::max(width, image.size(2));
    }
    const auto stride = static_cast<double>(m_sizeDivisible);
    height = static_cast<int64_t>(std::ceil(static_cast<double>(height) / stride) * stride);
    width = static_cast<int64_t>(std::ceil(static_cast<double>(width) / stride) * stride);
    torch::Tensor batch = torch::zeros(
        {static_cast<int64_t>(resized.size()), channels, height, width}, resized.front().options());
    for (size_t index = 0; index < resized.size(); ++index) {
        const auto& image = resized[index];
        batch[static_cast<int64_t>(index)]
            .narrow(0, 0, image.size(0))
            .narrow(1, 0, image.size(1))
            .narrow(2, 0, image.size(2))
            .copy_(image);
    }
    return {ImageList{batch, std::move(sizes)}, std::move(targets)};
}

std::vector<Detections> GeneralizedRcnnTransform::postprocess(
    std::vector<Detections> detections, const std::vector<std::array<int64_t, 2>>& resizedSizes,
    const std::vector<std::array<int64_t, 2>>& originalSizes) const {
    for (size_t index = 0; index < detections.size(); ++index) {
        detections[index].boxes =
            resizeBoxes(detections[index].boxes, resizedSizes[index], originalSizes[index]);
    }
    return detections;
}

torch::Tensor resizeBoxes(const torch::Tensor& boxes, std::array<int64_t, 2> originalSize,
                          std::array<int64_t, 2> newSize) {
    // float32 ratios, as torchvision's torch.tensor(s, dtype=torch.float32) divisions.
    const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(boxes.device());
    const torch::Tensor ratioHeight = torch::tensor(static_cast<float>(newSize[0]), options) /
                                      torch::tensor(static_cast<float>(originalSize[0]), options);
    const torch::Tensor ratioWidth = torch::tensor(static_cast<float>(newSize[1]), options) /
                                     torch::tensor(static_cast<float>(originalSize[1]), options);
    const auto corners = boxes.unbind(1);
    return torch::stack({corners[0] * ratioWidth, corners[1] * ratioHeight, corners[2] * ratioWidth,
                         corners[3] * ratioHeight},
                        1);
}

}  // namespace fovea::core::detection
