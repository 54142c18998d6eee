#include "fovea/core/models/preprocessing_json.h"

namespace fovea::core {

nlohmann::json toJson(const Preprocessing& p) {
    return {{"resize_shorter_side", p.resizeShorterSide},
            {"crop_size", p.cropSize},
            {"bicubic", p.bicubic},
            {"mean", p.mean},
            {"std", p.std}};
}

Result<Preprocessing> preprocessingFromJson(const nlohmann::json& json) {
    try {
        Preprocessing p;
        p.resizeShorterSide = json.at("resize_shorter_side").get<int>();
        p.cropSize = json.at("crop_size").get<int>();
        p.bicubic = json.value("bicubic", false);
        p.mean = json.at("mean").get<std::array<float, 3>>();
        p.std = json.at("std").get<std::array<float, 3>>();
        if (p.cropSize <= 0 || p.resizeShorterSide <= 0) {
            return Error{"preprocessing: crop_size and resize_shorter_side must be positive"};
        }
        return p;
    } catch (const nlohmann::json::exception& e) {
        return Error{std::string("preprocessing: ") + e.what()};
    }
}

}  // namespace fovea::core
