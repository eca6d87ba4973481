#define SC_INCLUDE_DYNAMIC_PROCESSES  // Chip::run_host spawns the host thread
#include "chip/chip.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "common/trace.h"
#include "mgmt/mgmt_launch.h"
#include "dma/dma_tlm.h"
#include "tensor/tensor_tlm.h"

namespace trnsim::chip {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

// ---- management window ----------------------------------------------------------------

// One map for the firmware on the chip and on the rig (mgmt_map.h).
static_assert(kMgmtCoreWindow == MGMT_CORE_WINDOW && kMgmtCoreStride == MGMT_CORE_STRIDE &&
                  kMgmtHbmWindow == MGMT_HBM_BASE && kMgmtHbmSize == MGMT_HBM_SIZE && kMgmtLinkWindow == MGMT_LINK_BASE,
              "the chip's management windows must be those of mgmt_map.h");
static_assert(kTensorCsrOffset - kCoreCtrlOffset == MGMT_CORE_TENSOR_CSR &&
                  kDmaCsrOffset - kCoreCtrlOffset == MGMT_CORE_DMA_CSR(0) &&
                  kDmaCsrStride == MGMT_CORE_DMA_CSR(1) - MGMT_CORE_DMA_CSR(0) &&
                  kMgmtStreamOffset - kCoreCtrlOffset == MGMT_CORE_STREAM &&
                  kMgmtResultOffset - kCoreCtrlOffset == MGMT_CORE_RESULT && kMgmtResultBytes == MGMT_CORE_RESULT_SIZE,
              "a core's management window must be laid out as in mgmt_map.h");
static_assert(sizeof(mgmt_launch_block) == 16 + 16 * MGMT_LAUNCH_ENGINES + 8 * MGMT_LAUNCH_MAX_WAITS,
              "the launch block is packed 32-bit words (the firmware reads the same layout)");

bool mgmt_to_chip(uint64_t a, uint64_t len, unsigned cores, unsigned links, uint64_t& out) {
  if (len == 0) return false;
  const uint64_t end = a + len;
  if (a >= kMgmtCoreWindow && a < kMgmtCoreWindow + uint64_t(kMgmtMaxCores) * kMgmtCoreStride) {
    const uint64_t c = (a - kMgmtCoreWindow) / kMgmtCoreStride, off = (a - kMgmtCoreWindow) % kMgmtCoreStride;
    if (c >= cores || off + len > kMgmtCoreStride) return false;
    out = core_base(unsigned(c)) + kCoreCtrlOffset + off;
    return true;
  }
  if (a >= kMgmtHbmWindow && end <= uint64_t(kMgmtHbmWindow) + kMgmtHbmSize) {
    out = kHbmBase + (a - kMgmtHbmWindow);
    return true;
  }
  if (a >= kMgmtLinkWindow) {
    const uint64_t l = (a - kMgmtLinkWindow) / kLinkStride, off = (a - kMgmtLinkWindow) % kLinkStride;
    if (l >= links || off + len > kLinkStride) return false;
    out = kLinkBase + l * kLinkStride + off;
    return true;
  }
  return false;
}

// The management subsystem's external window -> the NoC, in chip addresses.
class Chip::MgmtBridge : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MgmtBridge> in;
  tlm_utils::simple_initiator_socket<MgmtBridge> out;
  MgmtBridge(sc_core::sc_module_name n, unsigned cores, unsigned links)
      : sc_module(n), in("in"), out("out"), cores_(cores), links_(links) {
    in.register_b_transport(this, &MgmtBridge::b_transport);
    in.register_transport_dbg(this, &MgmtBridge::dbg);
  }
  uint64_t misses() const { return misses_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
    const uint64_t a = gp.get_address();
    uint64_t c = 0;
    if (!mgmt_to_chip(a, gp.get_data_length(), cores_, links_, c)) {
      ++misses_;
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    gp.set_address(c);
    out->b_transport(gp, delay);
    gp.set_address(a);
  }
  unsigned dbg(tlm::tlm_generic_payload& gp) {
    const uint64_t a = gp.get_address();
    uint64_t c = 0;
    if (!mgmt_to_chip(a, gp.get_data_length(), cores_, links_, c)) return 0;
    gp.set_address(c);
    const unsigned n = out->transport_dbg(gp);
    gp.set_address(a);
    return n;
  }
  unsigned cores_, links_;
  uint64_t misses_ = 0;
};

// ---- link endpoint --------------------------------------------------------------------

LinkEndpoint::LinkEndpoint(sc_core::sc_module_name name, const LinkConfig& cfg)
    : sc_module(name), regs("regs"), tx("tx"), rx("rx"), to_noc("to_noc"), cfg_(cfg) {
  regs.register_b_transport(this, &LinkEndpoint::regs_b_transport);
  rx.register_b_transport(this, &LinkEndpoint::rx_b_transport);
}

sc_time LinkEndpoint::occupy(sc_time& free, uint64_t bytes, const sc_time& at) const {
  const sc_time start = std::max(at, free);
  const sc_time xfer = cfg_.bytes_per_ns > 0 ? sc_time(double(bytes) / cfg_.bytes_per_ns, sc_core::SC_NS)
                                             : SC_ZERO_TIME;
  free = start + xfer;
  return start + xfer + cfg_.latency - at;  // added to the caller's delay
}

void LinkEndpoint::send(tlm::tlm_generic_payload& gp, sc_time& delay) {
  if (tx.size() == 0 || !(ctrl_ & 1)) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const sc_time at = sc_core::sc_time_stamp() + delay;
  delay += occupy(tx_free_, gp.get_data_length(), at);
  tx_bytes_ += gp.get_data_length();
  tx->b_transport(gp, delay);
}

void LinkEndpoint::rx_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  if (!(ctrl_ & 1)) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const sc_time at = sc_core::sc_time_stamp() + delay;
  delay += occupy(rx_free_, gp.get_data_length(), at);
  rx_bytes_ += gp.get_data_length();
  to_noc->b_transport(gp, delay);
}

void LinkEndpoint::regs_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t a = gp.get_address();
  if (gp.get_data_length() != 4 || (a & 3) || a > 0x1c || gp.get_byte_enable_ptr()) {
    gp.set_response_status(a > 0x1c ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  uint32_t v = 0;
  std::memcpy(&v, gp.get_data_ptr(), 4);
  if (gp.is_write()) {
    if (a == 0x08) ctrl_ = v & 1;
  } else {
    switch (a) {
      case 0x00: v = cfg_.index; break;
      case 0x04: v = tx.size() > 0 ? 1 : 0; break;
      case 0x08: v = ctrl_; break;
      case 0x10: v = uint32_t(tx_bytes_); break;
      case 0x14: v = uint32_t(tx_bytes_ >> 32); break;
      case 0x18: v = uint32_t(rx_bytes_); break;
      case 0x1c: v = uint32_t(rx_bytes_ >> 32); break;
      default: v = 0;
    }
    std::memcpy(gp.get_data_ptr(), &v, 4);
  }
  delay += sc_time(1, sc_core::SC_NS);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

// ---- chip -------------------------------------------------------------------------------

namespace {

// Default factories: the fast TLM forms.
TensorFactory tlm_tensor() {
  return [](const char* n, const tensor::TensorBlockConfig& c) { return std::make_unique<tensor::TensorTlm>(n, c); };
}
DmaFactory tlm_dma() {
  return [](const char* n, const dma::DmaBlockConfig& c) { return std::make_unique<dma::DmaTlm>(n, c); };
}

mgmt::MgmtSubsystemConfig mgmt_config(const config::ChipConfig& c, const ChipOptions& o) {
  mgmt::MgmtSubsystemConfig m;
  m.core.clock_period = period_of(c.mgmt.clock_ghz);
  m.stop_on_exit = o.mgmt_stop_on_exit;
  m.uart.echo = o.mgmt_uart_echo;
  return m;
}

const char* kEngineNames[isa::kNumEngines] = {"tensor", "vector", "scalar", "gpsimd", "sync"};

}  // namespace

Chip::Chip(sc_core::sc_module_name name, const config::ChipConfig& cfg, const ChipOptions& opt)
    : sc_module(name), cfg_(cfg), opt_(opt) {
  config::validate(cfg_, std::string(this->name()));
  prefix_ = opt_.stats_prefix.empty() ? std::string(this->name()) : opt_.stats_prefix;
  tensor_fid_ = opt_.tensor_fidelity.value_or(cfg_.fidelity.tensor);
  dma_fid_ = opt_.dma_fidelity.value_or(cfg_.fidelity.dma);
  if (!opt_.make_tensor) {
    if (tensor_fid_ != Fidelity::kTlm)
      throw ChipError(std::string(this->name()) + ": tensor engine fidelity '" + to_string(tensor_fid_) +
                      "' needs the RTL block factories (chip/chip_cosim.h, library trnsim::chip_cosim); "
                      "this build has the tlm form only");
    opt_.make_tensor = tlm_tensor();
  }
  if (!opt_.make_dma) {
    if (dma_fid_ != Fidelity::kTlm)
      throw ChipError(std::string(this->name()) + ": DMA engine fidelity '" + to_string(dma_fid_) +
                      "' needs the RTL block factories (chip/chip_cosim.h, library trnsim::chip_cosim); "
                      "this build has the tlm form only");
    opt_.make_dma = tlm_dma();
  }
  auto& q = tlm::tlm_global_quantum::instance();
  if (q.get() == SC_ZERO_TIME) q.set(opt_.quantum);

  const unsigned n = cfg_.cores;
  ndma_ = cfg_.core.dma.engines;
  hbm_ = std::make_unique<Hbm>("hbm", hbm_config(cfg_));
  noc_ = std::make_unique<Noc>("noc", noc_config(cfg_));
  for (unsigned c = 0; c < n; ++c) {
    const std::string cn = "core" + std::to_string(c);
    cores_.push_back(std::make_unique<NeuronCore>(cn.c_str(), neuron_core_config(cfg_, c, opt_.functional),
                                                  opt_.make_tensor, opt_.make_dma));
    core_irq_.push_back(std::make_unique<sc_core::sc_signal<bool>>((cn + "_irq").c_str()));
  }
  mgmt_ = std::make_unique<mgmt::MgmtSubsystem>("mgmt", mgmt_config(cfg_, opt_));
  bridge_ = std::make_unique<MgmtBridge>("mgmt_bridge", n, cfg_.c2c.links);
  for (unsigned l = 0; l < cfg_.c2c.links; ++l) {
    LinkConfig lc;
    lc.index = l;
    lc.bytes_per_ns = cfg_.c2c.gb_per_s;
    lc.latency = sc_time(cfg_.c2c.latency_ns, sc_core::SC_NS);
    links_.push_back(std::make_unique<LinkEndpoint>(("link" + std::to_string(l)).c_str(), lc));
  }

  // NoC `in`: per core fetch, DMA 0..; the management bridge; the links' rx path.
  for (unsigned c = 0; c < n; ++c) {
    cores_[c]->fetch.bind(noc_->in);
    for (unsigned d = 0; d < ndma_; ++d) cores_[c]->dma_mem(d).bind(noc_->in);
    cores_[c]->irq.bind(*core_irq_[c]);
  }
  bridge_->out.bind(noc_->in);
  for (auto& l : links_) l->to_noc.bind(noc_->in);
  // NoC `out`: HBM, the cores' windows, the link registers.
  noc_->out.bind(hbm_->socket);
  noc_->add_route(kHbmBase, config::hbm_capacity_bytes(cfg_), 0, true, "hbm");
  for (unsigned c = 0; c < n; ++c) {
    noc_->out.bind(cores_[c]->local);
    noc_->add_route(core_base(c), kCoreStride, 1 + c, true, "core" + std::to_string(c));
  }
  for (unsigned l = 0; l < links_.size(); ++l) {
    noc_->out.bind(links_[l]->regs);
    noc_->add_route(kLinkBase + l * kLinkStride, kLinkStride, 1 + n + l, true, "link" + std::to_string(l));
  }
  mgmt_->ext_socket().bind(bridge_->in);
  // Interrupts (mgmt_map.h): core 0's DMA block 0 -> MGMT_IRQ_DMA, its tensor
  // block -> MGMT_IRQ_TENSOR (the firmware's self-tests), core c ->
  // MGMT_IRQ_CORE(c) (cores 28.. share line 31).
  for (unsigned i = 1; i < MGMT_NUM_IRQS; ++i) {
    mgmt_irq_.push_back(std::make_unique<sc_core::sc_signal<bool>>(("mgmt_irq" + std::to_string(i)).c_str()));
    mgmt_->irq_in(i).bind(*mgmt_irq_.back());
  }
  SC_METHOD(irq_method);
  for (auto& s : core_irq_) sensitive << *s;
  if (n > 0) {
    sensitive << cores_[0]->tensor_irq();
    if (ndma_ > 0) sensitive << cores_[0]->dma_irq(0);
  }
  dont_initialize();

  if (!opt_.mgmt_elf.empty()) {
    mgmt_->load_elf(opt_.mgmt_elf);
  } else {
    // No firmware: the management core idles (wfi; j .) at its reset vector.
    const uint32_t idle[2] = {0x10500073u, 0xffdff06fu};
    mgmt_->rom().write_bytes(0, idle, sizeof idle);
  }

  if (opt_.trace) {
    noc_->set_trace(opt_.trace);
    for (auto& c : cores_) c->set_trace(opt_.trace);
  }
  alloc_next_ = opt_.alloc_base;
  flops_by_core_.assign(n, 0.0);
  register_stats();
  SC_THREAD(host_thread);
}

Chip::~Chip() = default;

NeuronCore& Chip::core(unsigned c) {
  if (c >= cores_.size())
    throw ChipError(std::string(name()) + ": core " + std::to_string(c) + " does not exist (" +
                    std::to_string(cores_.size()) + " cores)");
  return *cores_[c];
}

LinkEndpoint& Chip::link(unsigned l) {
  if (l >= links_.size())
    throw ChipError(std::string(name()) + ": link " + std::to_string(l) + " does not exist (" +
                    std::to_string(links_.size()) + " links)");
  return *links_[l];
}

void Chip::irq_method() {
  std::vector<bool> line(MGMT_NUM_IRQS, false);
  for (unsigned c = 0; c < core_irq_.size(); ++c)
    line[MGMT_IRQ_CORE(c)] = line[MGMT_IRQ_CORE(c)] || core_irq_[c]->read();
  if (!cores_.empty()) {
    line[MGMT_IRQ_TENSOR] = cores_[0]->tensor_irq().read();
    if (ndma_ > 0) line[MGMT_IRQ_DMA] = cores_[0]->dma_irq(0).read();
  }
  for (unsigned i = 1; i < MGMT_NUM_IRQS; ++i) mgmt_irq_[i - 1]->write(line[i]);
}

uint64_t Chip::hbm_alloc(uint64_t bytes, uint64_t align) {
  if (align == 0 || (align & (align - 1)))
    throw ChipError(std::string(name()) + ": hbm_alloc alignment " + std::to_string(align) + " is not a power of two");
  const uint64_t a = (alloc_next_ + align - 1) & ~(align - 1);
  const uint64_t cap = config::hbm_capacity_bytes(cfg_);
  if (a > cap || bytes > cap - a)
    throw ChipError(std::string(name()) + ": HBM full: " + std::to_string(bytes) + " bytes at " +
                    TraceWriter::hex(a) + " exceed the capacity of " + std::to_string(cap) + " bytes");
  alloc_next_ = a + bytes;
  return a;
}

kernels::Target Chip::target(unsigned c) {
  core(c);  // checks the index
  kernels::Target t;
  t.core = isa_core_config(cfg_);
  t.core_index = c;
  t.desc_base = (alloc_next_ + 63) & ~uint64_t(63);
  return t;
}

double Chip::program_flops(const isa::Program& p, config::DtypeClass* dtype) {
  double f = 0;
  bool fp8 = false, other = false;
  bool a8 = false;  // the loaded weights' dtype (a reuse_weights MATMUL has no A operand)
  for (const auto& in : p[isa::Engine::TENSOR]) {
    if (in.op != isa::Opcode::MATMUL) continue;
    // 2 x K (B's partitions) x N (D's partitions, = the weights' N) x M (B's elements).
    f += 2.0 * double(in.b.count) * double(in.d.count) * double(in.b.elems());
    if (in.load_weights) a8 = isa::dtype_bytes(in.a.dtype) == 1;
    const bool b8 = isa::dtype_bytes(in.b.dtype) == 1;
    (a8 && b8 ? fp8 : other) = true;
  }
  if (dtype) *dtype = fp8 && !other ? config::DtypeClass::kFp8 : config::DtypeClass::kBf16;
  return f;
}

Chip::PlacedKernel Chip::place_kernel(unsigned c, const kernels::Kernel& k) {
  core(c);  // checks the index
  if (k.desc_base % 32)
    throw ChipError(std::string(name()) + ": kernel '" + k.name + "': desc_base " + TraceWriter::hex(k.desc_base) +
                    " is not 32-byte aligned");
  PlacedKernel pk;
  const auto db = k.descriptor_bytes();
  if (!db.empty()) hbm_write(k.desc_base, db.data(), db.size());
  if (k.desc_base + db.size() > alloc_next_ && k.desc_base >= opt_.alloc_base) alloc_next_ = k.desc_base + db.size();
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    const auto& st = k.program.streams[e];
    if (st.empty()) continue;
    const auto bytes = isa::to_bytes(st);
    const uint64_t a = hbm_alloc(bytes.size(), 64);
    hbm_write(a, bytes.data(), bytes.size());
    pk.streams[e] = {a, uint32_t(st.size())};
  }
  // The kernel is over when every engine ended and every DMA it started
  // completed (a kernel need not wait for its last stores).
  for (const auto& st : k.program.streams)
    for (const auto& in : st)
      if (in.op == isa::Opcode::DMA_START && in.done_en) ++pk.dma_done[in.done_sem];
  return pk;
}

uint64_t Chip::place_launch_block(unsigned c, const kernels::Kernel& k, uint32_t timeout_us) {
  const PlacedKernel pk = place_kernel(c, k);
  mgmt_launch_block b{};
  b.magic = MGMT_LAUNCH_MAGIC;
  b.zero_sems = cfg_.core.semaphores;
  b.timeout_us = timeout_us;
  for (unsigned e = 0; e < isa::kNumEngines && e < MGMT_LAUNCH_ENGINES; ++e) {
    b.engine[e].prog_lo = uint32_t(pk.streams[e].addr);
    b.engine[e].prog_hi = uint32_t(pk.streams[e].addr >> 32);
    b.engine[e].count = pk.streams[e].count;
  }
  if (pk.dma_done.size() > MGMT_LAUNCH_MAX_WAITS)
    throw ChipError(std::string(name()) + ": kernel '" + k.name + "' signals " + std::to_string(pk.dma_done.size()) +
                    " DMA-done semaphores; a launch block waits for at most " +
                    std::to_string(MGMT_LAUNCH_MAX_WAITS));
  for (const auto& [sem, n] : pk.dma_done) {
    b.wait[b.num_waits].sem = sem;
    b.wait[b.num_waits].value = n;
    ++b.num_waits;
  }
  const uint64_t a = hbm_alloc(sizeof b, 64);
  if (a + sizeof b > kMgmtHbmSize)
    throw ChipError(std::string(name()) + ": launch block at " + TraceWriter::hex(a) +
                    " is outside the management core's HBM window (first 256 MiB)");
  hbm_write(a, &b, sizeof b);
  return a;
}

bool Chip::run_host(const std::function<void()>& host, const sc_time& limit) {
  if (sc_core::sc_get_status() == sc_core::SC_RUNNING)
    throw ChipError(std::string(name()) + ": run_host is called from outside the simulation (between sc_start()s)");
  if (sc_core::sc_get_status() == sc_core::SC_STOPPED || sc_core::sc_end_of_simulation_invoked()) return false;
  before_ = snapshot();
  const auto h0 = std::chrono::steady_clock::now();
  bool done = false;
  sc_core::sc_spawn_options o;
  sc_core::sc_spawn(
      [&host, &done]() {
        host();
        done = true;
        sc_core::sc_pause();
      },
      sc_core::sc_gen_unique_name("host"), &o);
  sc_core::sc_start(limit);
  last_host_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - h0).count();
  after_ = snapshot();
  return done;
}

void Chip::account_launches(const std::vector<KernelLaunch>& launches) {
  last_cores_.clear();
  last_flops_.clear();
  last_elapsed_ = SC_ZERO_TIME;
  sc_time a, b;
  for (std::size_t i = 0; i < launches.size(); ++i) {
    const KernelLaunch& l = launches[i];
    if (!l.kernel) throw ChipError(std::string(name()) + ": account_launches: null kernel");
    const NeuronCore& nc = core(l.core);
    config::DtypeClass dt = config::DtypeClass::kBf16;
    const double f = program_flops(l.kernel->program, &dt);
    last_cores_.push_back(l.core);
    last_flops_[dt] += f;
    flops_by_core_[l.core] += f;
    a = i == 0 ? nc.start_time() : std::min(a, nc.start_time());
    // The kernel ends with its last END or its last DMA (stores may outlive END).
    const sc_time end = std::max(nc.finish_time(), nc.last_dma_done() > nc.start_time() ? nc.last_dma_done() : SC_ZERO_TIME);
    b = i == 0 ? end : std::max(b, end);
  }
  if (b > a) last_elapsed_ = b - a;
  kernels_run_ += launches.size();
  update_stats();
}

KernelResult Chip::run_kernel(unsigned c, const kernels::Kernel& k, const sc_time& limit) {
  return run_kernels({KernelLaunch{c, &k}}, limit).at(0);
}

std::vector<KernelResult> Chip::run_kernels(const std::vector<KernelLaunch>& launches, const sc_time& limit) {
  const auto status = sc_core::sc_get_status();
  if (sc_core::sc_get_current_process_handle().valid() && status == sc_core::SC_RUNNING)
    throw ChipError(std::string(name()) + ": run_kernel is called from outside the simulation (between sc_start()s)");
  Job job;
  job.launches = launches;
  job.limit = limit > SC_ZERO_TIME ? limit : sc_time(1, sc_core::SC_SEC);
  std::vector<bool> busy(cores_.size(), false);
  for (const KernelLaunch& l : launches) {
    if (!l.kernel) throw ChipError(std::string(name()) + ": run_kernels: null kernel");
    core(l.core);
    if (busy[l.core])
      throw ChipError(std::string(name()) + ": run_kernels: two kernels on core " + std::to_string(l.core));
    busy[l.core] = true;
    PlacedKernel pk = place_kernel(l.core, *l.kernel);
    job.streams.push_back(pk.streams);
    job.dma_done.push_back(std::move(pk.dma_done));
  }
  if (status == sc_core::SC_STOPPED || sc_core::sc_end_of_simulation_invoked()) {
    for (const KernelLaunch& l : launches) {
      KernelResult r;
      r.name = l.kernel->name;
      r.core = l.core;
      r.error = "the simulation has been stopped (sc_stop); build a new chip to run more";
      job.results.push_back(r);
    }
    return job.results;
  }
  before_ = snapshot();
  job_ = &job;
  if (status == sc_core::SC_PAUSED) job_ev_.notify(SC_ZERO_TIME);
  const auto h0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  last_host_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - h0).count();
  job_ = nullptr;
  if (!job.done) {
    // The simulation stopped early (sc_stop elsewhere, a lockstep divergence, or
    // nothing left to run): report what each core knows.
    job.results.clear();
    for (const KernelLaunch& l : launches) {
      KernelResult r;
      r.name = l.kernel->name;
      r.core = l.core;
      const NeuronCore& nc = *cores_[l.core];
      r.error = nc.error() ? nc.error()->message
                           : "the simulation ended at " + sc_core::sc_time_stamp().to_string() +
                                 " before the kernel finished (sc_stop or no activity left)";
      job.results.push_back(r);
    }
  }
  after_ = snapshot();
  last_cores_.clear();
  last_flops_.clear();
  for (KernelResult& r : job.results) {
    last_cores_.push_back(r.core);
    r.flops = program_flops(launches[&r - job.results.data()].kernel->program, &r.flop_dtype);
    last_flops_[r.flop_dtype] += r.flops;
    flops_by_core_[r.core] += r.flops;
    r.instructions = launches[&r - job.results.data()].kernel->program.size();
  }
  last_elapsed_ = SC_ZERO_TIME;
  if (!job.results.empty()) {
    sc_time a = job.results[0].start, b = job.results[0].finish;
    for (const KernelResult& r : job.results) {
      a = std::min(a, r.start);
      b = std::max(b, r.finish);
    }
    last_elapsed_ = b - a;
  }
  kernels_run_ += launches.size();
  update_stats();
  return job.results;
}

void Chip::host_thread() {
  for (;;) {
    while (!job_ || job_->done) sc_core::wait(job_ev_);
    Job& j = *job_;
    const sc_time t0 = sc_core::sc_time_stamp();
    for (std::size_t i = 0; i < j.launches.size(); ++i) {
      NeuronCore& c = *cores_[j.launches[i].core];
      // Kernels count their semaphores up from zero.
      for (unsigned s = 0; s < c.config().core.semaphores; ++s) c.state().sem(s) = 0;
      c.load_and_start(j.streams[i]);
    }
    const sc_time deadline = t0 + j.limit;
    j.results.clear();
    for (std::size_t i = 0; i < j.launches.size(); ++i) {
      const KernelLaunch& l = j.launches[i];
      NeuronCore& c = *cores_[l.core];
      sc_time now = sc_core::sc_time_stamp();
      bool ok = false;
      if (now < deadline) ok = c.wait_done(deadline - now);
      sc_time finish = c.finish_time();
      if (ok) {
        // Drain: the kernel's DMAs complete (polled at the DMA clock).
        const sc_time poll = c.config().dma.period;
        auto drained = [&] {
          for (const auto& [sem, n] : j.dma_done[i])
            if (c.state().sem(sem) < n) return false;
          return true;
        };
        while (!drained() && !c.error() && sc_core::sc_time_stamp() < deadline) {
          sc_core::wait(poll);
          finish = sc_core::sc_time_stamp();
        }
        if (c.error() || !drained()) ok = false;
      }
      KernelResult r;
      r.name = l.kernel->name;
      r.core = l.core;
      r.ok = ok;
      r.start = t0;
      r.finish = ok || c.error() ? std::max(finish, t0) : sc_core::sc_time_stamp();
      if (!ok)
        r.error = c.error() ? c.error()->message
                            : std::string(c.name()) + ": kernel '" + l.kernel->name + "' did not finish within " +
                                  j.limit.to_string() + " of simulated time";
      j.results.push_back(r);
    }
    j.done = true;
    sc_core::sc_pause();
  }
}

// ---- statistics ------------------------------------------------------------------------

Chip::Snapshot Chip::snapshot() const {
  Snapshot s;
  s.at = sc_core::sc_time_stamp();
  for (const auto& c : cores_) {
    std::array<EngineCounters, isa::kNumEngines> a{};
    for (unsigned e = 0; e < isa::kNumEngines; ++e) a[e] = c->counters(isa::Engine(e));
    s.eng.push_back(a);
  }
  s.hbm = hbm_->total_stats();
  for (unsigned c = 0; c < cores_.size(); ++c)
    for (unsigned d = 0; d < ndma_; ++d) s.dma_bytes += noc_->initiator_stats(noc_in_of_dma(c, d)).bytes;
  return s;
}

void Chip::register_stats() {
  if (!opt_.stats) return;
  stats::Scope chip = opt_.stats->scope(prefix_);
  for (unsigned c = 0; c < cores_.size(); ++c) {
    stats::Scope cs = chip.scope("core" + std::to_string(c));
    std::array<EngStats, isa::kNumEngines> es{};
    for (unsigned e = 0; e < isa::kNumEngines; ++e) {
      stats::Scope s = cs.scope(kEngineNames[e]);
      es[e].instr = &s.counter("instructions", "instructions executed", "");
      es[e].busy = &s.counter("busy_cycles", "cycles with an instruction in progress (engine clock)", "cycles");
      es[e].sem = &s.counter("stall_sem_cycles", "cycles waiting for a semaphore", "cycles");
      es[e].dma = &s.counter("stall_dma_cycles", "cycles waiting to program a DMA queue", "cycles");
      es[e].tensor = &s.counter("stall_tensor_cycles", "cycles of tensor block back-pressure", "cycles");
      es[e].fetch = &s.counter("stall_fetch_cycles", "cycles waiting for instruction fetch", "cycles");
    }
    st_eng_.push_back(es);
    st_flops_.push_back(&cs.counter("tensor.flops", "FLOPs of the MATMULs executed (2 x K x N x M)", "FLOP"));
    st_tiles_.push_back(&cs.counter("tensor.matmul_tiles", "tensor block commands issued", ""));
    st_mm_model_.push_back(&cs.counter("tensor.matmul_model_cycles",
                                       "tensor cycles MATMULs held the engine beyond the block's own time "
                                       "(matmul_min_cycles, dtype rate)", "cycles"));
    st_dma_bytes_.push_back(&cs.counter("dma.bytes", "bytes moved by the core's DMA blocks (read + written)", "B"));
    st_dma_desc_.push_back(&cs.counter("dma.descriptors", "DMA descriptors completed", ""));
    st_fetch_bytes_.push_back(&cs.counter("fetch.bytes", "instruction bytes fetched", "B"));
  }
  st_hbm_rd_ = &chip.counter("hbm.bytes_read", "bytes read from HBM", "B");
  st_hbm_wr_ = &chip.counter("hbm.bytes_written", "bytes written to HBM", "B");
  st_hbm_hits_ = &chip.counter("hbm.row_hits", "row-buffer hits", "");
  st_hbm_miss_ = &chip.counter("hbm.row_misses", "row-buffer misses", "");
  st_hbm_err_ = &chip.counter("hbm.address_errors", "accesses outside HBM", "");
  st_hbm_qfull_ = &chip.counter("hbm.queue_full", "requests that found a channel queue full (hbm.queue_depth)", "");
  st_hbm_qwait_ = &chip.counter("hbm.queue_wait_ns", "their total wait for a queue entry", "ns");
  st_noc_bytes_ = &chip.counter("noc.bytes", "bytes through the interconnect (all initiator ports)", "B");
  st_noc_unmapped_ = &chip.counter("noc.unmapped", "accesses to no route (address errors)", "");
  st_kernels_ = &chip.counter("kernels", "kernels run", "");
  st_sim_ns_ = &chip.gauge("sim_time_ns", "simulated time at the last update", "ns");
}

void Chip::update_stats() {
  if (!opt_.stats) return;
  for (unsigned c = 0; c < cores_.size(); ++c) {
    const NeuronCore& nc = *cores_[c];
    for (unsigned e = 0; e < isa::kNumEngines; ++e) {
      const EngineCounters& k = nc.counters(isa::Engine(e));
      st_eng_[c][e].instr->value = k.instructions;
      st_eng_[c][e].busy->value = k.busy_cycles;
      st_eng_[c][e].sem->value = k.stall_sem;
      st_eng_[c][e].dma->value = k.stall_dma;
      st_eng_[c][e].tensor->value = k.stall_tensor;
      st_eng_[c][e].fetch->value = k.stall_fetch;
    }
    st_flops_[c]->value = uint64_t(flops_by_core_[c]);
    st_tiles_[c]->value = nc.matmul_tiles();
    st_mm_model_[c]->value = nc.matmul_model_cycles();
    uint64_t db = 0, nd = 0;
    for (unsigned d = 0; d < ndma_; ++d) db += noc_->initiator_stats(noc_in_of_dma(c, d)).bytes;
    for (unsigned q = 0; q < nc.config().core.dma_queues; ++q) nd += nc.dma_counters(q).descriptors;
    st_dma_bytes_[c]->value = db;
    st_dma_desc_[c]->value = nd;
    st_fetch_bytes_[c]->value = noc_->initiator_stats(c * (1 + ndma_)).bytes;
  }
  const HbmChannelStats h = hbm_->total_stats();
  st_hbm_rd_->value = h.bytes_read;
  st_hbm_wr_->value = h.bytes_written;
  st_hbm_hits_->value = h.row_hits;
  st_hbm_miss_->value = h.row_misses;
  st_hbm_err_->value = hbm_->address_errors();
  st_hbm_qfull_->value = h.queue_full;
  st_hbm_qwait_->value = uint64_t(h.queue_wait.to_seconds() * 1e9 + 0.5);
  uint64_t nb = 0;
  const unsigned nin = unsigned(cores_.size()) * (1 + ndma_) + 1 + unsigned(links_.size());
  for (unsigned i = 0; i < nin; ++i) nb += noc_->initiator_stats(i).bytes;
  st_noc_bytes_->value = nb;
  st_noc_unmapped_->value = noc_->unmapped();
  st_kernels_->value = kernels_run_;
  st_sim_ns_->set(sc_core::sc_time_stamp().to_seconds() * 1e9);
}

std::string Chip::stats_json() const {
  if (!opt_.stats) return "{}";
  return opt_.stats->to_json(prefix_);
}

ChipSummary Chip::summary() const {
  ChipSummary s;
  s.preset = cfg_.name;
  s.functional = opt_.functional;
  s.host_seconds = last_host_s_;
  s.core_ids = last_cores_;
  s.cores_used = unsigned(last_cores_.size());
  s.elapsed = last_elapsed_;
  const double secs = s.elapsed.to_seconds();
  s.flops = last_flops_;
  double total = 0;
  for (const auto& [d, f] : last_flops_) total += f;
  s.flops_per_s = secs > 0 ? total / secs : 0;
  for (const auto& [d, f] : last_flops_) s.peak_flops_per_s[d] = config::peak_flops_per_core(cfg_, d) * s.cores_used;
  const uint64_t hb1 = after_.hbm.bytes_read + after_.hbm.bytes_written,
                 hb0 = before_.hbm.bytes_read + before_.hbm.bytes_written;
  s.hbm_bytes = hb1 - hb0;
  s.hbm_bytes_per_s = secs > 0 ? double(s.hbm_bytes) / secs : 0;
  s.hbm_peak_bytes_per_s = config::hbm_peak_bytes_per_s(cfg_);
  s.hbm_row_hits = after_.hbm.row_hits - before_.hbm.row_hits;
  s.hbm_row_misses = after_.hbm.row_misses - before_.hbm.row_misses;
  s.dma_bytes = after_.dma_bytes - before_.dma_bytes;
  s.dma_peak_bytes_per_s = config::dma_peak_bytes_per_s_per_core(cfg_) * s.cores_used;
  for (unsigned c : last_cores_) {
    std::vector<EngineUse> v;
    const NeuronCoreConfig& nc = cores_[c]->config();
    for (unsigned e = 0; e < isa::kNumEngines; ++e) {
      const EngineCounters& a = after_.eng.at(c)[e];
      const EngineCounters& b = before_.eng.at(c)[e];
      const sc_time period = e == unsigned(isa::Engine::TENSOR) ? nc.tensor.period : nc.engines[e].period;
      EngineUse u;
      u.engine = kEngineNames[e];
      u.instructions = a.instructions - b.instructions;
      u.utilization = secs > 0 ? double(a.busy_cycles - b.busy_cycles) * period.to_seconds() / secs : 0;
      u.stall_sem = a.stall_sem - b.stall_sem;
      u.stall_dma = a.stall_dma - b.stall_dma;
      u.stall_tensor = a.stall_tensor - b.stall_tensor;
      u.stall_fetch = a.stall_fetch - b.stall_fetch;
      v.push_back(u);
    }
    s.engines.push_back(v);
  }
  return s;
}

std::string ChipSummary::text() const {
  std::ostringstream o;
  char b[256];
  auto line = [&](const char* fmt, auto... a) {
    std::snprintf(b, sizeof b, fmt, a...);
    o << b << "\n";
  };
  line("chip summary: preset %s, %u core(s) used, %s", preset.c_str(), cores_used,
       functional ? "functional" : "timing-only");
  line("  simulated time      %.3f us   (host %.3f s)", elapsed.to_seconds() * 1e6, host_seconds);
  const double secs = elapsed.to_seconds();
  for (const auto& [d, f] : flops) {
    const double peak = peak_flops_per_s.count(d) ? peak_flops_per_s.at(d) : 0;
    const double got = secs > 0 ? f / secs : 0;
    line("  FLOP/s (%-5s)      %.4g achieved of %.4g peak = %.1f%%   (%.4g FLOP)", config::to_string(d), got, peak,
         peak > 0 ? 100 * got / peak : 0.0, f);
  }
  line("  HBM bandwidth       %.4g B/s of %.4g peak = %.1f%%   (%llu B, row hits %llu, misses %llu)",
       hbm_bytes_per_s, hbm_peak_bytes_per_s, hbm_peak_bytes_per_s > 0 ? 100 * hbm_bytes_per_s / hbm_peak_bytes_per_s : 0.0,
       static_cast<unsigned long long>(hbm_bytes), static_cast<unsigned long long>(hbm_row_hits),
       static_cast<unsigned long long>(hbm_row_misses));
  line("  DMA bytes           %llu (read + written), %.4g B/s; engine peak %.4g B/s per direction",
       static_cast<unsigned long long>(dma_bytes), secs > 0 ? double(dma_bytes) / secs : 0.0, dma_peak_bytes_per_s);
  line("  %-6s %-7s %8s %10s %12s %12s %12s %12s", "core", "engine", "util%", "instr", "stall_sem", "stall_dma",
       "stall_tensor", "stall_fetch");
  for (std::size_t i = 0; i < engines.size(); ++i)
    for (const EngineUse& u : engines[i])
      line("  %-6u %-7s %8.1f %10llu %12llu %12llu %12llu %12llu", core_ids[i], u.engine.c_str(),
           100 * u.utilization, static_cast<unsigned long long>(u.instructions),
           static_cast<unsigned long long>(u.stall_sem), static_cast<unsigned long long>(u.stall_dma),
           static_cast<unsigned long long>(u.stall_tensor), static_cast<unsigned long long>(u.stall_fetch));
  return o.str();
}

}  // namespace trnsim::chip
