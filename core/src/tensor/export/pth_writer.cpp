// torch.save's format without Python: a zip archive (written by LibTorch's own
// PyTorchStreamWriter, as torch.save does) holding data.pkl, a protocol-2 pickle of an
// OrderedDict of tensors, and one data/<key> record per tensor's bytes. The pickle is the
// program Python's pickler emits for a state dict: tensors rebuilt by
// torch._utils._rebuild_tensor_v2 from persistent storage ids.
#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cstring>

#include "fovea/core/atomic_file.h"
#include "fovea/core/export/model_export.h"
#include "fovea/core/models/preprocessing_json.h"

namespace fovea::core {
namespace {

class PickleWriter {
  public:
    PickleWriter() { m_bytes += "\x80\x02"; }  // PROTO 2

    void global(const std::string& module, const std::string& name) {
        m_bytes += 'c' + module + '\n' + name + '\n';
    }
    void mark() { m_bytes += '('; }
    void emptyTuple() { m_bytes += ')'; }
    void tuple() { m_bytes += 't'; }
    void reduce() { m_bytes += 'R'; }
    void build() { m_bytes += 'b'; }
    void setItems() { m_bytes += 'u'; }
    void persistentId() { m_bytes += 'Q'; }
    void stop() { m_bytes += '.'; }

    void string(const std::string& text) {
        m_bytes += 'X';
        appendLittleEndian(static_cast<uint32_t>(text.size()), 4);
        m_bytes += text;
    }
    void integer(int64_t value) {
        if (value >= INT32_MIN && value <= INT32_MAX) {
            m_bytes += 'J';
            appendLittleEndian(static_cast<uint64_t>(static_cast<uint32_t>(value)), 4);
        } else {
            m_bytes += "\x8a\x08";  // LONG1, 8 bytes two's complement
            appendLittleEndian(static_cast<uint64_t>(value), 8);
        }
    }
    void boolean(bool value) { m_bytes += value ? '\x88' : '\x89'; }
    void integerTuple(c10::IntArrayRef values) {
        mark();
        for (const int64_t value : values) integer(value);
        tuple();
    }
    // collections.OrderedDict() on the stack.
    void emptyOrderedDict() {
        global("collections", "OrderedDict");
        emptyTuple();
        reduce();
    }

    // JSON values as the equivalent Python objects (dict, list, str, int, float, bool, None).
    void json(const nlohmann::json& value) {
        if (value.is_object()) {
            m_bytes += '}';
            if (value.empty()) return;
            mark();
            for (const auto& [key, item] : value.items()) {
                string(key);
                json(item);
            }
            setItems();
        } else if (value.is_array()) {
            m_bytes += ']';
            if (value.empty()) return;
            mark();
            for (const auto& item : value) json(item);
            m_bytes += 'e';  // APPENDS
        } else if (value.is_string()) {
            string(value.get<std::string>());
        } else if (value.is_boolean()) {
            boolean(value.get<bool>());
        } else if (value.is_number_integer()) {
            integer(value.get<int64_t>());
        } else if (value.is_number()) {
            m_bytes += 'G';  // BINFLOAT: big-endian IEEE double
            const double number = value.get<double>();
            uint64_t bits;
            std::memcpy(&bits, &number, sizeof bits);
            for (int shift = 56; shift >= 0; shift -= 8)
                m_bytes += static_cast<char>(bits >> shift);
        } else {
            m_bytes += 'N';
        }
    }

    const std::string& bytes() const { return m_bytes; }

  private:
    void appendLittleEndian(uint64_t value, int byteCount) {
        for (int i = 0; i < byteCount; ++i) m_bytes += static_cast<char>(value >> (8 * i));
    }
    std::string m_bytes;
};

const char* storageType(const torch::Tensor& tensor) {
    switch (tensor.scalar_type()) {
        case torch::kFloat32:
            return "FloatStorage";
        case torch::kFloat64:
            return "DoubleStorage";
        case torch::kFloat16:
            return "HalfStorage";
        case torch::kBFloat16:
            return "BFloat16Storage";
        case torch::kInt64:
            return "LongStorage";
        case torch::kInt32:
            return "IntStorage";
        case torch::kUInt8:
            return "ByteStorage";
        case torch::kBool:
            return "BoolStorage";
        default:
            return nullptr;
    }
}

// torch._utils._rebuild_tensor_v2((storage id), offset 0, size, stride, False, OrderedDict()).
void writeTensor(PickleWriter& pickle, const torch::Tensor& tensor, const std::string& key) {
    pickle.global("torch._utils", "_rebuild_tensor_v2");
    pickle.mark();
    pickle.mark();  // the persistent id: ('storage', type, key, location, numel)
    pickle.string("storage");
    pickle.global("torch", storageType(tensor));
    pickle.string(key);
    pickle.string("cpu");
    pickle.integer(tensor.numel());
    pickle.tuple();
    pickle.persistentId();
    pickle.integer(0);
    pickle.integerTuple(tensor.sizes());
    pickle.integerTuple(tensor.strides());
    pickle.boolean(false);
    pickle.emptyOrderedDict();
    pickle.tuple();
    pickle.reduce();
}

}  // namespace

Result<void> writePth(const NetworkImpl& network, const std::vector<std::string>& classNames,
                      const std::filesystem::path& file) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& item : network.named_parameters())
        tensors.emplace_back(item.key(), item.value());
    for (const auto& item : network.named_buffers()) tensors.emplace_back(item.key(), item.value());
    for (auto& [name, tensor] : tensors) {
        tensor = tensor.detach().to(torch::kCPU).contiguous();
        if (!storageType(tensor)) {
            return Error{file.string() + ": cannot write tensor " + name + " of type " +
                         std::string(c10::toString(tensor.scalar_type()))};
        }
    }

    PickleWriter pickle;
    pickle.emptyOrderedDict();
    pickle.mark();
    for (size_t i = 0; i < tensors.size(); ++i) {
        pickle.string(tensors[i].first);
        writeTensor(pickle, tensors[i].second, std::to_string(i));
    }
    pickle.setItems();
    // state_dict._metadata, as torch sets it; load_state_dict only looks up module paths in it,
    // so the "fovea" entry travels along without disturbing loading.
    pickle.json({{"_metadata",
                  {{"fovea",
                    {{"architecture", network.architecture()},
                     {"labels", classNames},
                     {"preprocessing", toJson(network.preprocessing())}}}}}});
    pickle.build();
    pickle.stop();

    std::string archive;
    try {
        caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) {
            archive.append(static_cast<const char*>(data), size);
            return size;
        });
        writer.writeRecord("data.pkl", pickle.bytes().data(), pickle.bytes().size());
        for (size_t i = 0; i < tensors.size(); ++i) {
            const auto& tensor = tensors[i].second;
            writer.writeRecord("data/" + std::to_string(i), tensor.data_ptr(), tensor.nbytes());
        }
        writer.writeEndOfFile();
    } catch (const c10::Error& error) {
        return Error{file.string() + ": writing failed: " + error.what_without_backtrace()};
    }
    return files::writeFileAtomically(file, archive);
}

}  // namespace fovea::core
