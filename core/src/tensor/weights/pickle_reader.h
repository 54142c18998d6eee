#pragma once

// A restricted unpickler for what torch.save writes: containers, numbers, strings, and tensors
// rebuilt from storages. It never imports or calls anything: the few globals it knows
// (collections.OrderedDict, torch._utils._rebuild_*, torch.<Dtype>Storage) are interpreted by
// this code, and every other global is refused when its opcode is read, before any REDUCE.
// Tensors are not materialised here: the result is a graph whose tensor nodes say which storage
// they view and how (offset, sizes, strides); the format readers fetch the storage bytes.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <c10/core/ScalarType.h>

#include "byte_source.h"
#include "fovea/core/result.h"

namespace fovea::core::weights_detail {

enum class ValueKind : std::uint8_t {
    None,
    Bool,
    Int,     // fits in int64
    BigInt,  // LONG1/LONG4 wider than 8 bytes: little-endian two's complement bytes
    Float,
    String,  // str, and Python 2 str (BINSTRING) as its bytes
    Bytes,
    Tuple,
    List,
    Dict,  // dict or collections.OrderedDict
    Global,
    Storage,
    Tensor,
};

// "an int", "a dict", "None"...: for messages about what a file holds.
const char* describeKind(ValueKind kind);

// A pickle value. Containers, strings and tensors live in the PickleGraph and are referenced by
// index, so memo references share a list or dict as Python does, cycles cannot leak, and
// nothing is destroyed recursively.
struct Value {
    ValueKind kind = ValueKind::None;
    std::int64_t payload = 0;  // Bool/Int value, Float bits, or an index into a graph table
};

enum class Callable : std::uint8_t {
    OrderedDict,       // collections.OrderedDict
    RebuildTensorV2,   // torch._utils._rebuild_tensor_v2
    RebuildTensor,     // torch._utils._rebuild_tensor (torch < 0.4)
    RebuildParameter,  // torch._utils._rebuild_parameter
    StorageType,       // torch.<Dtype>Storage (or torch.cuda.<Dtype>Storage): a type tag only
};

struct GlobalRef {
    Callable callable;
    c10::ScalarType dtype = c10::ScalarType::Undefined;  // for StorageType
};

struct Dict {
    bool ordered = false;
    std::vector<std::pair<Value, Value>> items;  // insertion order, as Python keeps it
    // str and int keys -> position in items, so a repeated key replaces the value in place.
    std::unordered_map<std::string, std::size_t> index;
};

// A storage as the file declares it: the record "data/<key>" of a zip archive, or the legacy
// storage with that key. Sizes are in elements of dtype.
struct StorageRoot {
    std::string key;
    c10::ScalarType dtype;
    std::int64_t numel;
};

// Legacy files may reference a slice of a root storage; a plain reference is the whole root.
struct StorageView {
    std::size_t root;
    std::int64_t offset;  // elements
    std::int64_t numel;
};

// Storages referenced by persistent ids, shared by the pickles of one file.
struct StorageTable {
    std::vector<StorageRoot> roots;
    std::vector<StorageView> views;
    std::map<std::string, std::size_t> rootByKey;
    std::map<std::string, std::size_t> viewByKey;  // legacy view keys
    std::vector<std::size_t> wholeView;            // per root: the view covering all of it
};

// A tensor to build: elements of `view` at offset + sum(index_i * strides_i). The unpickler
// checks that every element lies inside the view, so building it cannot read out of bounds.
struct TensorSpec {
    std::size_t view;
    std::int64_t offset;
    std::vector<std::int64_t> sizes;
    std::vector<std::int64_t> strides;
    std::int64_t numel;
};

struct PickleGraph {
    std::vector<std::string> strings;           // String, Bytes, BigInt
    std::vector<std::vector<Value>> sequences;  // Tuple, List
    std::vector<Dict> dicts;
    std::vector<GlobalRef> globals;
    std::vector<TensorSpec> tensors;

    const std::string& string(const Value& value) const;
    const std::vector<Value>& sequence(const Value& value) const;
    const Dict& dict(const Value& value) const;
    const TensorSpec& tensor(const Value& value) const;
    // The value stored under the str key `key`, or nullptr.
    const Value* find(const Dict& dict, const std::string& key) const;
};

// Reads one pickle (up to and including STOP) from `source` into `graph`. Persistent ids of
// the form ('storage', storage_type, key, location, numel[, view_metadata]) are registered in
// `storages`; with `storages` null a persistent id is an error. The error message is the
// problem only; callers prefix the file name.
Result<Value> unpickle(ByteSource& source, PickleGraph& graph, StorageTable* storages);

}  // namespace fovea::core::weights_detail
