#include "pickle_globals.h"

#include <limits>
#include <optional>
#include <utility>

#include "byte_source.h"

namespace fovea::core::weights_detail {
namespace {

// No torch tensor has more dimensions than this (c10 caps at 64 too); it also bounds the
// work of checking one tensor's extent.
constexpr std::size_t kMaxRank = 64;

const char* const kRefusalReason = "Fovea loads only tensors and state dicts";

struct StorageTypeName {
    const char* name;
    c10::ScalarType dtype;
};

constexpr StorageTypeName kStorageTypes[] = {
    {"FloatStorage", c10::ScalarType::Float}, {"DoubleStorage", c10::ScalarType::Double},
    {"HalfStorage", c10::ScalarType::Half},   {"BFloat16Storage", c10::ScalarType::BFloat16},
    {"LongStorage", c10::ScalarType::Long},   {"IntStorage", c10::ScalarType::Int},
    {"ShortStorage", c10::ScalarType::Short}, {"CharStorage", c10::ScalarType::Char},
    {"ByteStorage", c10::ScalarType::Byte},   {"BoolStorage", c10::ScalarType::Bool},
};

// OrderedDict() as Python 3 pickles it (items follow by SETITEMS), or Python 2's
// OrderedDict([[key, value], ...]).
Value makeOrderedDict(GraphBuilder& builder, const std::vector<Value>& args) {
    const PickleGraph& graph = builder.graph();
    const Value dict = builder.newDict(true);
    if (args.empty()) return dict;
    if (args.size() != 1 || (args[0].kind != ValueKind::List && args[0].kind != ValueKind::Tuple)) {
        builder.fail("OrderedDict takes no arguments or one list of pairs");
    }
    const std::vector<Value> pairs = graph.sequence(args[0]);
    for (const Value& pair : pairs) {
        if ((pair.kind != ValueKind::List && pair.kind != ValueKind::Tuple) ||
            graph.sequence(pair).size() != 2) {
            builder.fail("OrderedDict item is not a (key, value) pair");
        }
        const auto& kv = graph.sequence(pair);
        builder.setItem(dict, kv[0], kv[1]);
    }
    return dict;
}

std::vector<std::int64_t> intTuple(const GraphBuilder& builder, const Value& value,
                                   const char* what) {
    if (value.kind != ValueKind::Tuple && value.kind != ValueKind::List) {
        builder.fail(std::string("tensor ") + what + " is " + describeKind(value.kind) +
                     ", not a tuple");
    }
    const auto& items = builder.graph().sequence(value);
    if (items.size() > kMaxRank) {
        builder.fail(std::string("tensor ") + what + " has too many dims");
    }
    std::vector<std::int64_t> numbers;
    for (const Value& item : items) {
        if (item.kind != ValueKind::Int || item.payload < 0) {
            builder.fail(std::string("tensor ") + what + " holds a negative or non-integer entry");
        }
        numbers.push_back(item.payload);
    }
    return numbers;
}

// (storage, storage_offset, size, stride, ...): every addressed element must lie in the
// storage, checked with overflow-safe arithmetic because all four come from the file.
Value makeTensor(GraphBuilder& builder, const std::vector<Value>& args) {
    if (args[0].kind != ValueKind::Storage) {
        builder.fail(std::string("tensor built from ") + describeKind(args[0].kind) +
                     ", not a storage");
    }
    if (args[1].kind != ValueKind::Int || args[1].payload < 0) {
        builder.fail("tensor storage offset is negative or not an integer");
    }
    TensorSpec spec;
    spec.view = static_cast<std::size_t>(args[0].payload);
    spec.offset = args[1].payload;
    spec.sizes = intTuple(builder, args[2], "size");
    spec.strides = intTuple(builder, args[3], "stride");
    if (spec.sizes.size() != spec.strides.size()) {
        builder.fail("tensor size and stride differ in rank");
    }

    const std::int64_t storageNumel = builder.storages()->views[spec.view].numel;
    std::int64_t numel = 1;
    std::int64_t last = spec.offset;
    bool overflow = false;
    for (std::size_t i = 0; i < spec.sizes.size(); ++i) {
        overflow |= __builtin_mul_overflow(numel, spec.sizes[i], &numel);
    }
    if (numel > 0) {
        for (std::size_t i = 0; i < spec.sizes.size(); ++i) {
            std::int64_t step;
            overflow |= __builtin_mul_overflow(spec.sizes[i] - 1, spec.strides[i], &step);
            overflow |= __builtin_add_overflow(last, step, &last);
        }
    }
    if (overflow) builder.fail("tensor size or stride overflows");
    const bool inside = numel == 0 ? spec.offset <= storageNumel : last < storageNumel;
    if (!inside) {
        builder.fail("tensor reaches element " + std::to_string(last) + " of a storage of " +
                     std::to_string(storageNumel) + " elements");
    }
    spec.numel = numel;
    PickleGraph& graph = builder.graph();
    graph.tensors.push_back(std::move(spec));
    return {ValueKind::Tensor, static_cast<std::int64_t>(graph.tensors.size() - 1)};
}

std::string keyString(const GraphBuilder& builder, const Value& value, const char* what) {
    if (value.kind == ValueKind::String || value.kind == ValueKind::Bytes) {
        return builder.graph().string(value);
    }
    if (value.kind == ValueKind::Int) return std::to_string(value.payload);
    builder.fail(std::string("storage ") + what + " is " + describeKind(value.kind));
}

// The root storage `key`, added to the table on its first reference.
std::size_t storageRoot(GraphBuilder& builder, const std::string& key, c10::ScalarType dtype,
                        std::int64_t numel) {
    StorageTable& table = *builder.storages();
    if (const auto found = table.rootByKey.find(key); found != table.rootByKey.end()) {
        const std::size_t root = found->second;
        // torch.save refuses to write one storage under two dtypes, so this is corruption.
        if (table.roots[root].dtype != dtype || table.roots[root].numel != numel) {
            builder.fail("storage '" + printable(key) + "' declared with two dtypes or sizes");
        }
        return root;
    }
    const std::size_t root = table.roots.size();
    table.roots.push_back({key, dtype, numel});
    table.rootByKey.emplace(key, root);
    table.views.push_back({root, 0, numel});
    table.wholeView.push_back(table.views.size() - 1);
    return root;
}

// A legacy slice of the root storage `root` (of `numel` elements): view_metadata is
// (view_key, offset, size), and later references to view_key name the same slice.
Value storageView(GraphBuilder& builder, std::size_t root, std::int64_t numel,
                  const Value& metadata) {
    const PickleGraph& graph = builder.graph();
    if (metadata.kind != ValueKind::Tuple || graph.sequence(metadata).size() != 3) {
        builder.fail("storage view metadata is not (key, offset, size)");
    }
    StorageTable& table = *builder.storages();
    const std::vector<Value> view = graph.sequence(metadata);
    const std::string viewKey = keyString(builder, view[0], "view key");
    if (const auto found = table.viewByKey.find(viewKey); found != table.viewByKey.end()) {
        if (table.views[found->second].root != root) {
            builder.fail("storage view '" + printable(viewKey) + "' of two storages");
        }
        return {ValueKind::Storage, static_cast<std::int64_t>(found->second)};
    }
    if (view[1].kind != ValueKind::Int || view[2].kind != ValueKind::Int || view[1].payload < 0 ||
        view[2].payload < 0 || view[1].payload > numel ||
        view[2].payload > numel - view[1].payload) {
        builder.fail("storage view outside its storage");
    }
    table.views.push_back({root, view[1].payload, view[2].payload});
    table.viewByKey.emplace(viewKey, table.views.size() - 1);
    return {ValueKind::Storage, static_cast<std::int64_t>(table.views.size() - 1)};
}

}  // namespace

Value resolveGlobal(GraphBuilder& builder, const std::string& module, const std::string& name) {
    std::optional<GlobalRef> ref;
    if (module == "collections" && name == "OrderedDict") {
        ref = GlobalRef{Callable::OrderedDict};
    } else if (module == "torch._utils") {
        if (name == "_rebuild_tensor_v2") ref = GlobalRef{Callable::RebuildTensorV2};
        if (name == "_rebuild_tensor") ref = GlobalRef{Callable::RebuildTensor};
        if (name == "_rebuild_parameter") ref = GlobalRef{Callable::RebuildParameter};
    } else if (module == "torch" || module == "torch.cuda") {
        // torch < 1.12 tagged storages saved from a GPU as torch.cuda.<Dtype>Storage. The tag
        // only selects the dtype; data is always loaded to the CPU.
        for (const auto& type : kStorageTypes) {
            if (name == type.name) ref = GlobalRef{Callable::StorageType, type.dtype};
        }
    }
    if (!ref) {
        throw PickleError{"refused pickle global '" + printable(module) + "." + printable(name) +
                          "': " + kRefusalReason};
    }
    PickleGraph& graph = builder.graph();
    graph.globals.push_back(*ref);
    return {ValueKind::Global, static_cast<std::int64_t>(graph.globals.size() - 1)};
}

Value reduce(GraphBuilder& builder, const Value& callable, const Value& argsValue) {
    if (callable.kind != ValueKind::Global) {
        builder.fail(std::string("REDUCE on ") + describeKind(callable.kind) + ", not a callable");
    }
    if (argsValue.kind != ValueKind::Tuple) builder.fail("REDUCE arguments are not a tuple");
    const PickleGraph& graph = builder.graph();
    const GlobalRef ref = graph.globals[static_cast<std::size_t>(callable.payload)];
    // Copied: building values below may grow graph.sequences and move its elements.
    const std::vector<Value> args = graph.sequence(argsValue);
    switch (ref.callable) {
        case Callable::OrderedDict:
            return makeOrderedDict(builder, args);
        case Callable::RebuildTensorV2:
            // torch 1.13 passes 6 arguments; later versions add a metadata dict.
            if (args.size() != 6 && args.size() != 7) {
                builder.fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got " +
                             std::to_string(args.size()));
            }
            return makeTensor(builder, args);
        case Callable::RebuildTensor:
            if (args.size() != 4) {
                builder.fail("_rebuild_tensor takes 4 arguments, got " +
                             std::to_string(args.size()));
            }
            return makeTensor(builder, args);
        case Callable::RebuildParameter:
            // A Parameter is its data tensor; requires_grad and hooks do not matter here.
            if (args.size() != 3 || args[0].kind != ValueKind::Tensor) {
                builder.fail("_rebuild_parameter takes (tensor, requires_grad, hooks)");
            }
            return args[0];
        case Callable::StorageType:
            break;
    }
    builder.fail("a storage type is not callable here");
}

// OrderedDict's state is its instance __dict__ (torch puts the state dict's `_metadata`
// there: per-module versions Fovea does not need), so it is checked and dropped.
void build(GraphBuilder& builder, const Value& target, const Value& state) {
    if (target.kind != ValueKind::Dict || !builder.graph().dict(target).ordered) {
        builder.fail(std::string("BUILD on ") + describeKind(target.kind) + " is not supported");
    }
    if (state.kind != ValueKind::Dict && state.kind != ValueKind::None) {
        builder.fail("OrderedDict state is not a dict");
    }
}

// ('storage', storage_type, key, location, numel) in zip archives; legacy files add
// view_metadata: None, or (view_key, offset, size) for a slice of the root storage.
Value persistentLoad(GraphBuilder& builder, const Value& pid) {
    const PickleGraph& graph = builder.graph();
    if (pid.kind != ValueKind::Tuple || graph.sequence(pid).empty()) {
        builder.fail("persistent id is not a tuple");
    }
    const std::vector<Value> items = graph.sequence(pid);
    const std::string type =
        items[0].kind == ValueKind::String ? graph.string(items[0]) : std::string();
    if (type == "module") {
        throw PickleError{std::string("holds a pickled module with its source code: ") +
                          kRefusalReason};
    }
    if (type != "storage" || (items.size() != 5 && items.size() != 6)) {
        builder.fail("unknown persistent id");
    }
    if (!builder.storages()) builder.fail("this pickle may not reference storages");
    if (items[1].kind != ValueKind::Global ||
        graph.globals[static_cast<std::size_t>(items[1].payload)].callable !=
            Callable::StorageType) {
        builder.fail("persistent id without a storage type");
    }
    const c10::ScalarType dtype = graph.globals[static_cast<std::size_t>(items[1].payload)].dtype;
    const std::string key = keyString(builder, items[2], "key");
    if (items[4].kind != ValueKind::Int || items[4].payload < 0) {
        builder.fail("storage size is negative or not an integer");
    }
    const std::int64_t numel = items[4].payload;
    const std::int64_t itemSize = static_cast<std::int64_t>(c10::elementSize(dtype));
    if (numel > std::numeric_limits<std::int64_t>::max() / itemSize) {
        builder.fail("storage size overflows");
    }

    const std::size_t root = storageRoot(builder, key, dtype, numel);
    const bool isView = items.size() == 6 && items[5].kind != ValueKind::None;
    if (!isView) {
        return {ValueKind::Storage, static_cast<std::int64_t>(builder.storages()->wholeView[root])};
    }
    return storageView(builder, root, numel, items[5]);
}

}  // namespace fovea::core::weights_detail
