#include "pickle_reader.h"

#include <cstring>
#include <limits>
#include <optional>

namespace fovea::core::weights_detail {
namespace {

// Pickle opcodes (CPython Lib/pickletools.py). Only the binary ones torch.save emits for
// state dicts and checkpoints, plus Python 2 strings and protocol 4/5 framing.
enum Opcode : std::uint8_t {
    kMark = '(',
    kStop = '.',
    kPop = '0',
    kPopMark = '1',
    kBinFloat = 'G',
    kBinInt = 'J',
    kBinInt1 = 'K',
    kBinInt2 = 'M',
    kNone = 'N',
    kBinPersId = 'Q',
    kReduce = 'R',
    kBinString = 'T',
    kShortBinString = 'U',
    kBinUnicode = 'X',
    kAppend = 'a',
    kBuild = 'b',
    kGlobal = 'c',
    kAppends = 'e',
    kBinGet = 'h',
    kLongBinGet = 'j',
    kEmptyList = ']',
    kBinPut = 'q',
    kLongBinPut = 'r',
    kSetItem = 's',
    kTuple = 't',
    kSetItems = 'u',
    kEmptyDict = '}',
    kEmptyTuple = ')',
    kBinBytes = 'B',
    kShortBinBytes = 'C',
    kProto = 0x80,
    kTuple1 = 0x85,
    kTuple2 = 0x86,
    kTuple3 = 0x87,
    kNewTrue = 0x88,
    kNewFalse = 0x89,
    kLong1 = 0x8a,
    kLong4 = 0x8b,
    kShortBinUnicode = 0x8c,
    kBinUnicode8 = 0x8d,
    kBinBytes8 = 0x8e,
    kStackGlobal = 0x93,
    kMemoize = 0x94,
    kFrame = 0x95,
};

constexpr int kHighestProtocol = 5;
constexpr std::size_t kMaxGlobalNameLength = 256;
// No torch tensor has more dimensions than this (c10 caps at 64 too); it also bounds the
// work of checking one tensor's extent.
constexpr std::size_t kMaxRank = 64;

const char* const kRefusalReason = "Fovea loads only tensors and state dicts";

// Thrown inside this file only; unpickle() turns it into an Error.
struct PickleError {
    std::string message;
};

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

std::int64_t bitsOf(double value) {
    std::int64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

class Unpickler {
  public:
    Unpickler(ByteSource& source, PickleGraph& graph, StorageTable* storages)
        : m_source(source), m_graph(graph), m_storages(storages) {}

    Value run() {
        for (;;) {
            m_opPosition = m_source.position();
            const std::uint8_t op = readU8();
            switch (op) {
                case kProto: {
                    const int protocol = readU8();
                    if (protocol > kHighestProtocol) {
                        fail("pickle protocol " + std::to_string(protocol) +
                             " is newer than protocol 5");
                    }
                    break;
                }
                case kFrame:
                    // Frames only group opcodes for buffered reading; the content is parsed
                    // as one stream, but a frame longer than the input is already corrupt.
                    if (readU64() > m_source.remaining()) fail("FRAME longer than the data");
                    break;
                case kStop:
                    return pop();
                case kMark:
                    m_marks.push_back(m_stack.size());
                    break;
                case kPop:
                    if (m_stack.size() > fence()) {
                        m_stack.pop_back();
                    } else if (!m_marks.empty()) {
                        m_marks.pop_back();
                    } else {
                        fail("stack underflow");
                    }
                    break;
                case kPopMark:
                    popMark();
                    break;
                case kEmptyDict:
                    push(newDict(false));
                    break;
                case kEmptyList:
                    push(newSequence(ValueKind::List, {}));
                    break;
                case kEmptyTuple:
                    push(newSequence(ValueKind::Tuple, {}));
                    break;
                case kTuple:
                    push(newSequence(ValueKind::Tuple, popMark()));
                    break;
                case kTuple1:
                case kTuple2:
                case kTuple3: {
                    std::vector<Value> items(op - kTuple1 + 1);
                    for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
                    push(newSequence(ValueKind::Tuple, std::move(items)));
                    break;
                }
                case kShortBinUnicode:
                case kShortBinString:
                    push(newString(ValueKind::String, readBytes(readU8())));
                    break;
                case kBinUnicode:
                    push(newString(ValueKind::String, readBytes(readU32())));
                    break;
                case kBinString: {
                    const std::int32_t length = readI32();
                    if (length < 0) fail("negative BINSTRING length");
                    push(newString(ValueKind::String, readBytes(length)));
                    break;
                }
                case kBinUnicode8:
                    push(newString(ValueKind::String, readBytes(readU64())));
                    break;
                case kShortBinBytes:
                    push(newString(ValueKind::Bytes, readBytes(readU8())));
                    break;
                case kBinBytes:
                    push(newString(ValueKind::Bytes, readBytes(readU32())));
                    break;
                case kBinBytes8:
                    push(newString(ValueKind::Bytes, readBytes(readU64())));
                    break;
                case kBinInt:
                    push({ValueKind::Int, readI32()});
                    break;
                case kBinInt1:
                    push({ValueKind::Int, readU8()});
                    break;
                case kBinInt2:
                    push({ValueKind::Int, readU16()});
                    break;
                case kLong1:
                    push(newLong(readU8()));
                    break;
                case kLong4: {
                    const std::int32_t length = readI32();
                    if (length < 0) fail("negative LONG4 length");
                    push(newLong(static_cast<std::uint64_t>(length)));
                    break;
                }
                case kBinFloat:
                    push({ValueKind::Float, bitsOf(readF64BigEndian())});
                    break;
                case kNone:
                    push({ValueKind::None, 0});
                    break;
                case kNewTrue:
                    push({ValueKind::Bool, 1});
                    break;
                case kNewFalse:
                    push({ValueKind::Bool, 0});
                    break;
                case kGlobal: {
                    std::string module = readLine();
                    std::string name = readLine();
                    push(resolveGlobal(module, name));
                    break;
                }
                case kStackGlobal: {
                    const Value name = pop();
                    const Value module = pop();
                    if (name.kind != ValueKind::String || module.kind != ValueKind::String) {
                        fail("STACK_GLOBAL needs two strings");
                    }
                    push(resolveGlobal(m_graph.string(module), m_graph.string(name)));
                    break;
                }
                case kReduce: {
                    const Value args = pop();
                    const Value callable = pop();
                    push(reduce(callable, args));
                    break;
                }
                case kBuild: {
                    const Value state = pop();
                    build(top(), state);
                    break;
                }
                case kSetItem: {
                    const Value value = pop();
                    const Value key = pop();
                    setItem(top(), key, value);
                    break;
                }
                case kSetItems: {
                    const std::vector<Value> items = popMark();
                    if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
                    const Value target = top();
                    for (std::size_t i = 0; i < items.size(); i += 2) {
                        setItem(target, items[i], items[i + 1]);
                    }
                    break;
                }
                case kAppend: {
                    const Value value = pop();
                    append(top(), {value});
                    break;
                }
                case kAppends: {
                    const std::vector<Value> items = popMark();
                    append(top(), items);
                    break;
                }
                case kBinPut:
                    m_memo[readU8()] = top();
                    break;
                case kLongBinPut:
                    m_memo[readU32()] = top();
                    break;
                case kMemoize:
                    m_memo[static_cast<std::uint32_t>(m_memo.size())] = top();
                    break;
                case kBinGet:
                    push(memoGet(readU8()));
                    break;
                case kLongBinGet:
                    push(memoGet(readU32()));
                    break;
                case kBinPersId:
                    push(persistentLoad(pop()));
                    break;
                default:
                    fail("unsupported pickle opcode " + opcodeName(op));
            }
        }
    }

  private:
    [[noreturn]] void fail(const std::string& problem) const {
        throw PickleError{"corrupt or unsupported pickle at byte " + std::to_string(m_opPosition) +
                          ": " + problem};
    }

    static std::string opcodeName(std::uint8_t op) {
        static const char* const kHex = "0123456789abcdef";
        std::string name = "0x";
        name += kHex[op >> 4];
        name += kHex[op & 0xf];
        if (op >= 0x21 && op < 0x7f) name += std::string(" ('") + static_cast<char>(op) + "')";
        return name;
    }

    // --- Reading ---

    void readExact(void* out, std::size_t count) {
        if (!m_source.read(out, count)) fail("unexpected end of data (truncated file?)");
    }

    std::uint8_t readU8() {
        std::uint8_t value;
        readExact(&value, 1);
        return value;
    }

    std::uint64_t readLittleEndian(std::size_t size) {
        unsigned char bytes[8];
        readExact(bytes, size);
        std::uint64_t value = 0;
        for (std::size_t i = size; i-- > 0;) value = (value << 8) | bytes[i];
        return value;
    }

    std::uint16_t readU16() { return static_cast<std::uint16_t>(readLittleEndian(2)); }
    std::uint32_t readU32() { return static_cast<std::uint32_t>(readLittleEndian(4)); }
    std::int32_t readI32() { return static_cast<std::int32_t>(readU32()); }
    std::uint64_t readU64() { return readLittleEndian(8); }

    double readF64BigEndian() {
        unsigned char bytes[8];
        readExact(bytes, 8);
        std::uint64_t bits = 0;
        for (const unsigned char byte : bytes) bits = (bits << 8) | byte;
        double value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    }

    // Checks the declared length against what is left before allocating for it.
    std::string readBytes(std::uint64_t length) {
        if (length > m_source.remaining()) {
            fail("declares " + std::to_string(length) + " bytes but only " +
                 std::to_string(m_source.remaining()) + " are left");
        }
        std::string bytes(static_cast<std::size_t>(length), '\0');
        readExact(bytes.data(), bytes.size());
        return bytes;
    }

    std::string readLine() {
        std::string line;
        for (;;) {
            const char c = static_cast<char>(readU8());
            if (c == '\n') return line;
            if (line.size() >= kMaxGlobalNameLength) fail("GLOBAL name too long");
            line += c;
        }
    }

    // --- Stack (CPython's fence: nothing below the innermost MARK may be popped) ---

    std::size_t fence() const { return m_marks.empty() ? 0 : m_marks.back(); }

    void push(Value value) { m_stack.push_back(value); }

    Value pop() {
        if (m_stack.size() <= fence()) fail("stack underflow");
        const Value value = m_stack.back();
        m_stack.pop_back();
        return value;
    }

    Value top() const {
        if (m_stack.size() <= fence()) fail("stack underflow");
        return m_stack.back();
    }

    std::vector<Value> popMark() {
        if (m_marks.empty()) fail("no MARK to pop to");
        const std::size_t mark = m_marks.back();
        m_marks.pop_back();
        std::vector<Value> items(m_stack.begin() + static_cast<std::ptrdiff_t>(mark),
                                 m_stack.end());
        m_stack.resize(mark);
        return items;
    }

    Value memoGet(std::uint32_t index) const {
        const auto found = m_memo.find(index);
        if (found == m_memo.end()) {
            fail("memo entry " + std::to_string(index) + " read before it was stored");
        }
        return found->second;
    }

    // --- Values ---

    Value newString(ValueKind kind, std::string bytes) {
        m_graph.strings.push_back(std::move(bytes));
        return {kind, static_cast<std::int64_t>(m_graph.strings.size() - 1)};
    }

    Value newSequence(ValueKind kind, std::vector<Value> items) {
        m_graph.sequences.push_back(std::move(items));
        return {kind, static_cast<std::int64_t>(m_graph.sequences.size() - 1)};
    }

    Value newDict(bool ordered) {
        m_graph.dicts.emplace_back();
        m_graph.dicts.back().ordered = ordered;
        return {ValueKind::Dict, static_cast<std::int64_t>(m_graph.dicts.size() - 1)};
    }

    // LONG1/LONG4: little-endian two's complement of `length` bytes.
    Value newLong(std::uint64_t length) {
        std::string bytes = readBytes(length);
        if (bytes.size() > 8) return newString(ValueKind::BigInt, std::move(bytes));
        std::uint64_t value = 0;
        for (std::size_t i = bytes.size(); i-- > 0;) {
            value = (value << 8) | static_cast<unsigned char>(bytes[i]);
        }
        if (!bytes.empty() && bytes.size() < 8 &&
            (static_cast<unsigned char>(bytes.back()) & 0x80)) {
            value |= ~std::uint64_t{0} << (8 * bytes.size());  // sign-extend
        }
        return {ValueKind::Int, static_cast<std::int64_t>(value)};
    }

    Value resolveGlobal(const std::string& module, const std::string& name) {
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
            throw PickleError{"refused pickle global '" + printable(module) + "." +
                              printable(name) + "': " + kRefusalReason};
        }
        m_graph.globals.push_back(*ref);
        return {ValueKind::Global, static_cast<std::int64_t>(m_graph.globals.size() - 1)};
    }

    Value reduce(const Value& callable, const Value& argsValue) {
        if (callable.kind != ValueKind::Global) {
            fail(std::string("REDUCE on ") + describeKind(callable.kind) + ", not a callable");
        }
        if (argsValue.kind != ValueKind::Tuple) fail("REDUCE arguments are not a tuple");
        const GlobalRef ref = m_graph.globals[static_cast<std::size_t>(callable.payload)];
        // Copied: building values below may grow graph.sequences and move its elements.
        const std::vector<Value> args = m_graph.sequence(argsValue);
        switch (ref.callable) {
            case Callable::OrderedDict:
                return makeOrderedDict(args);
            case Callable::RebuildTensorV2:
                // torch 1.13 passes 6 arguments; later versions add a metadata dict.
                if (args.size() != 6 && args.size() != 7) {
                    fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got " +
                         std::to_string(args.size()));
                }
                return makeTensor(args);
            case Callable::RebuildTensor:
                if (args.size() != 4) {
                    fail("_rebuild_tensor takes 4 arguments, got " + std::to_string(args.size()));
                }
                return makeTensor(args);
            case Callable::RebuildParameter:
                // A Parameter is its data tensor; requires_grad and hooks do not matter here.
                if (args.size() != 3 || args[0].kind != ValueKind::Tensor) {
                    fail("_rebuild_parameter takes (tensor, requires_grad, hooks)");
                }
                return args[0];
            case Callable::StorageType:
                break;
        }
        fail("a storage type is not callable here");
    }

    // OrderedDict() as Python 3 pickles it (items follow by SETITEMS), or Python 2's
    // OrderedDict([[key, value], ...]).
    Value makeOrderedDict(const std::vector<Value>& args) {
        const Value dict = newDict(true);
        if (args.empty()) return dict;
        if (args.size() != 1 ||
            (args[0].kind != ValueKind::List && args[0].kind != ValueKind::Tuple)) {
            fail("OrderedDict takes no arguments or one list of pairs");
        }
        const std::vector<Value> pairs = m_graph.sequence(args[0]);
        for (const Value& pair : pairs) {
            if ((pair.kind != ValueKind::List && pair.kind != ValueKind::Tuple) ||
                m_graph.sequence(pair).size() != 2) {
                fail("OrderedDict item is not a (key, value) pair");
            }
            const auto& kv = m_graph.sequence(pair);
            setItem(dict, kv[0], kv[1]);
        }
        return dict;
    }

    std::vector<std::int64_t> intTuple(const Value& value, const char* what) const {
        if (value.kind != ValueKind::Tuple && value.kind != ValueKind::List) {
            fail(std::string("tensor ") + what + " is " + describeKind(value.kind) +
                 ", not a tuple");
        }
        const auto& items = m_graph.sequence(value);
        if (items.size() > kMaxRank) fail(std::string("tensor ") + what + " has too many dims");
        std::vector<std::int64_t> numbers;
        for (const Value& item : items) {
            if (item.kind != ValueKind::Int || item.payload < 0) {
                fail(std::string("tensor ") + what + " holds a negative or non-integer entry");
            }
            numbers.push_back(item.payload);
        }
        return numbers;
    }

    // (storage, storage_offset, size, stride, ...): every addressed element must lie in the
    // storage, checked with overflow-safe arithmetic because all four come from the file.
    Value makeTensor(const std::vector<Value>& args) {
        if (args[0].kind != ValueKind::Storage) {
            fail(std::string("tensor built from ") + describeKind(args[0].kind) +
                 ", not a storage");
        }
        if (args[1].kind != ValueKind::Int || args[1].payload < 0) {
            fail("tensor storage offset is negative or not an integer");
        }
        TensorSpec spec;
        spec.view = static_cast<std::size_t>(args[0].payload);
        spec.offset = args[1].payload;
        spec.sizes = intTuple(args[2], "size");
        spec.strides = intTuple(args[3], "stride");
        if (spec.sizes.size() != spec.strides.size()) fail("tensor size and stride differ in rank");

        const std::int64_t storageNumel = m_storages->views[spec.view].numel;
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
        if (overflow) fail("tensor size or stride overflows");
        const bool inside = numel == 0 ? spec.offset <= storageNumel : last < storageNumel;
        if (!inside) {
            fail("tensor reaches element " + std::to_string(last) + " of a storage of " +
                 std::to_string(storageNumel) + " elements");
        }
        spec.numel = numel;
        m_graph.tensors.push_back(std::move(spec));
        return {ValueKind::Tensor, static_cast<std::int64_t>(m_graph.tensors.size() - 1)};
    }

    // OrderedDict's state is its instance __dict__ (torch puts the state dict's `_metadata`
    // there: per-module versions Fovea does not need), so it is checked and dropped.
    void build(const Value& target, const Value& state) {
        if (target.kind != ValueKind::Dict || !m_graph.dict(target).ordered) {
            fail(std::string("BUILD on ") + describeKind(target.kind) + " is not supported");
        }
        if (state.kind != ValueKind::Dict && state.kind != ValueKind::None) {
            fail("OrderedDict state is not a dict");
        }
    }

    static std::optional<std::string> keyIdentity(const PickleGraph& graph, const Value& key) {
        if (key.kind == ValueKind::String) return "s" + graph.string(key);
        if (key.kind == ValueKind::Int) return "i" + std::to_string(key.payload);
        return std::nullopt;
    }

    void setItem(const Value& target, const Value& key, const Value& value) {
        if (target.kind != ValueKind::Dict) {
            fail(std::string("SETITEM on ") + describeKind(target.kind));
        }
        Dict& dict = m_graph.dicts[static_cast<std::size_t>(target.payload)];
        if (const auto identity = keyIdentity(m_graph, key)) {
            const auto [position, inserted] = dict.index.emplace(*identity, dict.items.size());
            if (!inserted) {
                dict.items[position->second].second = value;
                return;
            }
        }
        dict.items.emplace_back(key, value);
    }

    void append(const Value& target, const std::vector<Value>& values) {
        if (target.kind != ValueKind::List)
            fail(std::string("APPEND on ") + describeKind(target.kind));
        auto& list = m_graph.sequences[static_cast<std::size_t>(target.payload)];
        list.insert(list.end(), values.begin(), values.end());
    }

    std::string keyString(const Value& value, const char* what) const {
        if (value.kind == ValueKind::String || value.kind == ValueKind::Bytes) {
            return m_graph.string(value);
        }
        if (value.kind == ValueKind::Int) return std::to_string(value.payload);
        fail(std::string("storage ") + what + " is " + describeKind(value.kind));
    }

    // ('storage', storage_type, key, location, numel) in zip archives; legacy files add
    // view_metadata: None, or (view_key, offset, size) for a slice of the root storage.
    Value persistentLoad(const Value& pid) {
        if (pid.kind != ValueKind::Tuple || m_graph.sequence(pid).empty()) {
            fail("persistent id is not a tuple");
        }
        const std::vector<Value> items = m_graph.sequence(pid);
        const std::string type =
            items[0].kind == ValueKind::String ? m_graph.string(items[0]) : std::string();
        if (type == "module") {
            throw PickleError{std::string("holds a pickled module with its source code: ") +
                              kRefusalReason};
        }
        if (type != "storage" || (items.size() != 5 && items.size() != 6)) {
            fail("unknown persistent id");
        }
        if (!m_storages) fail("this pickle may not reference storages");
        if (items[1].kind != ValueKind::Global ||
            m_graph.globals[static_cast<std::size_t>(items[1].payload)].callable !=
                Callable::StorageType) {
            fail("persistent id without a storage type");
        }
        const c10::ScalarType dtype =
            m_graph.globals[static_cast<std::size_t>(items[1].payload)].dtype;
        const std::string key = keyString(items[2], "key");
        if (items[4].kind != ValueKind::Int || items[4].payload < 0) {
            fail("storage size is negative or not an integer");
        }
        const std::int64_t numel = items[4].payload;
        const std::int64_t itemSize = static_cast<std::int64_t>(c10::elementSize(dtype));
        if (numel > std::numeric_limits<std::int64_t>::max() / itemSize) {
            fail("storage size overflows");
        }

        StorageTable& table = *m_storages;
        std::size_t root;
        if (const auto found = table.rootByKey.find(key); found != table.rootByKey.end()) {
            root = found->second;
            // torch.save refuses to write one storage under two dtypes, so this is corruption.
            if (table.roots[root].dtype != dtype || table.roots[root].numel != numel) {
                fail("storage '" + printable(key) + "' declared with two dtypes or sizes");
            }
        } else {
            root = table.roots.size();
            table.roots.push_back({key, dtype, numel});
            table.rootByKey.emplace(key, root);
            table.views.push_back({root, 0, numel});
            table.wholeView.push_back(table.views.size() - 1);
        }

        const bool isView = items.size() == 6 && items[5].kind != ValueKind::None;
        if (!isView) {
            return {ValueKind::Storage, static_cast<std::int64_t>(table.wholeView[root])};
        }
        if (items[5].kind != ValueKind::Tuple || m_graph.sequence(items[5]).size() != 3) {
            fail("storage view metadata is not (key, offset, size)");
        }
        const std::vector<Value> view = m_graph.sequence(items[5]);
        const std::string viewKey = keyString(view[0], "view key");
        if (const auto found = table.viewByKey.find(viewKey); found != table.viewByKey.end()) {
            if (table.views[found->second].root != root) {
                fail("storage view '" + printable(viewKey) + "' of two storages");
            }
            return {ValueKind::Storage, static_cast<std::int64_t>(found->second)};
        }
        if (view[1].kind != ValueKind::Int || view[2].kind != ValueKind::Int ||
            view[1].payload < 0 || view[2].payload < 0 || view[1].payload > numel ||
            view[2].payload > numel - view[1].payload) {
            fail("storage view outside its storage");
        }
        table.views.push_back({root, view[1].payload, view[2].payload});
        table.viewByKey.emplace(viewKey, table.views.size() - 1);
        return {ValueKind::Storage, static_cast<std::int64_t>(table.views.size() - 1)};
    }

    ByteSource& m_source;
    PickleGraph& m_graph;
    StorageTable* m_storages;
    std::vector<Value> m_stack;
    std::vector<std::size_t> m_marks;
    std::unordered_map<std::uint32_t, Value> m_memo;
    std::uint64_t m_opPosition = 0;
};

}  // namespace

const char* describeKind(ValueKind kind) {
    switch (kind) {
        case ValueKind::None:
            return "None";
        case ValueKind::Bool:
            return "a bool";
        case ValueKind::Int:
        case ValueKind::BigInt:
            return "an int";
        case ValueKind::Float:
            return "a float";
        case ValueKind::String:
            return "a str";
        case ValueKind::Bytes:
            return "bytes";
        case ValueKind::Tuple:
            return "a tuple";
        case ValueKind::List:
            return "a list";
        case ValueKind::Dict:
            return "a dict";
        case ValueKind::Global:
            return "a class or function";
        case ValueKind::Storage:
            return "a storage";
        case ValueKind::Tensor:
            return "a tensor";
    }
    return "a value";
}

const std::string& PickleGraph::string(const Value& value) const {
    return strings.at(static_cast<std::size_t>(value.payload));
}

const std::vector<Value>& PickleGraph::sequence(const Value& value) const {
    return sequences.at(static_cast<std::size_t>(value.payload));
}

const Dict& PickleGraph::dict(const Value& value) const {
    return dicts.at(static_cast<std::size_t>(value.payload));
}

const TensorSpec& PickleGraph::tensor(const Value& value) const {
    return tensors.at(static_cast<std::size_t>(value.payload));
}

const Value* PickleGraph::find(const Dict& dict, const std::string& key) const {
    const auto found = dict.index.find("s" + key);
    return found == dict.index.end() ? nullptr : &dict.items[found->second].second;
}

Result<Value> unpickle(ByteSource& source, PickleGraph& graph, StorageTable* storages) {
    try {
        return Unpickler(source, graph, storages).run();
    } catch (const PickleError& error) {
        return Error{error.message};
    } catch (const std::bad_alloc&) {
        return Error{"pickle too large for memory"};
    }
}

}  // namespace fovea::core::weights_detail
