// Cycle-by-cycle driver of a Verilated DMA engine: an AXI4-Lite master for
// its CSRs and an Axi4Mem slave memory (with its protocol checker) on its
// AXI4 master port, stepped together one clock at a time. On top: the
// firmware sequence (program a queue, place descriptors in its ring, ring the
// doorbell, wait) and a runner for a list of descriptors that reports cycles
// and bytes, for tests and benchmarks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/axi4_mem.h"
#include "common/axil_agent.h"
#include "dma/dma_rtl.h"

namespace trnsim::cosim {

// One descriptor (layout "desc" of rtl/regs/dma.json).
struct DmaDesc {
  uint64_t src = 0, dst = 0;
  uint32_t len = 0;         // bytes per row
  uint32_t rows = 1;        // 16-bit field
  uint32_t src_stride = 0, dst_stride = 0;
  bool irq = false, last = false, cpl = false;
  std::array<uint8_t, 32> encode() const;
};

struct DmaWindow {
  uint64_t base = 0, limit = 0;  // [base, limit)
};

struct DmaQueueSetup {
  uint64_t ring_base = 0;
  uint32_t entries = 0;
  uint64_t cpl_base = 0;
  std::array<DmaWindow, 2> windows{};
};

struct DmaQueueStatus {
  bool busy = false, error = false, paused = false;
  uint32_t code = 0;       // regs::dma::ErrCode
  uint32_t head = 0;
  uint64_t err_addr = 0;
};

struct DmaCounters {
  uint32_t bytes_moved = 0, descs_done = 0, busy_cycles = 0, stall_cycles = 0, errors = 0;
};

class DmaDriver {
 public:
  DmaDriver(std::unique_ptr<DmaRtl> rtl, const Axi4MemConfig& mem_cfg);
  ~DmaDriver();

  const DmaConfig& config() const { return rtl_->config(); }
  DmaRtl& rtl() { return *rtl_; }
  Axi4Mem& mem() { return mem_; }
  uint64_t cycle() const { return cycle_; }
  bool irq() const { return out_.irq; }

  // Holds reset for a few cycles; memory contents are kept.
  void reset();
  void run_cycles(uint64_t n);

  // Blocking CSR access (the engine and memory keep running).
  uint32_t csr_read(uint32_t addr, uint8_t* resp = nullptr);
  uint8_t csr_write(uint32_t addr, uint32_t data, uint8_t strb = 0xF);

  // Per-queue CSR address: the queue-0 offset plus q times the queue stride.
  static uint32_t qreg(unsigned q, uint32_t q0_offset);

  // Firmware sequence.
  void setup_queue(unsigned q, const DmaQueueSetup& s, bool enable = true);
  void enable_queue(unsigned q, bool enable);
  void reset_queue(unsigned q);
  void resume_queue(unsigned q);
  // Writes the descriptor into the ring at the software tail, then the doorbell
  // (TAIL). Returns the ring index used.
  uint32_t push(unsigned q, const DmaDesc& d);
  // Several descriptors, one doorbell.
  void push_many(unsigned q, const std::vector<DmaDesc>& ds);
  uint32_t sw_tail(unsigned q) const { return tail_[q]; }
  DmaQueueStatus queue_status(unsigned q);
  DmaCounters counters();
  // Polls until HEAD == software tail or the queue stopped (error or pause),
  // and the engine is no longer busy with it. Throws std::runtime_error after
  // max_cycles.
  DmaQueueStatus wait_queue(unsigned q, uint64_t max_cycles = 2000000);
  // Waits until every queue in mask is done or stopped.
  void wait_all(unsigned mask, uint64_t max_cycles = 4000000);

 private:
  void tick();
  void csr_blocking(bool write, uint32_t addr, uint32_t data, uint8_t strb, uint64_t max_cycles);

  std::unique_ptr<DmaRtl> rtl_;
  Axi4Mem mem_;
  uint64_t cycle_ = 0;
  bool in_reset_ = false;
  DmaPinsIn in_;
  DmaPinsOut out_;
  AxilAgent csr_;  // the AXI4-Lite master on the CSR port
  std::array<uint32_t, 4> tail_{};
  std::array<DmaQueueSetup, 4> setup_{};
};

}  // namespace trnsim::cosim
