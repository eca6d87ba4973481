// Chip: the top of one Trainium-class chip, built from a ChipConfig
// (common/config.h) in loops driven by it (docs/chip.md, "The chip top").
//
//   cores x NeuronCore   fetch and dma_mem(d) -> Noc.in; Noc.out -> local
//   Hbm                  one target behind Noc.out[0] (all stacks)
//   Noc                  routes the chip map (chip_map.h); a miss answers
//                        TLM_ADDRESS_ERROR_RESPONSE
//   MgmtSubsystem        its 32-bit external window goes through MgmtBridge
//                        onto chip addresses; intc lines (mgmt_map.h): core 0 DMA 0 -> 1,
//                        core 0 tensor -> 2, core c irq -> 3 + c (MGMT_IRQ_CORE)
//   links x LinkEndpoint registers on the Noc, tx/rx sockets for the fabric
//
// The host API (hbm_write/read, run_kernel) is called from outside the
// simulation, between sc_start()s: run_kernel places a kernel in HBM, starts
// it, runs the simulation until it ends (sc_pause) and returns its times.
// Statistics go into a stats::Registry under the chip's name; summary()
// reports the last run against the preset's peaks.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chip/chip_config.h"
#include "chip/chip_map.h"
#include "chip/hbm.h"
#include "chip/neuron_core.h"
#include "chip/noc.h"
#include "common/config.h"
#include "common/fidelity.h"
#include "common/reg_file.h"
#include "common/stats.h"
#include "kernels/kernels.h"
#include "mgmt/mgmt_subsystem.h"

namespace trnsim {
class TraceWriter;
}

namespace trnsim::chip {

// ---- the management core's window onto the chip ---------------------------------
// 32-bit management addresses (MGMT_EXT_BASE .. +MGMT_EXT_SIZE) -> chip addresses:
inline constexpr uint32_t kMgmtCoreWindow = 0x2000'0000;  // + c x kMgmtCoreStride:
inline constexpr uint32_t kMgmtCoreStride = 0x0100'0000;  //   core c's kCoreCtrlOffset.. (ctrl, tensor, DMA CSRs)
inline constexpr uint32_t kMgmtHbmWindow = 0x6000'0000;   // + x: HBM x (first 256 MiB)
inline constexpr uint32_t kMgmtHbmSize = 0x1000'0000;
inline constexpr uint32_t kMgmtLinkWindow = 0x7000'0000;  // + l x kLinkStride: link endpoint l registers
inline constexpr unsigned kMgmtMaxCores = 64;
// Translates a management address; false if it is in no window.
bool mgmt_to_chip(uint64_t mgmt_addr, uint64_t len, unsigned cores, unsigned links, uint64_t& chip_addr);

// ---- chip-to-chip link endpoint ---------------------------------------------------
// The fabric's end of a link, ready to be bound (sockets may stay unbound):
//   regs    target     registers on the chip map (kLinkBase + l x kLinkStride):
//                        0x00 ID (link index, RO)   0x04 STATUS (bit 0: tx bound, RO)
//                        0x08 CTRL (bit 0: enable)  0x10/0x14 TX_BYTES lo/hi (RO)
//                        0x18/0x1c RX_BYTES lo/hi (RO)
//   tx      initiator  to the fabric: send() puts a transaction on the link
//   rx      target     from the fabric: forwarded into the chip's Noc through to_noc
// Each direction is a serialising resource of gb_per_s with latency_ns.
struct LinkConfig {
  unsigned index = 0;
  double bytes_per_ns = 16;
  sc_core::sc_time latency = sc_core::sc_time(100, sc_core::SC_NS);
};

class LinkEndpoint : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<LinkEndpoint> regs;
  tlm_utils::simple_initiator_socket_optional<LinkEndpoint> tx;
  tlm_utils::simple_target_socket_optional<LinkEndpoint> rx;
  tlm_utils::simple_initiator_socket<LinkEndpoint> to_noc;

  LinkEndpoint(sc_core::sc_module_name name, const LinkConfig& cfg);
  // Sends gp over the link (bandwidth, latency); TLM_INCOMPLETE_RESPONSE
  // left unchanged -> TLM_GENERIC_ERROR_RESPONSE when tx is unbound or the
  // link disabled.
  void send(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  uint64_t tx_bytes() const { return tx_bytes_; }
  uint64_t rx_bytes() const { return rx_bytes_; }
  const LinkConfig& config() const { return cfg_; }

 private:
  void regs_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void rx_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  sc_core::sc_time occupy(sc_core::sc_time& free, uint64_t bytes, const sc_core::sc_time& at) const;
  LinkConfig cfg_;
  uint32_t ctrl_ = 1;
  uint64_t tx_bytes_ = 0, rx_bytes_ = 0;
  sc_core::sc_time tx_free_, rx_free_;
};

// ---- the chip ------------------------------------------------------------------------
struct ChipOptions {
  bool functional = true;             // false: timing only (engines compute nothing; same cycles)
  TraceWriter* trace = nullptr;       // not owned: one track per engine, DMA queue, NoC port
  stats::Registry* stats = nullptr;   // not owned: counters under stats_prefix
  std::string stats_prefix;           // "" -> the module name
  std::optional<Fidelity> tensor_fidelity, dma_fidelity;  // override ChipConfig.fidelity
  // Block factories. Empty: the fast TLM forms, which is all this library
  // builds; rtl and lockstep need chip/chip_cosim.h (trnsim::chip_cosim).
  TensorFactory make_tensor;
  DmaFactory make_dma;
  // rtl and lockstep blocks write their waveform to <wave_dir>/<block>.fst
  // (e.g. chip0.core0.tensor.fst); applied by use_cosim_blocks. "": none.
  std::string wave_dir;
  sc_core::sc_time quantum = sc_core::sc_time(100, sc_core::SC_NS);  // global quantum if unset
  std::string mgmt_elf;               // firmware for the management core ("": it idles in WFI)
  bool mgmt_stop_on_exit = false;     // firmware EXIT stops the simulation
  bool mgmt_uart_echo = true;         // false: the UART is not echoed to the console
  uint64_t alloc_base = 64ull << 20;  // hbm_alloc starts here (below: free for callers)
};

// One kernel launched by run_kernel(s).
struct KernelLaunch {
  unsigned core = 0;
  const kernels::Kernel* kernel = nullptr;
};

struct KernelResult {
  std::string name;
  unsigned core = 0;
  bool ok = false;
  std::string error;                  // core error, timeout, or simulation ended early
  sc_core::sc_time start, finish;     // simulated
  uint64_t instructions = 0;
  double flops = 0;                   // 2 x K x N x M of every MATMUL
  config::DtypeClass flop_dtype = config::DtypeClass::kBf16;
  sc_core::sc_time elapsed() const { return finish - start; }
};

// What summary() reports: the last run_kernel(s) batch.
struct EngineUse {
  std::string engine;
  double utilization = 0;  // busy time / elapsed
  uint64_t instructions = 0;
  uint64_t stall_sem = 0, stall_dma = 0, stall_tensor = 0, stall_fetch = 0;  // cycles
};
struct ChipSummary {
  std::string preset;
  unsigned cores_used = 0;
  bool functional = true;
  sc_core::sc_time elapsed;
  double host_seconds = 0;
  std::map<config::DtypeClass, double> flops;  // executed, per dtype class
  double flops_per_s = 0;                      // all classes
  std::map<config::DtypeClass, double> peak_flops_per_s;  // of the cores used
  uint64_t hbm_bytes = 0;
  double hbm_bytes_per_s = 0, hbm_peak_bytes_per_s = 0;
  uint64_t hbm_row_hits = 0, hbm_row_misses = 0;
  uint64_t dma_bytes = 0;          // moved by DMA blocks (NoC bytes on their ports)
  double dma_peak_bytes_per_s = 0; // of the cores used
  std::vector<std::vector<EngineUse>> engines;  // [core used][engine]
  std::vector<unsigned> core_ids;
  std::string text() const;        // the table
};

class Chip : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Chip);
  // Throws ChipError / config::ConfigError naming the problem.
  Chip(sc_core::sc_module_name name, const config::ChipConfig& cfg, const ChipOptions& opt = {});
  ~Chip() override;

  const config::ChipConfig& config() const { return cfg_; }
  const ChipOptions& options() const { return opt_; }
  unsigned num_cores() const { return unsigned(cores_.size()); }
  NeuronCore& core(unsigned c);
  Hbm& hbm() { return *hbm_; }
  Noc& noc() { return *noc_; }
  mgmt::MgmtSubsystem& mgmt() { return *mgmt_; }
  unsigned num_links() const { return unsigned(links_.size()); }
  LinkEndpoint& link(unsigned l);
  Fidelity tensor_fidelity() const { return tensor_fid_; }
  Fidelity dma_fidelity() const { return dma_fid_; }

  // ---- host API (outside the simulation) ----------------------------------------
  void hbm_write(uint64_t addr, const void* src, uint64_t len) { hbm_->write_bytes(addr, src, len); }
  void hbm_read(uint64_t addr, void* dst, uint64_t len) const { hbm_->read_bytes(addr, dst, len); }
  // Bump allocator over HBM from options().alloc_base; throws ChipError when full.
  uint64_t hbm_alloc(uint64_t bytes, uint64_t align = 64);
  // The kernel's Target on core c: descriptors at the next free HBM (call
  // hbm_alloc for the kernel's tensors first; run_kernel reserves the
  // descriptor and program space after it).
  kernels::Target target(unsigned core);

  // Places each kernel's descriptors (at its desc_base) and streams in HBM,
  // starts every launch on its core at the same time, runs the simulation
  // until all are done (or one fails, or `limit` of simulated time passes:
  // 0 = 1 s), and returns per launch. Statistics are updated.
  std::vector<KernelResult> run_kernels(const std::vector<KernelLaunch>& launches,
                                        const sc_core::sc_time& limit = sc_core::SC_ZERO_TIME);
  KernelResult run_kernel(unsigned core, const kernels::Kernel& k,
                          const sc_core::sc_time& limit = sc_core::SC_ZERO_TIME);

  // A kernel placed in HBM: what starting it needs.
  struct PlacedKernel {
    std::array<NeuronCore::Stream, isa::kNumEngines> streams{};  // per engine: address, count
    std::map<unsigned, uint32_t> dma_done;  // done semaphore -> DMA_STARTs (the kernel's DMAs are complete)
  };
  // Writes the kernel's descriptors (at its desc_base, 32-byte aligned) and
  // its instruction streams (hbm_alloc) into HBM. Backdoor writes: call it
  // outside the simulation (run_kernel(s) and the firmware launch use it).
  PlacedKernel place_kernel(unsigned core, const kernels::Kernel& k);
  // place_kernel, then the launch block of the firmware's KERNEL_LAUNCH
  // (mgmt/mgmt_launch.h: streams, semaphores to zero, the DMA semaphores to
  // wait for, timeout_us; 0 = the firmware's default) in HBM. Returns its HBM
  // address: mailbox KERNEL_LAUNCH, ARG0 = core, ARG1 = this address.
  uint64_t place_launch_block(unsigned core, const kernels::Kernel& k, uint32_t timeout_us = 0);

  // Runs the simulation with `host` in a thread of its own (e.g. mailbox
  // calls: mgmt().mailbox().call(...)) until it returns (true) or `limit` of
  // simulated time passes, or the simulation stops (false). Call outside the
  // simulation, like run_kernel.
  bool run_host(const std::function<void()>& host, const sc_core::sc_time& limit);
  // After a run_host in which kernels ran on cores some other way (firmware
  // KERNEL_LAUNCH): makes summary() and the statistics describe them, as
  // run_kernels does for its own launches. Each launch's core must have
  // finished; the elapsed time is from the earliest start to the latest
  // END or DMA completion of those cores (NeuronCore::start_time,
  // finish_time, last_dma_done), the counter
  // deltas are since the run_host began. Throws ChipError for an unknown core.
  void account_launches(const std::vector<KernelLaunch>& launches);

  // ---- statistics ------------------------------------------------------------------
  void update_stats();              // copies the models' counters into the registry
  std::string stats_json() const;   // the chip's part of the registry ("{}" without one)
  ChipSummary summary() const;      // the last run_kernel(s)
  std::string stats_prefix() const { return prefix_; }

  // Static FLOP count of a program's MATMULs (2 x K x N x M each) and their dtype class.
  static double program_flops(const isa::Program& p, config::DtypeClass* dtype = nullptr);

 private:
  struct Snapshot {
    sc_core::sc_time at;
    std::vector<std::array<EngineCounters, isa::kNumEngines>> eng;
    HbmChannelStats hbm;
    uint64_t dma_bytes = 0;
  };
  struct Job {
    std::vector<KernelLaunch> launches;
    std::vector<std::array<NeuronCore::Stream, isa::kNumEngines>> streams;
    std::vector<std::map<unsigned, uint32_t>> dma_done;  // per launch: done semaphore -> DMA_STARTs
    sc_core::sc_time limit;
    bool done = false;
    std::vector<KernelResult> results;
  };
  class MgmtBridge;

  void host_thread();
  void irq_method();
  void register_stats();
  Snapshot snapshot() const;
  unsigned noc_in_of_dma(unsigned core, unsigned d) const { return core * (1 + ndma_) + 1 + d; }

  config::ChipConfig cfg_;
  ChipOptions opt_;
  std::string prefix_;
  Fidelity tensor_fid_, dma_fid_;
  unsigned ndma_ = 1;
  std::unique_ptr<Hbm> hbm_;
  std::unique_ptr<Noc> noc_;
  std::vector<std::unique_ptr<NeuronCore>> cores_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> core_irq_;
  std::unique_ptr<mgmt::MgmtSubsystem> mgmt_;
  std::unique_ptr<MgmtBridge> bridge_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> mgmt_irq_;  // lines 1..31
  std::vector<std::unique_ptr<LinkEndpoint>> links_;

  uint64_t alloc_next_ = 0;
  Job* job_ = nullptr;
  sc_core::sc_event job_ev_;
  Snapshot before_, after_;
  std::vector<unsigned> last_cores_;
  std::map<config::DtypeClass, double> last_flops_;
  double last_host_s_ = 0;
  sc_core::sc_time last_elapsed_;
  std::vector<double> flops_by_core_;

  // Registry entries (null without a registry).
  struct EngStats { stats::Counter *instr, *busy, *sem, *dma, *tensor, *fetch; };
  std::vector<std::array<EngStats, isa::kNumEngines>> st_eng_;
  std::vector<stats::Counter*> st_flops_, st_tiles_, st_mm_model_, st_dma_bytes_, st_fetch_bytes_, st_dma_desc_;
  stats::Counter *st_hbm_rd_ = nullptr, *st_hbm_wr_ = nullptr, *st_hbm_hits_ = nullptr, *st_hbm_miss_ = nullptr,
                 *st_hbm_err_ = nullptr, *st_noc_bytes_ = nullptr, *st_noc_unmapped_ = nullptr,
                 *st_kernels_ = nullptr, *st_hbm_qfull_ = nullptr, *st_hbm_qwait_ = nullptr;
  stats::Gauge* st_sim_ns_ = nullptr;
  uint64_t kernels_run_ = 0;
};

}  // namespace trnsim::chip
