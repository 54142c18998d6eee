#pragma once

// Internal to the unpickler, which is split in two: pickle_reader.cpp runs the pickle machine
// (opcodes, stack, memo) and pickle_globals.cpp interprets the few globals it accepts
// (collections.OrderedDict, torch._utils._rebuild_*, torch.<Dtype>Storage) and the storages
// that persistent ids reference. This is what the two halves share.

#include <cstdint>
#include <string>
#include <vector>

#include "pickle_reader.h"

namespace fovea::core::weights_detail {

// Thrown inside the unpickler only; unpickle() turns it into an Error.
struct PickleError {
    std::string message;
};

// Adds values to the graph being read. Problems are reported at the byte offset of the opcode
// being run, which the machine sets before running each one.
class GraphBuilder {
  public:
    GraphBuilder(PickleGraph& graph, StorageTable* storages)
        : m_graph(graph), m_storages(storages) {}

    PickleGraph& graph() const { return m_graph; }
    // Null when the pickle may not reference storages.
    StorageTable* storages() const { return m_storages; }

    void setOpPosition(std::uint64_t position) { m_opPosition = position; }
    [[noreturn]] void fail(const std::string& problem) const;

    Value newString(ValueKind kind, std::string bytes);
    Value newSequence(ValueKind kind, std::vector<Value> items);
    Value newDict(bool ordered);
    // dict[key] = value as Python does it: a str or int key already present keeps its place.
    void setItem(const Value& target, const Value& key, const Value& value);

  private:
    PickleGraph& m_graph;
    StorageTable* m_storages;
    std::uint64_t m_opPosition = 0;
};

// GLOBAL and STACK_GLOBAL: one of the accepted globals; any other is refused here, before
// anything could call it.
Value resolveGlobal(GraphBuilder& builder, const std::string& module, const std::string& name);
// REDUCE: `callable` (a resolved global) applied to the tuple `args`.
Value reduce(GraphBuilder& builder, const Value& callable, const Value& args);
// BUILD: sets the state of `target`, which only an OrderedDict may have.
void build(GraphBuilder& builder, const Value& target, const Value& state);
// BINPERSID: a storage named by a persistent id, registered in the builder's storage table.
Value persistentLoad(GraphBuilder& builder, const Value& pid);

}  // namespace fovea::core::weights_detail
