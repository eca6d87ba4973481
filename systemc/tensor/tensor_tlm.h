// The tensor engine's fast TLM-2.0 model: bit-exact with rtl/tensor (the
// golden numerics, computed a whole stream write at a time with gemm_fast)
// and cycle-exact with it where docs/tensor.md's formula holds (rows offered
// every cycle, result target never back-pressuring); see "Timing" below.
//
// CSRs: the generated register file (rtl/regs/tensor.json) with the RTL's
// hardware side: STATUS, ERR_CODE, INTR_STATE (W1C, set wins over a clear in
// the same cycle), INTR_ENABLE, the counters CMDS_DONE, BUSY_CYCLES,
// STALL_CYCLES and MACS, command validation with the RTL's error codes in
// its order, a command queue of cmd_depth entries, double-buffered weights.
//
// Timing. The model keeps its own cycle count (cycles of cfg.period, cycle n
// starts at n x period); every delay it annotates is a whole number of cycles.
// * CSR access requested in cycle t (ceil of the request time): the register
//   bus sees it in t + 1 (reads sample the engine's state of that cycle), the
//   B/R handshake is in t + 2 and the transaction ends at t + 3, as through
//   common_axil_reg_adapter: annotated delay = kCsrAccessCycles cycles.
//   CTRL.START reaches the engine in s = t + kCsrStartDelay; RW and W1C
//   writes take effect in t + 2 (irq follows then).
// * Stream writes: n rows offered one per cycle from the request cycle; each
//   row handshakes when the engine takes it (weights: the command at the queue
//   head needs them and the bank is free; activations: the command is in the
//   stream slot and the datapath advances). The call returns at the cycle
//   after the last row's handshake.
// * Results: a row taken in cycle t reaches the PSUM stage after ROWS + COLS
//   advancing cycles and is offered on `result` one cycle later, at the
//   cycle the call is annotated with (v); the target's returned delay holds
//   ready low until then (handshake cycle h >= v). The two-entry result FIFO
//   is modelled exactly: while it holds two rows the whole datapath stalls
//   (STALL_CYCLES), which delays later rows and activation handshakes.
// Given the same request times and result-target delays this reproduces the
// RTL cycle for cycle. Approximations, all from temporal decoupling: events
// are resolved in the order transactions arrive, so (a) a START that arrives
// before, in SystemC order, the stream write that would have freed a queue
// slot earlier in simulated time counts that slot as still taken; (b) when a
// call must wait (below) and SystemC time has passed the cycle at which a row
// would have been offered or a result emitted, the delay is clamped to zero.
//
// Blocking. A stream write whose rows belong to a command not yet started,
// or that depends on another stream's progress (weights of command j need
// command j-1 popped, i.e. the activations of j-2 in; activations of j need
// j's weights), waits on an internal event (never spins): call it from an
// SC_THREAD, and feed weights and activations from different threads when
// commands overlap (as the RTL's two independent streams). One initiator per
// stream; a second concurrent caller on the same stream waits its turn.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "common/reg_file.h"
#include "numerics/numerics.h"
#include "tensor/tensor_block.h"

namespace trnsim::tensor {

// CSR access on the RTL through common_axil_reg_adapter, from the request
// cycle t: register bus in t + 1, B/R handshake in t + 2, done at t + 3.
inline constexpr int64_t kCsrAccessCycles = 3;
inline constexpr int64_t kCsrRegBusDelay = 1;
// Request cycle of the CTRL.START write -> cycle START reaches the engine
// (cosim::kStartDelay, docs/tensor.md).
inline constexpr int64_t kCsrStartDelay = 2;

namespace detail {

// A small register value over cycles: a base and sorted changes, each
// visible from its cycle on. At equal cycles clears apply before sets, so a
// hardware set wins over a software W1C clear in the same cycle.
class ValueHistory {
 public:
  // value = (value & ~clear) | set, visible from `cycle`.
  void add(int64_t cycle, uint32_t clear, uint32_t set);
  uint32_t at(int64_t cycle) const;
  // Merge every change visible at or before `cycle` into the base.
  void fold(int64_t cycle);

 private:
  struct Change {
    int64_t cycle;
    int order;  // 0: clear-type first, 1: set
    uint64_t seq;
    uint32_t clear, set;
  };
  uint32_t base_ = 0;
  int64_t folded_ = -1;
  uint64_t seq_ = 0;
  std::vector<Change> changes_;  // sorted by (cycle, order, seq)
};

// Disjoint, increasing cycle intervals [lo, hi] (the datapath's stall cycles).
class StallSet {
 public:
  void add(int64_t lo, int64_t hi);
  // First cycle >= c that is not a stall cycle.
  int64_t next_free(int64_t c) const;
  // The cycle reached from non-stall cycle c after n more non-stall cycles.
  int64_t advance(int64_t c, int64_t n) const;
  // Stall cycles below c.
  uint64_t count_below(int64_t c) const;
  // Forget intervals ending before c (their cycles stay counted).
  void fold(int64_t c);

 private:
  std::deque<std::pair<int64_t, int64_t>> iv_;
  uint64_t folded_cycles_ = 0;
};

}  // namespace detail

class TensorTlm : public TensorBlock {
 public:
  SC_HAS_PROCESS(TensorTlm);
  // Throws std::invalid_argument naming the block and the bad field for a
  // geometry the RTL does not allow (rows/cols 1..1023, psum_depth a power of
  // two up to 65536, cmd_depth >= 1, period > 0).
  TensorTlm(sc_core::sc_module_name name, const TensorBlockConfig& cfg);
  ~TensorTlm() override;

  const char* fidelity() const override { return "tlm"; }
  // Track "commands": one slice per command, START to DONE (args m, k,
  // load_w, accumulate); track "irq": an instant per irq edge.
  void set_trace(TraceWriter* t) override;

  // Lockstep hook: XOR `xor_mask` into FP32 lane `lane` of the result row
  // with 0-based emission index `result_row_index` (rows emitted since
  // construction). Throws std::invalid_argument if lane >= cols.
  void inject_fault(uint64_t result_row_index, unsigned lane, uint32_t xor_mask);

  // Statistics. "So far" = as far as the model has computed, which with
  // temporal decoupling may be ahead of SystemC time.
  uint64_t commands_accepted() const { return accepted_; }
  uint64_t commands_refused() const { return refused_; }
  uint64_t commands_done() const { return completed_; }   // all rows through the PSUM stage
  uint64_t result_rows() const { return results_emitted_; }  // rows emitted on `result`
  // The model's local clock: the latest cycle any transaction it answered
  // ended in (CSR response, last stream handshake + 1, result handshake).
  uint64_t local_cycle() const { return static_cast<uint64_t>(local_cycle_); }

 protected:
  void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
  void stream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;

 private:
  struct Cmd {
    uint64_t seq = 0;
    unsigned dta = 0, dtw = 0;
    bool load_w = true, acc = false, emit = true, irq = true;
    uint32_t m = 0, k = 0, psum = 0;
    int bank = 0;        // weight bank the rows use
    uint32_t krows = 0;  // active array rows (K of the tile in that bank)
    int64_t s = 0;       // cycle START reached the engine
    std::optional<int64_t> head, pop;
    int64_t load_first = -1, load_last = -1;
    uint32_t w_rows = 0, a_rows = 0;
    std::vector<int64_t> act_cycles;  // activation handshakes
    int64_t done = -1;  // PSUM-stage cycle of the last row (DONE visible one later)
    int64_t end = -1;   // last busy cycle (done, or the last result handshake)
    bool weights_in() const { return !load_w || w_rows == k; }
    bool acts_in() const { return a_rows == m; }
  };

  int64_t cycle_at(const sc_core::sc_time& t) const;
  sc_core::sc_time delay_to(int64_t cycle) const;  // cycle start - now, >= 0
  int64_t now_cycle() const { return cycle_at(sc_core::sc_time_stamp()); }

  void on_csr_write(uint32_t offset, uint32_t value, uint32_t byte_mask);
  uint32_t hw_in(uint32_t offset) const;
  void start_command(int64_t s);

  Cmd* find(uint64_t seq);
  void resolve();
  void retire();
  bool wait_progress(const char* what);  // false: the caller cannot wait
  int64_t take_weights(Cmd& c, const unsigned char* data, uint32_t n, int64_t q);
  int64_t take_acts(Cmd& c, const unsigned char* data, uint32_t n, int64_t q);
  int64_t emit_row(uint32_t psum_row, const uint32_t* lanes, int64_t v);
  void complete(Cmd& c);

  // Engine state as seen by software at cycle r.
  uint32_t status_at(int64_t r) const;
  bool busy_at(int64_t r) const;
  uint64_t busy_cycles_below(int64_t r) const;
  uint64_t macs_below(int64_t r) const;
  uint64_t done_below(int64_t r) const;

  void schedule_irq(int64_t cycle);
  void irq_update();

  RegFile regs_;
  unsigned psum_log2_ = 1;
  int64_t sample_cycle_ = 0;  // register-bus cycle of the CSR access in progress

  std::deque<Cmd> cmds_;  // accepted and not retired, in order
  uint64_t accepted_ = 0, refused_ = 0, completed_ = 0, results_emitted_ = 0;
  uint64_t retired_ = 0;  // == seq of cmds_.front()
  int64_t retired_pop_, retired_last_act_;
  uint64_t w_seq_ = 0, a_seq_ = 0;  // next command to receive weights / activations
  int assign_bank_ = 1;             // bank of the most recent accepted load
  uint32_t assign_krows_[2] = {0, 0};
  bool ever_loaded_ = false;
  uint32_t err_code_ = 0, err_count_ = 0;

  int64_t bank_free_at_[2];          // first cycle no row of the bank is in the array
  std::vector<uint16_t> bank_w_[2];  // ROWS x COLS weight codes
  // Each bank's first krows rows packed for gemm_fast_packed, kept while the
  // bank holds the same weights (LOAD_W = 0 commands reuse them); any weight
  // row written into the bank drops it.
  numerics::GemmPackedB packed_w_[2];
  std::vector<uint32_t> psum_;       // PSUM_DEPTH x COLS FP32
  int64_t last_w_hs_, last_act_hs_;
  bool have_emit_ = false;
  int64_t last_emit_h_;
  detail::StallSet stalls_;

  uint64_t macs_retired_ = 0, busy_retired_ = 0;
  int64_t busy_retired_hi_;

  detail::ValueHistory intr_, enable_;
  std::set<int64_t> irq_updates_;
  sc_core::sc_event irq_ev_;
  bool irq_level_ = false;

  sc_core::sc_event progress_ev_;
  bool w_busy_ = false, a_busy_ = false;

  std::map<uint64_t, std::vector<std::pair<unsigned, uint32_t>>> faults_;
  int64_t local_cycle_ = 0;
  int trace_cmds_ = -1, trace_irq_ = -1;

  std::vector<uint16_t> scratch_a_;
  std::vector<unsigned char> result_buf_;
};

}  // namespace trnsim::tensor
