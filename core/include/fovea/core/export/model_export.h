#pragma once

// Writing a network to files other tools load. Every format carries the class labels and the
// preprocessing, and the graph formats share one input contract (see inputContract()):
//   input  "image":         float32 [N, 3, S, S], RGB, values in [0, 1], S = crop size
//                           (resize the shorter side to resizeShorterSide, centre-crop S x S);
//   output "probabilities": float32 [N, K], softmax over the classes, in label order.
// The mean/std normalisation happens inside the exported model, so users cannot get it wrong.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"

namespace fovea::core {

// The input contract above in one paragraph, with this preprocessing's numbers.
std::string inputContract(const Preprocessing& preprocessing);

// The normalisation the exported models apply inside: mean and std as [1, 3, 1, 1] float32.
struct ContractNormalisation {
    torch::Tensor mean;
    torch::Tensor std;
};
ContractNormalisation contractNormalisation(const Preprocessing& preprocessing);

// What the exported graph formats compute for an input in the contract ([N, 3, S, S] in
// [0, 1]): softmax(network((input - mean) / std)) -> [N, K]. This overload is the formula
// alone, in whatever mode and grad mode the caller set (the tracer records it).
torch::Tensor contractProbabilities(NetworkImpl& network, const torch::Tensor& input,
                                    const ContractNormalisation& normalisation);
// The same in eval mode without gradients, with the network's own preprocessing; the network's
// mode is restored. What parity checks compare exported files with.
torch::Tensor contractProbabilities(NetworkImpl& network, const torch::Tensor& input);

// Metadata written into every export: fovea.architecture, fovea.labels (JSON array),
// fovea.preprocessing (JSON), fovea.input_contract, fovea.frozen_blocks.
std::map<std::string, std::string> exportMetadata(const NetworkImpl& network,
                                                  const std::vector<std::string>& classNames);

// TorchScript archive (torch.jit.load / torch::jit::load): forward(image) -> probabilities,
// plus methods class_labels() and preprocessing_json(), and the metadata as extra files
// (labels.json, preprocessing.json, fovea.json). Written atomically.
Result<void> writeTorchScript(NetworkImpl& network, const std::vector<std::string>& classNames,
                              const std::filesystem::path& file);

// ONNX (opset 13) that passes the ONNX checker and that OpenCV's DNN module loads; metadata in
// metadata_props. Written atomically.
Result<void> writeOnnx(NetworkImpl& network, const std::vector<std::string>& classNames,
                       const std::filesystem::path& file);

// A state dict as torch.save writes it (an OrderedDict of tensors with torchvision's parameter
// names), so torchvision.models.<arch>(num_classes=K).load_state_dict(torch.load(file))
// accepts it. Labels and preprocessing ride in the dict's _metadata["fovea"], which
// load_state_dict ignores. Logits, not probabilities: this is the network alone.
Result<void> writePth(const NetworkImpl& network, const std::vector<std::string>& classNames,
                      const std::filesystem::path& file);

}  // namespace fovea::core
