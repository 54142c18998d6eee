// ONNX from C++: each traced ATen node becomes the ONNX operator(s) that compute the same thing,
// in forms that OpenCV's DNN importer understands (e.g. Linear as Gemm with transB, hardswish
// as x * HardSigmoid(x), SiLU as x * Sigmoid(x), ReLU6 as Clip), tensors as initializers named
// as in the state dict.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "fovea/core/atomic_file.h"
#include "fovea/core/export/model_export.h"
#include "fovea/core/version.h"
#include "onnx_nodes.h"
#include "traced_network.h"

namespace fovea::core {
namespace {

using exporting::constantValue;
using exporting::OnnxPort;
using exporting::TracedNetwork;
using torch::jit::Node;
using torch::jit::Value;

class OnnxGraphBuilder {
  public:
    OnnxGraphBuilder(const TracedNetwork& traced, onnx::GraphProto& graph, std::string prefix = {})
        : m_traced(traced), m_graph(graph), m_prefix(std::move(prefix)) {}

    void build(int64_t numClasses) {
        const Value* input = m_traced.graph->inputs().at(0);
        m_names[input] = "image";
        m_names[m_traced.graph->outputs().at(0)] = "probabilities";
        addValueInfo(m_graph.add_input(), "image", {-1, 3, m_traced.imageSize, m_traced.imageSize});
        addValueInfo(m_graph.add_output(), "probabilities", {-1, numClasses});
        for (const Node* node : m_traced.graph->nodes()) translate(node);
    }

    void build(const std::vector<OnnxPort>& inputs, const std::vector<OnnxPort>& outputs) {
        if (inputs.size() != m_traced.graph->inputs().size() ||
            outputs.size() != m_traced.graph->outputs().size()) {
            throw std::runtime_error("the declared inputs and outputs do not fit the graph");
        }
        for (size_t index = 0; index < inputs.size(); ++index) {
            m_names[m_traced.graph->inputs()[index]] = inputs[index].name;
            addValueInfo(m_graph.add_input(), inputs[index]);
        }
        for (size_t index = 0; index < outputs.size(); ++index) {
            const Value* output = m_traced.graph->outputs()[index];
            if (m_names.count(output) != 0) {
                throw std::runtime_error("graph output " + outputs[index].name +
                                         " is another output or an input");
            }
            m_names[output] = outputs[index].name;
            addValueInfo(m_graph.add_output(), outputs[index]);
        }
        for (const Node* node : m_traced.graph->nodes()) translate(node);
    }

  private:
    static void addValueInfo(onnx::ValueInfoProto* info, const OnnxPort& port) {
        info->set_name(port.name);
        auto* tensorType = info->mutable_type()->mutable_tensor_type();
        tensorType->set_elem_type(onnx::TensorProto::FLOAT);
        for (const auto& dim : port.dims) {
            auto* shapeDim = tensorType->mutable_shape()->add_dim();
            if (dim.value < 0) {
                shapeDim->set_dim_param(dim.param);
            } else {
                shapeDim->set_dim_value(dim.value);
            }
        }
    }

    static void addValueInfo(onnx::ValueInfoProto* info, const std::string& name,
                             const std::vector<int64_t>& dims) {
        info->set_name(name);
        auto* tensorType = info->mutable_type()->mutable_tensor_type();
        tensorType->set_elem_type(onnx::TensorProto::FLOAT);
        for (const int64_t dim : dims) {
            auto* shapeDim = tensorType->mutable_shape()->add_dim();
            if (dim < 0) {
                shapeDim->set_dim_param("batch");
            } else {
                shapeDim->set_dim_value(dim);
            }
        }
    }

    using Translation = void (OnnxGraphBuilder::*)(const Node*);

    // In-place variants (relu_, add_...) compute the same as their plain forms.
    static const std::unordered_map<std::string, Translation>& translations() {
        static const std::unordered_map<std::string, Translation> kTranslations{
            {"aten::_convolution", &OnnxGraphBuilder::convolution},
            {"aten::batch_norm", &OnnxGraphBuilder::batchNorm},
            {"aten::relu", &OnnxGraphBuilder::relu},
            {"aten::relu_", &OnnxGraphBuilder::relu},
            {"aten::relu6", &OnnxGraphBuilder::relu6},
            {"aten::relu6_", &OnnxGraphBuilder::relu6},
            {"aten::hardtanh", &OnnxGraphBuilder::hardtanh},
            {"aten::hardtanh_", &OnnxGraphBuilder::hardtanh},
            {"aten::sigmoid", &OnnxGraphBuilder::sigmoid},
            {"aten::sigmoid_", &OnnxGraphBuilder::sigmoid},
            {"aten::hardsigmoid", &OnnxGraphBuilder::hardSigmoidGate},
            {"aten::hardsigmoid_", &OnnxGraphBuilder::hardSigmoidGate},
            {"aten::hardswish", &OnnxGraphBuilder::hardswish},
            {"aten::hardswish_", &OnnxGraphBuilder::hardswish},
            {"aten::silu", &OnnxGraphBuilder::silu},
            {"aten::silu_", &OnnxGraphBuilder::silu},
            {"aten::add", &OnnxGraphBuilder::addOrSubtract},
            {"aten::add_", &OnnxGraphBuilder::addOrSubtract},
            {"aten::sub", &OnnxGraphBuilder::addOrSubtract},
            {"aten::mul", &OnnxGraphBuilder::multiply},
            {"aten::mul_", &OnnxGraphBuilder::multiply},
            {"aten::div", &OnnxGraphBuilder::divide},
            {"aten::max_pool2d", &OnnxGraphBuilder::maxPool},
            {"aten::avg_pool2d", &OnnxGraphBuilder::averagePool},
            {"aten::adaptive_avg_pool2d", &OnnxGraphBuilder::adaptiveAveragePool},
            {"aten::flatten", &OnnxGraphBuilder::flatten},
            {"aten::t", &OnnxGraphBuilder::transpose},
            {"aten::addmm", &OnnxGraphBuilder::addmm},
            {"aten::linear", &OnnxGraphBuilder::linear},
            {"aten::dropout", &OnnxGraphBuilder::dropout},
            {"aten::dropout_", &OnnxGraphBuilder::dropout},
            {"aten::feature_dropout", &OnnxGraphBuilder::dropout},
            {"aten::cat", &OnnxGraphBuilder::concatenate},
            {"aten::_pad_enum", &OnnxGraphBuilder::constantPad},
            {"aten::constant_pad_nd", &OnnxGraphBuilder::constantPad},
            {"aten::softmax", &OnnxGraphBuilder::softmax},
            {"aten::upsample_nearest2d", &OnnxGraphBuilder::upsampleNearest}};
        return kTranslations;
    }

    void translate(const Node* node) {
        const std::string kind = node->kind().toQualString();
        if (kind == "prim::Constant" || kind == "prim::ListConstruct") return;  // used inline
        const auto found = translations().find(kind);
        if (found == translations().end()) unsupported(node, "");
        (this->*found->second)(node);
    }

    std::string input(const Node* node, size_t index) { return name(node->inputs().at(index)); }
    std::string output(const Node* node) { return name(node->output()); }
    static std::vector<int64_t> intList(const Node* node, size_t index) {
        return constantValue(node->inputs().at(index)).toIntVector();
    }

    void convolution(const Node* node) {
        if (constantValue(node->inputs()[6]).toBool()) unsupported(node, "transposed");
        const auto weightSizes = tensorSizes(node->inputs()[1]);
        const auto padding = intList(node, 4);
        std::vector<std::string> inputs{input(node, 0), input(node, 1)};
        if (!isNone(node->inputs()[2])) inputs.push_back(input(node, 2));
        auto* conv = addNode("Conv", inputs, {output(node)});
        addInts(conv, "kernel_shape", {weightSizes.at(2), weightSizes.at(3)});
        addInts(conv, "strides", intList(node, 3));
        addInts(conv, "pads", {padding.at(0), padding.at(1), padding.at(0), padding.at(1)});
        addInts(conv, "dilations", intList(node, 5));
        addInt(conv, "group", constantValue(node->inputs()[8]).toInt());
    }

    void batchNorm(const Node* node) {
        if (isNone(node->inputs()[1]) || isNone(node->inputs()[2])) {
            unsupported(node, "without affine parameters");
        }
        auto* norm = addNode(
            "BatchNormalization",
            {input(node, 0), input(node, 1), input(node, 2), input(node, 3), input(node, 4)},
            {output(node)});
        addFloat(norm, "epsilon", constantValue(node->inputs()[7]).toDouble());
    }

    void relu(const Node* node) { addNode("Relu", {input(node, 0)}, {output(node)}); }

    void relu6(const Node* node) {
        // OpenCV 4.6 reads only the attribute form of Clip (before opset 11): ReLU6 as
        // 6 * HardSigmoid(x) with alpha 1/6, which clamps x / 6 to [0, 1].
        const std::string scaled = temporary();
        auto* clamp = addNode("HardSigmoid", {input(node, 0)}, {scaled});
        addFloat(clamp, "alpha", 1.0 / 6.0);
        addFloat(clamp, "beta", 0.0);
        addNode("Mul", {scaled, scalar(6.0f)}, {output(node)});
    }

    void hardtanh(const Node* node) {
        const auto low = static_cast<float>(constantValue(node->inputs()[1]).toScalar().toDouble());
        const auto high =
            static_cast<float>(constantValue(node->inputs()[2]).toScalar().toDouble());
        addNode("Clip", {input(node, 0), scalar(low), scalar(high)}, {output(node)});
    }

    void sigmoid(const Node* node) { addNode("Sigmoid", {input(node, 0)}, {output(node)}); }

    void hardSigmoidGate(const Node* node) {
        // A gate, as in squeeze-and-excitation: x * hardsigmoid(y). OpenCV 4.9+ fuses any
        // Mul(x, HardSigmoid(alpha 1/6, beta 1/2)) into HardSwish without checking that the
        // HardSigmoid reads x, which breaks such gates; y / 6 into HardSigmoid(alpha 1) is
        // the same function in a form that fusion leaves alone.
        const std::string sixth = temporary();
        addNode("Mul", {input(node, 0), scalar(1.0f / 6.0f)}, {sixth});
        auto* gate = addNode("HardSigmoid", {sixth}, {output(node)});
        addFloat(gate, "alpha", 1.0);
        addFloat(gate, "beta", 0.5);
    }

    void hardswish(const Node* node) {
        const std::string gate = temporary();
        hardSigmoid(input(node, 0), gate);
        addNode("Mul", {input(node, 0), gate}, {output(node)});
    }

    void silu(const Node* node) {
        const std::string gate = temporary();
        addNode("Sigmoid", {input(node, 0)}, {gate});
        addNode("Mul", {input(node, 0), gate}, {output(node)});
    }

    void addOrSubtract(const Node* node) {
        if (constantValue(node->inputs()[2]).toScalar().toDouble() != 1.0) {
            unsupported(node, "with alpha other than 1");
        }
        const bool subtract = node->kind().toQualString() == std::string("aten::sub");
        addNode(subtract ? "Sub" : "Add", {input(node, 0), input(node, 1)}, {output(node)});
    }

    void multiply(const Node* node) {
        addNode("Mul", {input(node, 0), input(node, 1)}, {output(node)});
    }

    void divide(const Node* node) {
        addNode("Div", {input(node, 0), input(node, 1)}, {output(node)});
    }

    void maxPool(const Node* node) {
        auto* pool = addNode("MaxPool", {input(node, 0)}, {output(node)});
        poolAttributes(pool, intList(node, 1), intList(node, 2), intList(node, 3),
                       constantValue(node->inputs()[5]).toBool());
        const auto dilation = pair(intList(node, 4));
        if (dilation != std::vector<int64_t>{1, 1}) addInts(pool, "dilations", dilation);
    }

    void averagePool(const Node* node) {
        if (!isNone(node->inputs()[6])) unsupported(node, "with divisor_override");
        const bool ceilMode = constantValue(node->inputs()[4]).toBool();
        const bool countsPadding = constantValue(node->inputs()[5]).toBool();
        const auto padding = pair(intList(node, 3));
        if (countsPadding && !ceilMode && (padding[0] != 0 || padding[1] != 0)) {
            // The zeros padded explicitly, then pooled without padding: every runtime then
            // counts them. OpenCV 4.x ignores count_include_pad and decides by the producer
            // ("pytorch" counts the padding), which gave inception_v3 wrong border pixels.
            const std::string padded = temporary();
            addZeroPad(input(node, 0), padded, padding[0], padding[0], padding[1], padding[1]);
            auto* pool = addNode("AveragePool", {padded}, {output(node)});
            poolAttributes(pool, intList(node, 1), intList(node, 2), {0, 0}, false);
            return;
        }
        auto* pool = addNode("AveragePool", {input(node, 0)}, {output(node)});
        poolAttributes(pool, intList(node, 1), intList(node, 2), intList(node, 3), ceilMode);
        addInt(pool, "count_include_pad", countsPadding ? 1 : 0);
    }

    void flatten(const Node* node) {
        const auto start = constantValue(node->inputs()[1]).toInt();
        const auto end = constantValue(node->inputs()[2]).toInt();
        if (start != 1 || end != -1) unsupported(node, "other than flatten(1, -1)");
        addInt(addNode("Flatten", {input(node, 0)}, {output(node)}), "axis", 1);
    }

    // Only as addmm's weight: Gemm transposes it itself (transB).
    void transpose(const Node* node) { m_transposed[node->output()] = node->input(); }

    void addmm(const Node* node) {
        const auto found = m_transposed.find(node->inputs()[2]);
        if (found == m_transposed.end()) unsupported(node, "without a transposed weight");
        auto* gemm =
            addNode("Gemm", {input(node, 1), name(found->second), input(node, 0)}, {output(node)});
        addInt(gemm, "transB", 1);
        addFloat(gemm, "beta", constantValue(node->inputs()[3]).toScalar().toDouble());
        addFloat(gemm, "alpha", constantValue(node->inputs()[4]).toScalar().toDouble());
    }

    void linear(const Node* node) {
        std::vector<std::string> inputs{input(node, 0), input(node, 1)};
        if (!isNone(node->inputs()[2])) inputs.push_back(input(node, 2));
        addInt(addNode("Gemm", inputs, {output(node)}), "transB", 1);
    }

    void dropout(const Node* node) {
        m_names[node->output()] = input(node, 0);  // identity at inference
    }

    void concatenate(const Node* node) {
        const Node* list = node->inputs()[0]->node();
        if (list->kind() != c10::prim::ListConstruct) unsupported(node, "of a computed list");
        std::vector<std::string> inputs;
        for (const Value* each : list->inputs()) inputs.push_back(name(each));
        addInt(addNode("Concat", inputs, {output(node)}), "axis",
               constantValue(node->inputs()[1]).toInt());
    }

    void softmax(const Node* node) {
        addInt(addNode("Softmax", {input(node, 0)}, {output(node)}), "axis",
               constantValue(node->inputs()[1]).toInt());
    }

    // The FPN's top-down path: nearest-neighbour upsampling to the lateral map's size, an
    // integer factor on inputs whose sides are multiples of the coarsest stride. Resize with
    // scales (OpenCV reads them as zoom factors, so the graph stays valid at other input sizes)
    // and torch's nearest rule: source index floor(destination / scale).
    void upsampleNearest(const Node* node) {
        const auto target = intList(node, 1);
        const auto sizes = tensorSizes(node->inputs()[0]);
        if (target.size() != 2 || sizes.size() != 4) unsupported(node, "other than 2-D");
        if (target[0] % sizes[2] != 0 || target[1] % sizes[3] != 0) {
            unsupported(node, "by a factor that is not a whole number");
        }
        const float scaleY = static_cast<float>(target[0] / sizes[2]);
        const float scaleX = static_cast<float>(target[1] / sizes[3]);
        if (scaleY == 1.0F && scaleX == 1.0F) {
            m_names[node->output()] = input(node, 0);
            return;
        }
        const std::string scales = temporary();
        addInitializer(scales, torch::tensor({1.0F, 1.0F, scaleY, scaleX}));
        auto* resize = addNode("Resize", {input(node, 0), "", scales}, {output(node)});
        addString(resize, "mode", "nearest");
        addString(resize, "coordinate_transformation_mode", "asymmetric");
        addString(resize, "nearest_mode", "floor");
    }

    // torch's hardsigmoid: relu6(x + 3) / 6 = HardSigmoid with alpha 1/6, beta 1/2.
    void hardSigmoid(const std::string& input, const std::string& output) {
        auto* node = addNode("HardSigmoid", {input}, {output});
        addFloat(node, "alpha", 1.0 / 6.0);
        addFloat(node, "beta", 0.5);
    }

    // torch accepts one number for both dimensions ([3] means 3 x 3).
    static std::vector<int64_t> pair(std::vector<int64_t> values) {
        if (values.size() == 1) values.push_back(values[0]);
        return values;
    }

    void poolAttributes(onnx::NodeProto* pool, std::vector<int64_t> kernel,
                        std::vector<int64_t> stride, std::vector<int64_t> padding, bool ceilMode) {
        kernel = pair(kernel);
        stride = stride.empty() ? kernel : pair(stride);  // torch's default stride is the kernel
        padding = pair(padding);
        addInts(pool, "kernel_shape", kernel);
        addInts(pool, "strides", stride);
        addInts(pool, "pads", {padding.at(0), padding.at(1), padding.at(0), padding.at(1)});
        if (ceilMode) addInt(pool, "ceil_mode", 1);
    }

    // Adaptive pooling to 1x1 is global pooling; to the input's own size it does nothing; to a
    // size that divides the input it is plain average pooling.
    void adaptiveAveragePool(const Node* node) {
        const auto target = constantValue(node->inputs()[1]).toIntVector();
        const auto sizes = tensorSizes(node->inputs()[0]);
        const std::string input = name(node->inputs()[0]);
        if (target == std::vector<int64_t>{1, 1}) {
            addNode("GlobalAveragePool", {input}, {name(node->output())});
            return;
        }
        const int64_t height = sizes.at(2), width = sizes.at(3);
        if (height == target.at(0) && width == target.at(1)) {
            m_names[node->output()] = input;
            return;
        }
        if (height % target.at(0) != 0 || width % target.at(1) != 0) {
            unsupported(node, "to a size that does not divide the input");
        }
        auto* pool = addNode("AveragePool", {input}, {name(node->output())});
        const std::vector<int64_t> kernel{height / target.at(0), width / target.at(1)};
        poolAttributes(pool, kernel, kernel, {0, 0}, false);
    }

    // torch pads the last dimension first: [left, right, top, bottom]; ONNX wants all begins
    // then all ends over N, C, H, W.
    void constantPad(const Node* node) {
        const auto pad = constantValue(node->inputs()[1]).toIntVector();
        if (pad.size() != 4) unsupported(node, "other than 2-D padding");
        // at::padding_mode::constant is 3 (after reflect, replicate, circular).
        const bool padEnum = node->kind().toQualString() == std::string("aten::_pad_enum");
        const auto fill = constantValue(node->inputs()[padEnum ? 3 : 2]);
        if ((padEnum && constantValue(node->inputs()[2]).toInt() != 3) ||
            (!fill.isNone() && fill.toScalar().toDouble() != 0.0)) {
            unsupported(node, "other than zero padding");
        }
        addZeroPad(name(node->inputs()[0]), name(node->output()), pad[2], pad[3], pad[0], pad[1]);
    }

    // A Pad node adding zeros around the height and width of an N, C, H, W input.
    void addZeroPad(const std::string& input, const std::string& output, int64_t top,
                    int64_t bottom, int64_t left, int64_t right) {
        const std::vector<int64_t> pads{0, 0, top, left, 0, 0, bottom, right};
        const std::string padsName = temporary();
        auto* initializer = m_graph.add_initializer();
        initializer->set_name(padsName);
        initializer->set_data_type(onnx::TensorProto::INT64);
        initializer->add_dims(static_cast<int64_t>(pads.size()));
        for (const int64_t each : pads) initializer->add_int64_data(each);
        addString(addNode("Pad", {input, padsName}, {output}), "mode", "constant");
    }

    std::string name(const Value* value) {
        if (const auto found = m_names.find(value); found != m_names.end()) return found->second;
        if (const auto tensor = m_traced.tensors.find(value); tensor != m_traced.tensors.end()) {
            // The tracer bakes a tensor in once per use (the RPN head runs on every level).
            if (m_initializers.insert(tensor->second.name).second) {
                addInitializer(tensor->second.name, tensor->second.tensor);
            }
            m_names[value] = tensor->second.name;
            return tensor->second.name;
        }
        const std::string generated = m_prefix + "v" + std::to_string(value->unique());
        m_names[value] = generated;
        return generated;
    }

    std::string temporary() { return m_prefix + "t" + std::to_string(m_temporaries++); }

    std::string scalar(float value) {
        const std::string scalarName = temporary();
        addInitializer(scalarName, torch::tensor(value));
        return scalarName;
    }

    void addInitializer(const std::string& initializerName, const torch::Tensor& tensor) {
        const auto data = tensor.detach().to(torch::kFloat32).contiguous();
        auto* initializer = m_graph.add_initializer();
        initializer->set_name(initializerName);
        initializer->set_data_type(onnx::TensorProto::FLOAT);
        for (const int64_t dim : data.sizes()) initializer->add_dims(dim);
        // raw_data is little-endian, as x86 and ARM hosts store floats.
        initializer->set_raw_data(data.data_ptr(), data.numel() * sizeof(float));
    }

    onnx::NodeProto* addNode(const std::string& op, const std::vector<std::string>& inputs,
                             const std::vector<std::string>& outputs) {
        auto* node = m_graph.add_node();
        node->set_op_type(op);
        node->set_name(op + "_" + std::to_string(m_graph.node_size()));
        for (const auto& each : inputs) node->add_input(each);
        for (const auto& each : outputs) node->add_output(each);
        return node;
    }

    static void addInt(onnx::NodeProto* node, const std::string& attribute, int64_t value) {
        auto* proto = node->add_attribute();
        proto->set_name(attribute);
        proto->set_type(onnx::AttributeProto::INT);
        proto->set_i(value);
    }
    static void addInts(onnx::NodeProto* node, const std::string& attribute,
                        const std::vector<int64_t>& values) {
        auto* proto = node->add_attribute();
        proto->set_name(attribute);
        proto->set_type(onnx::AttributeProto::INTS);
        for (const int64_t value : values) proto->add_ints(value);
    }
    static void addFloat(onnx::NodeProto* node, const std::string& attribute, double value) {
        auto* proto = node->add_attribute();
        proto->set_name(attribute);
        proto->set_type(onnx::AttributeProto::FLOAT);
        proto->set_f(static_cast<float>(value));
    }
    static void addString(onnx::NodeProto* node, const std::string& attribute,
                          const std::string& value) {
        auto* proto = node->add_attribute();
        proto->set_name(attribute);
        proto->set_type(onnx::AttributeProto::STRING);
        proto->set_s(value);
    }

    static bool isNone(const Value* value) {
        return value->type()->kind() == c10::TypeKind::NoneType;
    }

    static std::vector<int64_t> tensorSizes(const Value* value) {
        const auto type = value->type()->cast<c10::TensorType>();
        const auto sizes = type ? type->sizes().concrete_sizes() : c10::nullopt;
        if (!sizes) throw std::runtime_error("a tensor of unknown shape in the traced graph");
        return *sizes;
    }

    [[noreturn]] static void unsupported(const Node* node, const std::string& what) {
        throw std::runtime_error(std::string("ONNX export does not support ") +
                                 node->kind().toQualString() + (what.empty() ? "" : " " + what));
    }

    const TracedNetwork& m_traced;
    onnx::GraphProto& m_graph;
    std::unordered_map<const Value*, std::string> m_names;
    std::unordered_map<const Value*, const Value*> m_transposed;
    std::unordered_set<std::string> m_initializers;
    std::string m_prefix;
    int m_temporaries = 0;
};

}  // namespace

namespace exporting {

void appendOnnxGraph(const TracedNetwork& traced, const std::vector<OnnxPort>& inputs,
                     const std::vector<OnnxPort>& outputs, const std::string& prefix,
                     onnx::GraphProto& graph) {
    OnnxGraphBuilder(traced, graph, prefix).build(inputs, outputs);
}

}  // namespace exporting

Result<void> writeOnnx(NetworkImpl& network, const std::vector<std::string>& classNames,
                       const std::filesystem::path& file) {
    auto traced = exporting::traceNetwork(network);
    if (!traced) return traced.error();
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("Fovea");
    model.set_producer_version(kFoveaVersion);
    model.set_doc_string(inputContract(network.preprocessing()));
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(exporting::kOnnxOpsetVersion);
    for (const auto& [key, value] : exportMetadata(network, classNames)) {
        auto* property = model.add_metadata_props();
        property->set_key(key);
        property->set_value(value);
    }
    auto* graph = model.mutable_graph();
    graph->set_name(network.architecture());
    try {
        OnnxGraphBuilder(traced.value(), *graph).build(static_cast<int64_t>(classNames.size()));
        onnx::checker::check_model(model);
    } catch (const std::exception& error) {
        return Error{file.string() + ": writing ONNX failed: " + error.what()};
    }
    std::string bytes;
    if (!model.SerializeToString(&bytes)) {
        return Error{file.string() + ": the ONNX model is too large to serialise (over 2 GB)"};
    }
    return files::writeFileAtomically(file, bytes);
}

}  // namespace fovea::core
