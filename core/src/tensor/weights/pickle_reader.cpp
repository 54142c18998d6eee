#include "pickle_reader.h"

#include <cstring>
#include <new>
#include <optional>

#include "pickle_globals.h"

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

std::int64_t bitsOf(double value) {
    std::int64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

// The pickle machine: reads opcodes and keeps the stack, the marks and the memo. The values it
// builds go into the graph; the globals and persistent ids go to pickle_globals.cpp.
class Unpickler {
  public:
    Unpickler(ByteSource& source, PickleGraph& graph, StorageTable* storages)
        : m_source(source), m_graph(graph), m_builder(graph, storages) {}

    Value run() {
        for (;;) {
            m_builder.setOpPosition(m_source.position());
            const std::uint8_t op = readU8();
            if (op == kStop) return pop();
            const bool known = runFramingOp(op) || runStackOp(op) || runScalarOp(op) ||
                               runStringOp(op) || runContainerOp(op) || runMemoOp(op) ||
                               runObjectOp(op);
            if (!known) fail("unsupported pickle opcode " + opcodeName(op));
        }
    }

  private:
    [[noreturn]] void fail(const std::string& problem) const { m_builder.fail(problem); }

    static std::string opcodeName(std::uint8_t op) {
        static const char* const kHex = "0123456789abcdef";
        std::string name = "0x";
        name += kHex[op >> 4];
        name += kHex[op & 0xf];
        if (op >= 0x21 && op < 0x7f) name += std::string(" ('") + static_cast<char>(op) + "')";
        return name;
    }

    // --- Opcodes, by what they work on. Each returns false for an opcode not its own. ---

    bool runFramingOp(std::uint8_t op) {
        switch (op) {
            case kProto: {
                const int protocol = readU8();
                if (protocol > kHighestProtocol) {
                    fail("pickle protocol " + std::to_string(protocol) +
                         " is newer than protocol 5");
                }
                return true;
            }
            case kFrame:
                // Frames only group opcodes for buffered reading; the content is parsed as one
                // stream, but a frame longer than the input is already corrupt.
                if (readU64() > m_source.remaining()) fail("FRAME longer than the data");
                return true;
            default:
                return false;
        }
    }

    bool runStackOp(std::uint8_t op) {
        switch (op) {
            case kMark:
                m_marks.push_back(m_stack.size());
                return true;
            case kPop:
                if (m_stack.size() > fence()) {
                    m_stack.pop_back();
                } else if (!m_marks.empty()) {
                    m_marks.pop_back();
                } else {
                    fail("stack underflow");
                }
                return true;
            case kPopMark:
                popMark();
                return true;
            default:
                return false;
        }
    }

    bool runScalarOp(std::uint8_t op) {
        switch (op) {
            case kBinInt:
                push({ValueKind::Int, readI32()});
                return true;
            case kBinInt1:
                push({ValueKind::Int, readU8()});
                return true;
            case kBinInt2:
                push({ValueKind::Int, readU16()});
                return true;
            case kLong1:
                push(newLong(readU8()));
                return true;
            case kLong4: {
                const std::int32_t length = readI32();
                if (length < 0) fail("negative LONG4 length");
                push(newLong(static_cast<std::uint64_t>(length)));
                return true;
            }
            case kBinFloat:
                push({ValueKind::Float, bitsOf(readF64BigEndian())});
                return true;
            case kNone:
                push({ValueKind::None, 0});
                return true;
            case kNewTrue:
                push({ValueKind::Bool, 1});
                return true;
            case kNewFalse:
                push({ValueKind::Bool, 0});
                return true;
            default:
                return false;
        }
    }

    bool runStringOp(std::uint8_t op) {
        switch (op) {
            case kShortBinUnicode:
            case kShortBinString:
                push(m_builder.newString(ValueKind::String, readBytes(readU8())));
                return true;
            case kBinUnicode:
                push(m_builder.newString(ValueKind::String, readBytes(readU32())));
                return true;
            case kBinString: {
                const std::int32_t length = readI32();
                if (length < 0) fail("negative BINSTRING length");
                push(m_builder.newString(ValueKind::String, readBytes(length)));
                return true;
            }
            case kBinUnicode8:
                push(m_builder.newString(ValueKind::String, readBytes(readU64())));
                return true;
            case kShortBinBytes:
                push(m_builder.newString(ValueKind::Bytes, readBytes(readU8())));
                return true;
            case kBinBytes:
                push(m_builder.newString(ValueKind::Bytes, readBytes(readU32())));
                return true;
            case kBinBytes8:
                push(m_builder.newString(ValueKind::Bytes, readBytes(readU64())));
                return true;
            default:
                return false;
        }
    }

    bool runContainerOp(std::uint8_t op) {
        switch (op) {
            case kEmptyDict:
                push(m_builder.newDict(false));
                return true;
            case kEmptyList:
                push(m_builder.newSequence(ValueKind::List, {}));
                return true;
            case kEmptyTuple:
                push(m_builder.newSequence(ValueKind::Tuple, {}));
                return true;
            case kTuple:
                push(m_builder.newSequence(ValueKind::Tuple, popMark()));
                return true;
            case kTuple1:
            case kTuple2:
            case kTuple3: {
                std::vector<Value> items(op - kTuple1 + 1);
                for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
                push(m_builder.newSequence(ValueKind::Tuple, std::move(items)));
                return true;
            }
            case kSetItem: {
                const Value value = pop();
                const Value key = pop();
                m_builder.setItem(top(), key, value);
                return true;
            }
            case kSetItems:
                setItems(popMark());
                return true;
            case kAppend: {
                const Value value = pop();
                append(top(), {value});
                return true;
            }
            case kAppends: {
                const std::vector<Value> items = popMark();
                append(top(), items);
                return true;
            }
            default:
                return false;
        }
    }

    bool runMemoOp(std::uint8_t op) {
        switch (op) {
            case kBinPut:
                m_memo[readU8()] = top();
                return true;
            case kLongBinPut:
                m_memo[readU32()] = top();
                return true;
            case kMemoize:
                m_memo[static_cast<std::uint32_t>(m_memo.size())] = top();
                return true;
            case kBinGet:
                push(memoGet(readU8()));
                return true;
            case kLongBinGet:
                push(memoGet(readU32()));
                return true;
            default:
                return false;
        }
    }

    // Globals, calls and persistent ids: what pickle_globals.cpp restricts.
    bool runObjectOp(std::uint8_t op) {
        switch (op) {
            case kGlobal: {
                std::string module = readLine();
                std::string name = readLine();
                push(resolveGlobal(m_builder, module, name));
                return true;
            }
            case kStackGlobal: {
                const Value name = pop();
                const Value module = pop();
                if (name.kind != ValueKind::String || module.kind != ValueKind::String) {
                    fail("STACK_GLOBAL needs two strings");
                }
                push(resolveGlobal(m_builder, m_graph.string(module), m_graph.string(name)));
                return true;
            }
            case kReduce: {
                const Value args = pop();
                const Value callable = pop();
                push(reduce(m_builder, callable, args));
                return true;
            }
            case kBuild: {
                const Value state = pop();
                build(m_builder, top(), state);
                return true;
            }
            case kBinPersId:
                push(persistentLoad(m_builder, pop()));
                return true;
            default:
                return false;
        }
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

    // LONG1/LONG4: little-endian two's complement of `length` bytes.
    Value newLong(std::uint64_t length) {
        std::string bytes = readBytes(length);
        if (bytes.size() > 8) return m_builder.newString(ValueKind::BigInt, std::move(bytes));
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

    // SETITEMS: key, value, key, value... above the mark, into the dict below it.
    void setItems(const std::vector<Value>& items) {
        if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
        const Value target = top();
        for (std::size_t i = 0; i < items.size(); i += 2) {
            m_builder.setItem(target, items[i], items[i + 1]);
        }
    }

    void append(const Value& target, const std::vector<Value>& values) {
        if (target.kind != ValueKind::List)
            fail(std::string("APPEND on ") + describeKind(target.kind));
        auto& list = m_graph.sequences[static_cast<std::size_t>(target.payload)];
        list.insert(list.end(), values.begin(), values.end());
    }

    ByteSource& m_source;
    PickleGraph& m_graph;
    GraphBuilder m_builder;
    std::vector<Value> m_stack;
    std::vector<std::size_t> m_marks;
    std::unordered_map<std::uint32_t, Value> m_memo;
};

std::optional<std::string> keyIdentity(const PickleGraph& graph, const Value& key) {
    if (key.kind == ValueKind::String) return "s" + graph.string(key);
    if (key.kind == ValueKind::Int) return "i" + std::to_string(key.payload);
    return std::nullopt;
}

}  // namespace

void GraphBuilder::fail(const std::string& problem) const {
    throw PickleError{"corrupt or unsupported pickle at byte " + std::to_string(m_opPosition) +
                      ": " + problem};
}

Value GraphBuilder::newString(ValueKind kind, std::string bytes) {
    m_graph.strings.push_back(std::move(bytes));
    return {kind, static_cast<std::int64_t>(m_graph.strings.size() - 1)};
}

Value GraphBuilder::newSequence(ValueKind kind, std::vector<Value> items) {
    m_graph.sequences.push_back(std::move(items));
    return {kind, static_cast<std::int64_t>(m_graph.sequences.size() - 1)};
}

Value GraphBuilder::newDict(bool ordered) {
    m_graph.dicts.emplace_back();
    m_graph.dicts.back().ordered = ordered;
    return {ValueKind::Dict, static_cast<std::int64_t>(m_graph.dicts.size() - 1)};
}

void GraphBuilder::setItem(const Value& target, const Value& key, const Value& value) {
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
