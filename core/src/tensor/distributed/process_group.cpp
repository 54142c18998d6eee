#include "fovea/core/distributed/process_group.h"

#include <torch/torch.h>

#include <stdexcept>

#ifdef FOVEA_HAVE_C10D_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef FOVEA_HAVE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace fovea::core {

#ifdef FOVEA_HAVE_C10D_GLOO

namespace {

// LibTorch 2.x's TCPStore uses libuv by default, which Debian 13's LibTorch is built without
// ("use_libuv was requested but PyTorch was build without libuv support"); 1.13 has no such
// option.
template <typename Options>
auto withoutLibUv(Options& options, int) -> decltype(options.useLibUV = false, void()) {
    options.useLibUV = false;
}
template <typename Options>
void withoutLibUv(Options&, long) {}

std::string where(const LaunchEnvironment& launch) {
    return launch.masterAddress + ":" + std::to_string(launch.masterPort);
}

bool isLoopback(const std::string& address) {
    return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

// The network interface Gloo talks over: GLOO_SOCKET_IFNAME's, as in PyTorch; loopback for a
// group on one machine; else the one this machine's name resolves to.
std::shared_ptr<::gloo::transport::Device> glooDevice(const LaunchEnvironment& launch) {
    if (const auto name = processEnvironment("GLOO_SOCKET_IFNAME")) {
        return c10d::ProcessGroupGloo::createDeviceForInterface(*name);
    }
    if (isLoopback(launch.masterAddress)) {
        return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    }
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

class ProcessGroup::Impl {
  public:
    Impl(const LaunchEnvironment& launch, std::chrono::milliseconds timeout) : m_launch(launch) {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(launch.masterPort);
        options.isServer = launch.rank == 0 && !launch.agentHostsStore;
        if (!launch.agentHostsStore) options.numWorkers = launch.worldSize;
        options.waitWorkers = !launch.agentHostsStore;
        options.timeout = timeout;
        withoutLibUv(options, 0);
        c10::intrusive_ptr<c10d::Store> store =
            c10::make_intrusive<c10d::TCPStore>(launch.masterAddress, options);
        if (!launch.storePrefix.empty()) {
            store = c10::make_intrusive<c10d::PrefixStore>(launch.storePrefix, store);
        }
        m_store = store;
        auto glooOptions = c10d::ProcessGroupGloo::Options::create(timeout);
        glooOptions->devices.push_back(glooDevice(launch));
        m_group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, launch.rank, launch.worldSize,
                                                              glooOptions);
#ifdef FOVEA_HAVE_C10D_NCCL
        // CUDA tensors travel GPU to GPU over NCCL, as PyTorch's "cuda:nccl"; c10d opens its
        // communicators at the first collective, so a run on the CPU costs nothing here.
        if (torch::cuda::is_available()) {
            auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
            ncclOptions->timeout = timeout;
            m_nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
                c10::make_intrusive<c10d::PrefixStore>("nccl", store), launch.rank,
                launch.worldSize, ncclOptions);
        }
#endif
    }

    bool collectsOn(const torch::Device& device) const {
#ifdef FOVEA_HAVE_C10D_NCCL
        return device.is_cuda() && m_nccl;
#else
        (void)device;
        return false;
#endif
    }

    // `call` with the backend for tensors on `device`: NCCL for CUDA tensors where there is
    // one, else Gloo (on the host).
    template <class Call>
    auto onBackendFor(const torch::Device& device, Call&& call) {
#ifdef FOVEA_HAVE_C10D_NCCL
        if (collectsOn(device)) return call(*m_nccl);
#endif
        (void)device;
        return call(*m_group);
    }

    // Runs a collective; a failure names this rank and the work.
    template <class Call>
    void collective(const char* what, Call&& call) {
        try {
            call()->wait();
        } catch (const std::exception& e) {
            throw std::runtime_error(
                "rank " + std::to_string(m_launch.rank) + " of " +
                std::to_string(m_launch.worldSize) + ": " + what +
                " failed (another rank stopped, or did not answer in time): " + e.what());
        }
    }

    // One collective per tensor (c10d's take a list of same-shaped tensors, one per device):
    // on its GPU over NCCL, else on the host over Gloo (a CUDA tensor through a host copy).
    template <class Call>
    void eachTensor(std::vector<torch::Tensor>& tensors, const char* what, Call&& call) {
        for (torch::Tensor& tensor : tensors) {
            const bool inPlace = collectsOn(tensor.device()) || !tensor.is_cuda();
            std::vector<torch::Tensor> one{inPlace ? tensor.contiguous() : tensor.cpu()};
            collective(what, [&] {
                return onBackendFor(one[0].device(),
                                    [&](auto& backend) { return call(backend, one); });
            });
            if (!one[0].is_same(tensor)) tensor.copy_(one[0]);
        }
    }

    LaunchEnvironment m_launch;
    c10::intrusive_ptr<c10d::Store> m_store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> m_group;
#ifdef FOVEA_HAVE_C10D_NCCL
    c10::intrusive_ptr<c10d::ProcessGroupNCCL> m_nccl;  // with a GPU
#endif
};

bool distributedTrainingAvailable() { return true; }

Result<std::unique_ptr<ProcessGroup>> ProcessGroup::join(const LaunchEnvironment& launch,
                                                         std::chrono::milliseconds timeout) {
    try {
        return std::unique_ptr<ProcessGroup>(
            new ProcessGroup(std::make_unique<Impl>(launch, timeout)));
    } catch (const std::exception& e) {
        return Error{"rank " + std::to_string(launch.rank) + " could not join the group of " +
                         std::to_string(launch.worldSize) + " at " + where(launch) + " within " +
                         std::to_string(timeout.count() / 1000) + " s: " + e.what(),
                     ErrorKind::Io};
    }
}

int ProcessGroup::rank() const { return m_impl->m_launch.rank; }
int ProcessGroup::worldSize() const { return m_impl->m_launch.worldSize; }

bool ProcessGroup::collectsOn(const torch::Device& device) const {
    return m_impl->collectsOn(device);
}

std::string ProcessGroup::backendFor(const torch::Device& device) const {
    return collectsOn(device) ? "NCCL" : "Gloo";
}

void ProcessGroup::allreduceSum(std::vector<torch::Tensor>& tensors) {
    m_impl->eachTensor(
        tensors, "summing across ranks",
        [](auto& backend, std::vector<torch::Tensor>& one) { return backend.allreduce(one); });
}

std::function<void()> ProcessGroup::allreduceSumAsync(torch::Tensor tensor) {
    std::vector<torch::Tensor> tensors{std::move(tensor)};
    auto work = m_impl->onBackendFor(tensors[0].device(),
                                     [&](auto& backend) { return backend.allreduce(tensors); });
    return [this, work] { m_impl->collective("summing across ranks", [&] { return work; }); };
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    m_impl->eachTensor(tensors, "sharing rank 0's values",
                       [&](auto& backend, std::vector<torch::Tensor>& one) {
                           return backend.broadcast(one, options);
                       });
}

void ProcessGroup::barrier() {
    m_impl->collective("waiting for every rank", [&] { return m_impl->m_group->barrier(); });
}

std::string ProcessGroup::shareText(const std::string& key, const std::string& text, int root) {
    const std::string name = "fovea/" + key;
    if (rank() == root)
        m_impl->m_store->set(name, std::vector<std::uint8_t>(text.begin(), text.end()));
    const std::vector<std::uint8_t> shared = m_impl->m_store->get(name);  // waits for it
    return std::string(shared.begin(), shared.end());
}

bool ProcessGroup::allEqual(std::uint64_t value) {
    // The largest and the smallest value, in one sum-free step each: MAX of v and of -v.
    const auto asSigned = static_cast<std::int64_t>(value);
    std::vector<torch::Tensor> extremes{torch::tensor({asSigned, -asSigned}, torch::kInt64)};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::MAX;
    m_impl->collective("comparing the ranks' settings",
                       [&] { return m_impl->m_group->allreduce(extremes, options); });
    const auto* both = extremes[0].data_ptr<std::int64_t>();
    return both[0] == asSigned && both[1] == -asSigned;
}

#else  // no c10d Gloo in this LibTorch

class ProcessGroup::Impl {};

bool distributedTrainingAvailable() { return false; }

Result<std::unique_ptr<ProcessGroup>> ProcessGroup::join(const LaunchEnvironment&,
                                                         std::chrono::milliseconds) {
    return Error{
        "this build of Fovea has no distributed training: its LibTorch lacks c10d's Gloo "
        "headers (Debian: libgloo-dev; packaging/setup.sh installs it)",
        ErrorKind::Usage};
}

int ProcessGroup::rank() const { return 0; }
int ProcessGroup::worldSize() const { return 1; }
bool ProcessGroup::collectsOn(const torch::Device&) const { return false; }
std::string ProcessGroup::backendFor(const torch::Device&) const { return "none"; }
void ProcessGroup::allreduceSum(std::vector<torch::Tensor>&) {}
std::function<void()> ProcessGroup::allreduceSumAsync(torch::Tensor) {
    return [] {};
}
void ProcessGroup::broadcast(std::vector<torch::Tensor>&, int) {}
void ProcessGroup::barrier() {}
std::string ProcessGroup::shareText(const std::string&, const std::string& text, int) {
    return text;
}
bool ProcessGroup::allEqual(std::uint64_t) { return true; }

#endif

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;

}  // namespace fovea::core
