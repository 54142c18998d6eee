#include "fovea/core/weights/pth_reader.h"

#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include "byte_source.h"
#include "pickle_reader.h"
#include "zip_directory.h"

// Storage bytes are copied as they are; both torch.save and Fovea's targets are little endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "weight readers assume little endian");

namespace fovea::core {
namespace {

using namespace weights_detail;

// torch/serialization.py: MAGIC_NUMBER = 0x1950a86a20f9469cfc6c, as pickle's LONG1 bytes.
constexpr unsigned char kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                          0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr std::int64_t kLegacyProtocolVersion = 1001;

// Lets PyTorchStreamReader read the file that checkZipDirectory() vetted, through the same
// open handle, instead of opening the path again (which could by then be another file).
class FileReadAdapter final : public caffe2::serialize::ReadAdapterInterface {
  public:
    explicit FileReadAdapter(const FileSource& file) : m_file(file) {}

    std::size_t size() const override { return static_cast<std::size_t>(m_file.size()); }

    std::size_t read(std::uint64_t position, void* out, std::size_t count,
                     const char* /*what*/) const override {
        return m_file.readAt(position, out, count);
    }

  private:
    const FileSource& m_file;
};

// The state dict's entries as found in the pickle graph, before storages are read.
using Entries = std::vector<std::pair<std::string, const TensorSpec*>>;

Result<Entries> entriesOf(const PickleGraph& graph, const Value& dictValue) {
    Entries entries;
    for (const auto& [key, value] : graph.dict(dictValue).items) {
        if (key.kind != ValueKind::String) {
            return Error{std::string("it has a key that is ") + describeKind(key.kind)};
        }
        if (value.kind != ValueKind::Tensor) {
            return Error{"entry '" + printable(graph.string(key)) + "' is " +
                         describeKind(value.kind) + ", not a tensor"};
        }
        entries.emplace_back(graph.string(key), &graph.tensor(value));
    }
    return entries;
}

// See readPth() in the header for the layouts accepted.
Result<Entries> selectStateDict(const PickleGraph& graph, const Value& root) {
    if (root.kind == ValueKind::Tensor) return Entries{{std::string(), &graph.tensor(root)}};
    if (root.kind != ValueKind::Dict) {
        return Error{std::string("holds ") + describeKind(root.kind) + ", not a state dict"};
    }
    auto direct = entriesOf(graph, root);
    if (direct) return direct;
    for (const char* name : {"state_dict", "model"}) {
        const Value* nested = graph.find(graph.dict(root), name);
        if (!nested || nested->kind != ValueKind::Dict) continue;
        auto entries = entriesOf(graph, *nested);
        if (!entries) {
            return Error{std::string("its '") + name +
                         "' entry is not a state dict: " + entries.error().message};
        }
        return entries;
    }
    return Error{"holds a dict that is neither a state dict (" + direct.error().message +
                 ") nor a checkpoint with a 'state_dict' or 'model' entry"};
}

// Roots of the storages the selected tensors view; only those are read.
std::set<std::size_t> neededRoots(const Entries& entries, const StorageTable& table) {
    std::set<std::size_t> roots;
    for (const auto& entry : entries) roots.insert(table.views[entry.second->view].root);
    return roots;
}

std::int64_t byteSize(const StorageRoot& root) {
    // Cannot overflow: the unpickler bounds numel by INT64_MAX / element size.
    return root.numel * static_cast<std::int64_t>(c10::elementSize(root.dtype));
}

// A bool storage byte other than 0 or 1 is not a valid C++ bool; normalise what the file says.
void sanitizeBool(torch::Tensor& data) {
    if (data.scalar_type() == torch::kBool) data.view(torch::kUInt8).clamp_max_(1);
}

// How many bytes of copies a file may turn into: pickle memoizes tensors, so every further name
// for one tensor costs a few bytes of file but a whole copy. Tied weights (an embedding saved
// again as the output layer) need twice the file at most; a file asking for more is a bomb.
constexpr std::uint64_t kCopyFactor = 4;
constexpr std::uint64_t kCopySlack = 1 << 20;

// Cuts each tensor out of its storage. The unpickler has checked every addressed element
// against the storage view, and the readers have checked each root against the file.
Result<StateDict> buildStateDict(const Entries& entries, const StorageTable& table,
                                 const std::vector<torch::Tensor>& rootData,
                                 std::uint64_t fileSize) {
    // Checked before anything is copied. Each copy is at most its storage, which the readers
    // found in the file, so a term cannot overflow; the sum saturates.
    std::uint64_t copyBytes = 0;
    bool saturated = false;
    for (const auto& [name, spec] : entries) {
        const StorageView& view = table.views[spec->view];
        if (spec->numel <= view.numel) {
            const std::uint64_t bytes = static_cast<std::uint64_t>(spec->numel) *
                                        c10::elementSize(table.roots[view.root].dtype);
            saturated |= __builtin_add_overflow(copyBytes, bytes, &copyBytes);
        }
    }
    if (saturated || copyBytes > kCopyFactor * fileSize + kCopySlack) {
        return Error{"its " + std::to_string(entries.size()) + " tensors would take " +
                     std::to_string(copyBytes) + " bytes, more than " +
                     std::to_string(kCopyFactor) +
                     " times the file's size (many names for the same data?); refused"};
    }
    StateDict stateDict;
    for (const auto& [name, spec] : entries) {
        const StorageView& view = table.views[spec->view];
        const torch::Tensor strided =
            rootData[view.root].as_strided(spec->sizes, spec->strides, view.offset + spec->offset);
        // Views spanning more elements than their storage holds only arise from zero strides;
        // copying them out could allocate far more than the file holds, so they stay views.
        stateDict.insert(name, spec->numel <= view.numel
                                   ? strided.clone(at::MemoryFormat::Contiguous)
                                   : strided);
    }
    return stateDict;
}

Result<StateDict> readZipPth(const std::filesystem::path& file, FileSource& source) {
    if (auto checked = checkZipDirectory(source); !checked) {
        return fileError(file, "not a readable PyTorch zip archive: " + checked.error().message);
    }
    std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
    try {
        reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(
            std::make_shared<FileReadAdapter>(source));
    } catch (const c10::Error& error) {
        return fileError(file, std::string("not a readable PyTorch zip archive: ") +
                                   error.what_without_backtrace());
    }
    if (!reader->hasRecord("data.pkl")) {
        return fileError(file, "zip archive without data.pkl: not a torch.save file");
    }
    // torch >= 2.1 records the byte order of the storages; older files are little endian.
    if (reader->hasRecord("byteorder")) {
        const auto [bytes, size] = reader->getRecord("byteorder");
        if (std::string(static_cast<const char*>(bytes.get()), size) != "little") {
            return fileError(file, "storages are big endian, which Fovea does not read");
        }
    }

    const auto [pickleData, pickleSize] = reader->getRecord("data.pkl");
    MemorySource pickle(pickleData.get(), pickleSize);
    PickleGraph graph;
    StorageTable table;
    const auto root = unpickle(pickle, graph, &table);
    if (!root) return fileError(file, root.error().message);
    const auto entries = selectStateDict(graph, root.value());
    if (!entries) return fileError(file, entries.error().message);

    std::vector<torch::Tensor> rootData(table.roots.size());
    for (const std::size_t index : neededRoots(entries.value(), table)) {
        const StorageRoot& storage = table.roots[index];
        const std::string name = "data/" + storage.key;
        if (!reader->hasRecord(name)) {
            return fileError(file, "storage record '" + printable(name) + "' is missing");
        }
        auto [data, size] = reader->getRecord(name);
        if (static_cast<std::uint64_t>(byteSize(storage)) > size) {
            return fileError(file, "storage record '" + printable(name) + "' holds " +
                                       std::to_string(size) + " bytes but " +
                                       std::to_string(storage.numel) + " elements of " +
                                       c10::toString(storage.dtype) + " need " +
                                       std::to_string(byteSize(storage)));
        }
        const auto options = torch::TensorOptions().dtype(storage.dtype);
        if (storage.numel == 0) {
            rootData[index] = torch::empty({0}, options);
            continue;
        }
        // The tensor owns the record's buffer through the deleter's copy of `holder`.
        auto holder = std::make_shared<at::DataPtr>(std::move(data));
        rootData[index] = torch::from_blob(
            holder->get(), {storage.numel}, [holder](void*) {}, options);
        sanitizeBool(rootData[index]);
    }
    auto built = buildStateDict(entries.value(), table, rootData, source.size());
    if (!built) return fileError(file, built.error().message);
    return built;
}

// The three small pickles before the state dict: torch's magic number, the protocol version
// and sys_info.
Result<void> readLegacyHeader(const std::filesystem::path& file, FileSource& source) {
    // A refused global or corrupt pickle is reported as such even in these header pickles: a
    // plain pickle renamed to .pth must say what it tried to import.
    PickleGraph header;
    const auto magic = unpickle(source, header, nullptr);
    if (!magic) return fileError(file, magic.error().message);
    if (magic.value().kind != ValueKind::BigInt ||
        header.string(magic.value()) !=
            std::string(reinterpret_cast<const char*>(kLegacyMagic), sizeof kLegacyMagic)) {
        return fileError(file, "not a PyTorch .pth file (a pickle without torch's magic number)");
    }
    const auto protocol = unpickle(source, header, nullptr);
    if (!protocol) return fileError(file, protocol.error().message);
    if (protocol.value().kind != ValueKind::Int ||
        protocol.value().payload != kLegacyProtocolVersion) {
        return fileError(file, "unsupported legacy PyTorch protocol version");
    }
    const auto sysInfo = unpickle(source, header, nullptr);
    if (!sysInfo) return fileError(file, sysInfo.error().message);
    if (sysInfo.value().kind != ValueKind::Dict) {
        return fileError(file, "corrupt legacy PyTorch header (sys_info is not a dict)");
    }
    if (const Value* little = header.find(header.dict(sysInfo.value()), "little_endian");
        little && little->kind == ValueKind::Bool && little->payload == 0) {
        return fileError(file, "written on a big-endian machine, which Fovea does not read");
    }
    return {};
}

// One storage at the read position: int64 element count, then the raw elements. A storage no
// selected tensor views is skipped and comes back undefined.
Result<torch::Tensor> readLegacyStorage(const std::filesystem::path& file, FileSource& source,
                                        const std::string& key, const StorageRoot& storage,
                                        bool needed) {
    unsigned char countBytes[8];
    if (!source.read(countBytes, sizeof countBytes)) {
        return fileError(file, "storage '" + printable(key) + "' is cut off (truncated file?)");
    }
    std::int64_t count;
    std::memcpy(&count, countBytes, sizeof count);
    if (count != storage.numel) {
        return fileError(file, "storage '" + printable(key) + "' holds " + std::to_string(count) +
                                   " elements but the pickle declared " +
                                   std::to_string(storage.numel));
    }
    const auto bytes = static_cast<std::uint64_t>(byteSize(storage));
    if (bytes > source.remaining()) {
        return fileError(file, "storage '" + printable(key) + "' needs " + std::to_string(bytes) +
                                   " bytes but only " + std::to_string(source.remaining()) +
                                   " are left (truncated file?)");
    }
    if (!needed) {
        source.skip(bytes);
        return torch::Tensor();
    }
    torch::Tensor data = torch::empty({storage.numel}, torch::TensorOptions().dtype(storage.dtype));
    if (!source.read(data.data_ptr(), static_cast<std::size_t>(bytes))) {
        return fileError(file, "cannot read storage '" + printable(key) + "'");
    }
    sanitizeBool(data);
    return data;
}

// The storage key list, then the storages in its order; only the roots in `needed` are kept.
Result<std::vector<torch::Tensor>> readLegacyStorages(const std::filesystem::path& file,
                                                      FileSource& source, const StorageTable& table,
                                                      const std::set<std::size_t>& needed) {
    PickleGraph keysGraph;
    const auto keys = unpickle(source, keysGraph, nullptr);
    if (!keys) return fileError(file, "storage key list: " + keys.error().message);
    if (keys.value().kind != ValueKind::List && keys.value().kind != ValueKind::Tuple) {
        return fileError(file, "storage key list is not a list");
    }
    std::vector<torch::Tensor> rootData(table.roots.size());
    std::set<std::size_t> seen;
    for (const Value& keyValue : keysGraph.sequence(keys.value())) {
        std::string key;
        if (keyValue.kind == ValueKind::String || keyValue.kind == ValueKind::Bytes) {
            key = keysGraph.string(keyValue);
        } else if (keyValue.kind == ValueKind::Int) {
            key = std::to_string(keyValue.payload);
        } else {
            return fileError(file,
                             "storage key list holds " + std::string(describeKind(keyValue.kind)));
        }
        const auto found = table.rootByKey.find(key);
        if (found == table.rootByKey.end() || !seen.insert(found->second).second) {
            return fileError(file, "storage key list names '" + printable(key) +
                                       "', which no tensor declared or which is repeated");
        }
        auto data = readLegacyStorage(file, source, key, table.roots[found->second],
                                      needed.count(found->second) > 0);
        if (!data) return data.error();
        if (data.value().defined()) rootData[found->second] = std::move(data).value();
    }
    for (const std::size_t index : needed) {
        if (!rootData[index].defined()) {
            return fileError(file,
                             "no data for storage '" + printable(table.roots[index].key) + "'");
        }
    }
    return rootData;
}

Result<StateDict> readLegacyPth(const std::filesystem::path& file, FileSource& source) {
    if (auto header = readLegacyHeader(file, source); !header) return header.error();
    PickleGraph graph;
    StorageTable table;
    const auto root = unpickle(source, graph, &table);
    if (!root) return fileError(file, root.error().message);
    const auto entries = selectStateDict(graph, root.value());
    if (!entries) return fileError(file, entries.error().message);
    const auto rootData =
        readLegacyStorages(file, source, table, neededRoots(entries.value(), table));
    if (!rootData) return rootData.error();
    auto built = buildStateDict(entries.value(), table, rootData.value(), source.size());
    if (!built) return fileError(file, built.error().message);
    return built;
}

}  // namespace

Result<StateDict> readPth(const std::filesystem::path& file) {
    try {
        auto opened = FileSource::open(file);
        if (!opened) return opened.error();
        FileSource& source = *opened.value();
        if (source.size() == 0) return fileError(file, "empty file, not a PyTorch .pth file");
        unsigned char head[4] = {};
        const std::size_t headSize = source.size() < 4 ? 1 : 4;
        if (!source.read(head, headSize) || !source.seek(0)) {
            return fileError(file, "cannot read the file");
        }
        if (headSize == 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) {
            return readZipPth(file, source);
        }
        if (head[0] == 0x80) return readLegacyPth(file, source);
        return fileError(file, "not a PyTorch .pth file (neither a zip archive nor a pickle)");
    } catch (const c10::Error& error) {
        return fileError(file, error.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        return fileError(file, "not enough memory to read the weights");
    } catch (const std::exception& error) {
        // PyTorchStreamReader parses the archive's version record with std::stoull.
        return fileError(file, std::string("not a readable PyTorch file: ") + error.what());
    }
}

}  // namespace fovea::core
