#pragma once

// The ONNX translation of a traced graph (onnx_writer.cpp), for writers that put more than one
// traced graph, or other inputs and outputs than the classifier's, into one ONNX file.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "traced_network.h"

namespace fovea::core::exporting {

// Opset of every ONNX file Fovea writes: the newest whose operators OpenCV 4.6 imports as used.
constexpr int kOnnxOpsetVersion = 13;

// One dimension of a declared input or output: a fixed size, or (value < 0) a named free one.
struct OnnxDim {
    int64_t value = -1;
    std::string param;
};

// A graph input or output: its name and float32 shape.
struct OnnxPort {
    std::string name;
    std::vector<OnnxDim> dims;
};

// Appends to `graph` the nodes and initializers that compute `traced`, declaring its inputs and
// outputs (in the traced graph's order) with `inputs` and `outputs`. Names the translation makes
// up for intermediate values start with `prefix`, so that several graphs can share one file.
// Throws std::runtime_error naming an operation it cannot translate.
void appendOnnxGraph(const TracedNetwork& traced, const std::vector<OnnxPort>& inputs,
                     const std::vector<OnnxPort>& outputs, const std::string& prefix,
                     onnx::GraphProto& graph);

}  // namespace fovea::core::exporting
