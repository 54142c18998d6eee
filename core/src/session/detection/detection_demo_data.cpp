#include "fovea/core/session/detection_demo.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>

#include "fovea/core/detection/box_annotations.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// Colour photographs of scenes (not charts, text or microscopy) that Debian packages install.
constexpr const char* kMateNature = "/usr/share/backgrounds/mate/nature";  // mate-backgrounds
constexpr const char* kSkimageData = "/usr/lib/python3/dist-packages/skimage/data";
// (astronaut.png and chelsea.png are left out: libpng warns about their colour profile on
// every decode.)
constexpr const char* kSkimagePhotos[] = {"coffee.png", "rocket.jpg", "motorcycle_left.png",
                                          "grass.png",  "gravel.png", "brick.png",
                                          "camera.png"};

// An object: its colour (RGB, float) and coverage (0..1), premultiplied-free.
struct Sprite {
    cv::Mat rgb;    // CV_32FC3
    cv::Mat alpha;  // CV_32FC1
};

// A garment's grey level is its coverage: Fashion-MNIST's background is 0, the garment's
// fabric 60..255, so alpha = min(1, grey / 64) makes the fabric opaque and its rim soft; the
// texture survives as shading of a random colour.
Sprite garmentSprite(const IdxImages& images, int index, int side, const cv::Vec3f& colour) {
    const cv::Mat grey(images.rows, images.cols, CV_8UC1,
                       const_cast<std::uint8_t*>(images.pixels.data() +
                                                 std::size_t(index) * images.rows * images.cols));
    cv::Mat scaled;
    cv::resize(grey, scaled, cv::Size(side, side), 0, 0, cv::INTER_LINEAR);
    scaled.convertTo(scaled, CV_32F, 1.0 / 255.0);
    Sprite sprite;
    sprite.alpha = cv::min(scaled * 4.0, 1.0);
    cv::Mat shade = 0.35 + 0.65 * scaled;
    cv::Mat channels[3] = {shade * colour[0], shade * colour[1], shade * colour[2]};
    cv::merge(channels, 3, sprite.rgb);
    return sprite;
}

// The tight bound of the pixels the sprite covers at least a tenth of; empty when none.
cv::Rect coveredBounds(const cv::Mat& alpha) {
    cv::Mat covered = alpha >= 0.1f;
    return cv::boundingRect(covered);
}

double overlapOfSmaller(const cv::Rect& a, const cv::Rect& b) {
    const double inter = (a & b).area();
    return inter / double(std::max(1, std::min(a.area(), b.area())));
}

std::string lowerName(const char* name) {
    std::string text = name;
    for (char& c : text) c = static_cast<char>(c == '_' ? ' ' : std::tolower(c));
    return text;
}

}  // namespace

std::vector<fs::path> demoBackgroundPhotos() {
    std::vector<fs::path> photos;
    std::error_code ec;
    if (fs::is_directory(kMateNature, ec)) {
        for (const auto& entry : fs::directory_iterator(kMateNature, ec)) {
            if (entry.path().extension() == ".jpg") photos.push_back(entry.path());
        }
        std::sort(photos.begin(), photos.end());
    }
    for (const char* name : kSkimagePhotos) {
        const fs::path file = fs::path(kSkimageData) / name;
        if (fs::exists(file, ec)) photos.push_back(file);
    }
    return photos;
}

Result<DetectionDemoFolder> writeDetectionDemoFolder(const fs::path& folder,
                                                     const DetectionDemoOptions& o) {
    if (o.images < 1 || o.width < 32 || o.height < 32 || o.classes.empty() || o.minObjects < 0 ||
        o.maxObjects < o.minObjects || o.minObjectSide < 8 || o.maxObjectSide < o.minObjectSide ||
        o.maxObjectSide > std::min(o.width, o.height)) {
        return Error{"detection demo: inconsistent options", ErrorKind::Usage};
    }
    DetectionDemoFolder result;
    result.backgrounds = o.backgrounds.empty() ? demoBackgroundPhotos() : o.backgrounds;
    // Decoded once; the MATE wallpapers at half size, which is still far above 320 px.
    std::vector<cv::Mat> photos;
    for (const auto& file : result.backgrounds) {
        cv::Mat photo = cv::imread(file.string(), cv::IMREAD_REDUCED_COLOR_2);
        if (photo.empty() || photo.cols < o.width / 2 || photo.rows < o.height / 2) continue;
        photos.push_back(photo);
    }
    if (photos.empty()) {
        return Error{
            "detection demo: no background photographs (install Debian's "
            "mate-backgrounds or python3-skimage)",
            ErrorKind::BadData};
    }
    auto garments = readFashionMnist(FashionMnistPart::Test, o.fashionMnistDir);
    if (!garments) {
        return Error{garments.error().message +
                         " (the detection demo needs Debian's dataset-fashion-mnist package)",
                     ErrorKind::BadData};
    }
    // The garments of each chosen class, by label.
    std::vector<std::vector<int>> byClass(o.classes.size());
    for (int i = 0; i < garments.value().images.count; ++i) {
        for (std::size_t c = 0; c < o.classes.size(); ++c) {
            if (garments.value().labels[std::size_t(i)] == o.classes[c]) byClass[c].push_back(i);
        }
    }
    detection::BoxAnnotations annotations;
    for (std::size_t c = 0; c < o.classes.size(); ++c) {
        if (o.classes[c] < 0 || o.classes[c] > 9 || byClass[c].empty()) {
            return Error{
                "detection demo: Fashion-MNIST has no class " + std::to_string(o.classes[c]),
                ErrorKind::Usage};
        }
        annotations.classes.push_back(
            lowerName(fashionMnistClassNames()[std::size_t(o.classes[c])]));
    }
    std::error_code ec;
    fs::create_directories(folder / "images", ec);
    if (ec) return Error{"cannot create " + (folder / "images").string(), ErrorKind::Io};

    std::mt19937_64 rng(o.seed);
    auto uniform = [&](int low, int high) {
        return std::uniform_int_distribution<int>(low, high)(rng);
    };
    auto unit = [&] { return std::uniform_real_distribution<float>(0.0f, 1.0f)(rng); };
    const double aspect = double(o.width) / double(o.height);
    for (int n = 0; n < o.images; ++n) {
        // A random crop of a photograph with the images' aspect ratio, 40-100% of its height.
        const cv::Mat& photo = photos[std::size_t(uniform(0, int(photos.size()) - 1))];
        int cropH = std::min(photo.rows, int(double(photo.cols) / aspect));
        cropH = std::max(8, int(double(cropH) * (0.4 + 0.6 * unit())));
        const int cropW = std::min(photo.cols, int(double(cropH) * aspect));
        const cv::Rect crop(uniform(0, photo.cols - cropW), uniform(0, photo.rows - cropH), cropW,
                            cropH);
        cv::Mat canvas;
        cv::resize(photo(crop), canvas, cv::Size(o.width, o.height), 0, 0, cv::INTER_AREA);
        canvas.convertTo(canvas, CV_32FC3, 1.0 / 255.0);

        detection::ImageBoxes image;
        char name[32];
        std::snprintf(name, sizeof name, "demo-%04d.jpg", n);
        image.image = fs::path("images") / name;
        image.width = o.width;
        image.height = o.height;
        std::vector<cv::Rect> placed;
        const int objects = uniform(o.minObjects, o.maxObjects);
        for (int k = 0; k < objects; ++k) {
            const auto c = std::size_t(uniform(0, int(o.classes.size()) - 1));
            const int index = byClass[c][std::size_t(uniform(0, int(byClass[c].size()) - 1))];
            const int side = uniform(o.minObjectSide, o.maxObjectSide);
            // Saturated colours (OpenCV's BGR order), never close to black.
            const cv::Vec3f colour(0.25f + 0.75f * unit(), 0.25f + 0.75f * unit(),
                                   0.25f + 0.75f * unit());
            const Sprite sprite = garmentSprite(garments.value().images, index, side, colour);
            const cv::Rect covered = coveredBounds(sprite.alpha);
            if (covered.empty()) continue;
            // Up to 30 places; an object that fits nowhere is left out.
            for (int attempt = 0; attempt < 30; ++attempt) {
                const cv::Point at(uniform(0, o.width - side), uniform(0, o.height - side));
                const cv::Rect box = covered + at;
                const bool clear =
                    std::all_of(placed.begin(), placed.end(),
                                [&](const cv::Rect& p) { return overlapOfSmaller(p, box) <= 0.2; });
                if (!clear) continue;
                // Later objects lie on top: earlier boxes keep their extent (COCO's amodal boxes).
                const cv::Rect where(at.x, at.y, side, side);
                cv::Mat region = canvas(where);
                cv::Mat alpha3;
                cv::Mat alphas[3] = {sprite.alpha, sprite.alpha, sprite.alpha};
                cv::merge(alphas, 3, alpha3);
                const cv::Mat inverse = cv::Scalar::all(1.0) - alpha3;
                const cv::Mat blended = region.mul(inverse) + sprite.rgb.mul(alpha3);
                blended.copyTo(region);
                placed.push_back(box);
                image.boxes.push_back({annotations.classes[c], float(box.x), float(box.y),
                                       float(box.width), float(box.height)});
                break;
            }
        }
        cv::Mat out;
        canvas.convertTo(out, CV_8UC3, 255.0);
        if (!cv::imwrite((folder / image.image).string(), out, {cv::IMWRITE_JPEG_QUALITY, 92})) {
            return Error{"cannot write " + (folder / image.image).string(), ErrorKind::Io};
        }
        result.boxes += image.boxes.size();
        annotations.images.push_back(std::move(image));
    }
    result.annotations = folder / "annotations.json";
    auto written = detection::writeCoco(annotations, result.annotations);
    if (!written) return written.error();
    result.classes = annotations.classes;
    result.images = annotations.images.size();
    return result;
}

}  // namespace fovea::core
