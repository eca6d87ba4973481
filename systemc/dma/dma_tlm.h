// DmaTlm: the fast TLM-2.0 model of the DMA engine (rtl/dma/, docs/dma.md).
//
// What is exact (the property lockstep checks): the CSRs (same register file,
// built from the generated kRegisters table), queue arbitration (round robin
// over the four queue slots, one descriptor per grant), the error checks in
// the RTL's order with the same codes and error addresses, and the memory
// transactions per channel, in order: the descriptor fetch (address aligned
// down to the bus, max(32, bus) bytes), the data read bursts (row by row,
// beat aligned, at most MaxBurstBeats, never across 4 KiB), the write bursts
// with the realigner's data and WSTRB (including the bytes under disabled
// strobes: the realigner's "previous beat" register is carried across rows
// and descriptors as in dma_realign.sv) and the completion-record write.
//
// Timing: not a cycle model, but a per-beat analytical schedule in cycles of
// cfg.period computed without wait(): AR/AW issue limited by MaxOutstanding
// and the read FIFO's space, R beats one per cycle after the memory's
// returned delay, the realigner (one beat per cycle, one setup cycle per
// row), the 4-deep destination queue, W one beat per cycle behind its AW, B
// from the memory's returned delay. Pipeline constants (kTiming below) were
// measured against the RTL with DmaDriver + Axi4Mem. The engine thread runs
// ahead of SystemC time (local clock) and synchronises once per descriptor
// and whenever it gets more than the global quantum ahead (1000 cycles if the
// quantum is 0). The memory's address/data channels never back-pressure in
// TLM, so STALL_CYCLES stays 0 (the RTL counts AR/AW/W stalls).
//
// Approximations (documented in the report):
//   * BUSY_CYCLES counts whole descriptors (added when a descriptor ends);
//     STALL_CYCLES is always 0.
//   * After a data error the RTL keeps issuing the bursts whose AR/AW
//     handshake happens before the abort, and sends the W beats owed to
//     issued AWs with WSTRB = 0. The model reproduces this from its own
//     schedule, so the bursts and strobes match the RTL exactly when the
//     schedule matches its cycles (it does against Axi4Mem with fixed
//     latency and no back-pressure; test_dma_tlm.cpp checks latency 1, 3,
//     20); data under a zero strobe after an abort is not meaningful (the
//     RTL sends a stale FIFO entry).
//   * Memories that back-pressure AR/AW/W or leave gaps on R/B (Axi4Mem's
//     *_ready_p/*_valid_p < 1) have no TLM equivalent: then the burst
//     sequence stays identical in error-free runs, but cycles differ.
//
// Measured against the RTL (DmaDriver + Axi4Mem, same latency both ways,
// test "dma tlm: same bursts as the RTL ..."): identical read and write
// payloads (address, length, data including disabled lanes, strobes) and
// total cycles within 3 cycles (0.01 %) for a 1 MiB copy and exact for
// 32 x 64 B, a 2-D copy and a random unaligned mix, at latency 1, 20, 100
// (q4_d256) and 7 (q2_d64).
//   * A queue reset while one of its descriptors runs (abandon) takes effect
//     at the next synchronisation point of the engine thread, not at the
//     exact cycle; bursts already scheduled beyond it may have been issued.
//   * CSR writes take effect when b_transport is called (plus the annotated
//     delay for waking the engine).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "common/reg_file.h"
#include "dma/dma_block.h"

namespace trnsim::dma {

// Pipeline constants in cycles (measured against rtl/dma with Axi4Mem).
struct DmaTlmTiming {
  unsigned csr_to_pick = 2;     // CSR write (doorbell) -> the arbiter sees the queue
  unsigned pick_to_fetch = 1;   // StIdle (pick) -> descriptor AR handshake
  unsigned fetch_to_start = 1;  // last descriptor R beat -> job_start (StCheck)
  unsigned start_to_ar = 1;     // job_start -> first data AR / AW
  unsigned end_to_idle = 2;     // wr_idle seen -> StIdle (StDone/StFail one cycle)
  unsigned csr_latency = 1;     // annotated on every CSR access
};

class DmaTlm : public DmaBlock {
 public:
  SC_HAS_PROCESS(DmaTlm);
  DmaTlm(sc_core::sc_module_name name, const DmaBlockConfig& cfg,
         const DmaTlmTiming& timing = DmaTlmTiming{});

  const char* fidelity() const override { return "tlm"; }

  // Lockstep fault injection: XOR `xor_mask` into byte `byte` of the data of
  // the write payload with index `write_index` (0-based, every write payload
  // issued on `mem` since construction, completion records included).
  void inject_fault(uint64_t write_index, unsigned byte, uint8_t xor_mask);

  // Statistics of the model itself.
  uint64_t read_payloads() const { return n_reads_; }
  uint64_t write_payloads() const { return n_writes_; }
  // Cycle (of cfg.period) at which the engine last became idle.
  uint64_t last_idle_cycle() const { return last_idle_cycle_; }

 private:
  struct Desc {
    uint64_t src = 0, dst = 0;
    uint32_t len = 0, rows = 0, src_stride = 0, dst_stride = 0;
    bool irq = false, last = false, cpl = false;
  };
  struct QueueState {
    uint32_t head = 0;
    bool error = false, paused = false;
    uint32_t code = 0;
    uint64_t err_addr = 0;
    uint64_t reset_count = 0;  // CTRL.RESET pulses seen
  };
  // Outcome of the data phase / completion record.
  struct RunResult {
    uint64_t end = 0;          // cycle the engine is back in StIdle
    uint32_t code = 0;         // 0: ok
    uint64_t err_addr = 0;
    bool abandoned = false;
  };

  void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
  uint32_t hw_in(uint32_t offset) const;
  void on_csr_write(uint32_t offset, uint32_t value, uint32_t bytes);
  void update_irq();
  void drive_irq();

  void engine();
  int arbitrate();
  bool queue_req(unsigned q) const;
  bool ring_ok(unsigned q) const;
  uint64_t qreg64(unsigned q, uint32_t lo_q0) const;
  uint32_t qreg(unsigned q, uint32_t q0) const;

  // One descriptor of queue q picked at cycle `pick`; returns the idle cycle.
  uint64_t run_descriptor(unsigned q, uint64_t pick);
  RunResult run_data(unsigned q, const Desc& d, uint64_t start);
  bool in_windows(unsigned q, uint64_t addr, uint32_t rows, uint32_t stride, uint32_t len) const;

  // Memory access at absolute cycle `t` (>= now); returns the response cycle.
  uint64_t mem_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                      const uint8_t* be, bool& ok, uint64_t t);
  uint64_t now_cycle() const;
  void sync_to(uint64_t t);
  bool abandoned(unsigned q) const { return qs_[q].reset_count != run_reset_count_; }

  DmaTlmTiming tim_;
  unsigned B_;  // bus bytes
  RegFile regs_;
  std::array<QueueState, 4> qs_{};
  unsigned arb_ptr_ = 0;
  bool busy_ = false;
  unsigned aq_ = 0;
  uint64_t run_reset_count_ = 0;
  uint32_t bytes_moved_ = 0, descs_done_ = 0, busy_cycles_ = 0, stall_cycles_ = 0, errors_ = 0;
  uint64_t engine_free_ = 0;  // cycle the engine is back in StIdle
  uint64_t last_idle_cycle_ = 0;
  std::vector<uint8_t> prev_;  // dma_realign's prev_q
  sc_core::sc_event wake_ev_, irq_ev_;
  bool irq_level_ = false;
  uint64_t n_reads_ = 0, n_writes_ = 0;
  struct Fault {
    uint64_t index;
    unsigned byte;
    uint8_t mask;
  };
  std::vector<Fault> faults_;
  tlm::tlm_generic_payload gp_;
  uint64_t quantum_cycles_ = 1000;
  // run_data's per-beat buffers, reused from descriptor to descriptor.
  struct RunBuffers {
    std::vector<uint8_t> src_data, dst_data, dst_strb, dst_full, wdata, wstrb;
    std::vector<uint64_t> src_avail, src_pop, slot_arrive, dst_load;
    std::vector<int64_t> slot_src;
  } buf_;
};

}  // namespace trnsim::dma
