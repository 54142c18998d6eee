#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "fovea/core/export/model_export.h"
#include "fovea/core/models/preprocessing_json.h"

namespace fovea::core {

std::string inputContract(const Preprocessing& preprocessing) {
    std::ostringstream text;
    text << "input 'image': float32 [N, 3, " << preprocessing.cropSize << ", "
         << preprocessing.cropSize << "], RGB channel order, values in [0, 1] (pixel / 255); "
         << "prepare an image by resizing its shorter side to " << preprocessing.resizeShorterSide
         << " pixels (" << (preprocessing.bicubic ? "bicubic" : "bilinear")
         << ") and cropping the centre " << preprocessing.cropSize << " x "
         << preprocessing.cropSize << ". Normalisation (mean " << preprocessing.mean[0] << ", "
         << preprocessing.mean[1] << ", " << preprocessing.mean[2] << "; std "
         << preprocessing.std[0] << ", " << preprocessing.std[1] << ", " << preprocessing.std[2]
         << ") happens inside the model. output 'probabilities': float32 [N, K], softmax over "
            "the classes in the order of the labels.";
    return text.str();
}

ContractNormalisation contractNormalisation(const Preprocessing& preprocessing) {
    const auto channels = [](const std::array<float, 3>& values) {
        return torch::tensor(std::vector<float>(values.begin(), values.end())).view({1, 3, 1, 1});
    };
    return {channels(preprocessing.mean), channels(preprocessing.std)};
}

torch::Tensor contractProbabilities(NetworkImpl& network, const torch::Tensor& input,
                                    const ContractNormalisation& normalisation) {
    return torch::softmax(network.forward((input - normalisation.mean) / normalisation.std), 1);
}

torch::Tensor contractProbabilities(NetworkImpl& network, const torch::Tensor& input) {
    torch::NoGradGuard noGrad;
    const bool training = network.is_training();
    network.eval();
    auto probabilities =
        contractProbabilities(network, input, contractNormalisation(network.preprocessing()));
    network.train(training);
    return probabilities;
}

std::map<std::string, std::string> exportMetadata(const NetworkImpl& network,
                                                  const std::vector<std::string>& classNames) {
    return {
        {"fovea.architecture", network.architecture()},
        {"fovea.labels", nlohmann::json(classNames).dump()},
        {"fovea.preprocessing", toJson(network.preprocessing()).dump()},
        {"fovea.input_contract", inputContract(network.preprocessing())},
        {"fovea.frozen_blocks", nlohmann::json(network.frozenBlocks()).dump()},
    };
}

}  // namespace fovea::core
