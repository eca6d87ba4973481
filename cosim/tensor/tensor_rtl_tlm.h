// The Verilated tensor engine as a TLM-2.0 block (TensorBlock, fidelity
// "rtl"): the transaction semantics are those of systemc/tensor/tensor_block.h;
// this file says how the RTL is clocked behind them.
//
// Clocking and time. The block owns one Verilated model of the configuration
// TensorBlockConfig::rtl_config (make_tensor_rtl) and its own cycle count
// (RtlClock: local time = cycle x period). It may run ahead of SystemC time
// (temporal decoupling, tlm::tlm_global_quantum):
//   * A csr or stream b_transport at T = sc_time_stamp() + delay first brings
//     the model up to T (cycle ceil(T / period)), then drives the pins cycle
//     by cycle until the transaction completes: the AXI4-Lite master's
//     AW+W -> B or AR -> R handshakes; for a stream write, one row offered per
//     cycle until the last row's valid/ready handshake. It returns with
//     delay = local time after the last cycle - sc_time_stamp(), i.e. the
//     RTL cycles elapsed x period, exactly. A transaction that arrives while
//     the block is already ahead of T starts at the block's local time (the
//     LT approximation, bounded by the quantum). Results are therefore
//     independent of the quantum for initiators that use a quantum keeper
//     (or wait on this block's outputs), since the block's own thread never
//     runs past the next activity of another process (below); several
//     initiators racing for the block are ordered as LT orders them.
//   * An SC_THREAD runs the model while it has work of its own (pipeline
//     draining, results to emit), in bursts up to the quantum, then waits
//     until SystemC time catches up. A burst never runs into the time of the
//     next pending activity of any other process (sc_time_to_pending_activity;
//     processes runnable at the current time go first): an initiator that
//     wakes then may send input, and the model has not passed that time, so
//     its transaction starts exactly where it should. Whoever clocks the
//     model serves every pending request (CSR access, both streams, result
//     sink), as the chip's agents would, so concurrent initiators interleave
//     cycle by cycle.
//   * Clock gating: while the engine's idle_o is high and no CSR access is
//     pending, its state cannot change (rtl/tensor/tensor_engine.sv), so the
//     block stops clocking and waits for an event; cycles up to the next
//     transaction are skipped (counted, not clocked). This is exact: results
//     and cycle counts are identical with TensorRtlTlmOptions::skip_idle off.
//     When the engine has made no progress of any kind (no handshake, no irq
//     change, no back-pressure of our own) for longer than its pipeline
//     depth, the thread also stops clocking; those cycles are clocked (not
//     skipped) when the next transaction catches the model up.
//   * A stream write the engine does not take while it is idle (no command
//     queued to take it) waits, with the model stopped, for the next
//     transaction of any initiator (in practice the CSR write of a START),
//     then continues (the START that makes the engine take the rows must
//     come from another process, or before the stream write). Likewise a stream write that makes no progress while
//     the engine is stuck waiting for other input parks until a new request
//     arrives. If none ever does, SystemC runs out of events: no hang.
//   * Reset: the model is held in reset (rst_ni low) for kResetCycles cycles
//     from time 0; the first transaction can start at cycle kResetCycles.
//
// Results: when a row becomes valid at the head of the result FIFO (cycle v)
// the block issues one write on `result` (address res_addr x COLS x 4, COLS
// little-endian FP32 lanes) with delay = v x period - sc_time_stamp(), and
// holds res_ready low until the first cycle at or after the time the
// target's returned delay says (handshake cycle h >= v; a target that adds
// nothing takes a row per cycle), as the fast model does. Back-pressure that
// fills the two-entry FIFO stalls the datapath exactly as in hardware. An
// error response is reported with SC_REPORT_ERROR naming the block and the
// PSUM row (after triggering a history waveform). irq follows irq_o at the
// time of the cycle it changed (an SC_METHOD woken at the local offset).
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/rtl_clock.h"
#include "common/wave_window.h"
#include "tensor/tensor_block.h"
#include "tensor/tensor_rtl.h"

namespace trnsim::cosim {

struct TensorRtlTlmOptions {
  // Clock gating on idle_o. Off: every cycle is clocked (for checking that
  // gating is exact, and for waveforms of idle time).
  bool skip_idle = true;
  // Waveform (cosim/common/wave_window.h); trigger pins: see wave_pins().
  WaveOptions wave;
};

class TensorRtlTlm : public tensor::TensorBlock {
 public:
  SC_HAS_PROCESS(TensorRtlTlm);

  static constexpr uint64_t kResetCycles = 4;
  // Width of the engine's CSR address (tensor_engine CsrAddrBits).
  static constexpr unsigned kCsrAddrBits = 8;

  // Throws std::invalid_argument if rtl_config is not built or if
  // rows/cols/psum_depth/cmd_depth differ from that configuration's.
  TensorRtlTlm(sc_core::sc_module_name name, const tensor::TensorBlockConfig& cfg,
               const TensorRtlTlmOptions& opt = {});
  ~TensorRtlTlm() override;

  const char* fidelity() const override { return "rtl"; }
  // Timeline (nullptr: none), tracks under this block's name:
  //   "csr"          a slice per CSR access (request to response; args
  //                  addr, data, resp)
  //   "weights", "activations"  a slice per stream write (request to the
  //                  cycle after the last row's handshake; args rows, len)
  //   "results"      a slice per result row (valid to taken; args addr, len)
  //   "commands"     a slice per command, from START reaching the engine to
  //                  its last result row (emitting commands); derived from the
  //                  CSR writes and the result rows, so a command without
  //                  emit, or one the engine refused, ends when the next
  //                  emitting command's first row appears or the engine is
  //                  idle again (args m, k, load_w, accumulate, emit)
  //   "irq"          an instant per irq edge
  void set_trace(TraceWriter* t) override;

  struct Stats {
    uint64_t cycles_clocked = 0;   // model clock edges (reset included)
    uint64_t cycles_skipped = 0;   // idle cycles not clocked (clock gating)
    uint64_t csr_transactions = 0;
    uint64_t stream_transactions = 0;
    uint64_t result_rows = 0;      // writes issued on `result`
    uint64_t syncs = 0;            // waits for SystemC time to catch up
  };
  const Stats& stats() const { return stats_; }
  uint64_t cycle() const { return clock_.cycle(); }      // local cycle count
  sc_core::sc_time local_time() const { return clock_.now(); }
  const sc_core::sc_time& period() const { return clock_.period(); }

  // Writes the history waveform now (WaveOptions::history_cycles); e.g. on a
  // divergence found by lockstep. False if no history window is armed.
  bool wave_trigger(const std::string& reason);
  // Outputs a wave trigger may name ("irq_o=1", "res_valid_o=1", ...).
  static std::vector<WavePin<TensorPinsOut>> wave_pins();

 protected:
  void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
  void stream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
  void end_of_simulation() override;

 private:
  struct CsrReq {
    bool write = false;
    uint32_t addr = 0, wdata = 0;
    uint8_t wstrb = 0xF;
    bool aw_done = false, w_done = false, a_done = false, done = false;
    uint32_t rdata = 0;
    uint8_t resp = 0;
  };
  struct StreamReq {
    uint64_t id = 0;
    std::vector<uint32_t> words;  // rows x words_per_row, lanes packed two per word
    std::size_t words_per_row = 0, rows = 0, next = 0;
    bool done = false;
  };
  enum class Step { kClocked, kFrozen };
  static constexpr int kMaxYields = 2;

  void run_thread();
  void irq_method();
  void ensure_reset();
  // Brings the model to cycle `target` (clocking, or skipping idle cycles).
  void advance_to(uint64_t target);
  // One cycle: drive inputs, sample outputs and, unless the engine is frozen
  // (idle, no CSR access pending) and stop_if_frozen, clock it.
  Step step(bool stop_if_frozen);
  void present();
  void commit();
  bool frozen() const { return out_.idle && csrs_.empty(); }
  bool may_skip() const;
  void skip(uint64_t n);
  void emit_result(uint64_t c);
  void schedule_irq(uint64_t c, bool level);
  void lock();
  void unlock();
  uint64_t quiet_limit() const;
  sc_core::sc_time offset_at(uint64_t c) const;
  void finish_request();

  std::unique_ptr<TensorRtl> rtl_;
  TensorRtlTlmOptions opt_;
  RtlClock clock_;
  std::unique_ptr<WaveWindow<TensorRtl, TensorPinsIn, TensorPinsOut>> wave_;
  TensorPinsIn in_;
  TensorPinsOut out_;
  bool reset_done_ = false, in_reset_ = false;
  bool busy_ = false;  // a cycle is in progress (a result target may wait())
  sc_core::sc_event free_event_, work_event_, input_event_, irq_event_;

  std::deque<CsrReq*> csrs_;
  std::deque<StreamReq*> w_reqs_, act_reqs_;
  uint64_t next_req_id_ = 0;
  uint64_t w_shown_id_ = 0, act_shown_id_ = 0;  // request and row on w_data_i / act_data_i
  std::size_t w_shown_row_ = 0, act_shown_row_ = 0;
  uint64_t res_ready_cycle_ = 0;  // res_ready high from this cycle on
  bool res_issued_ = false;       // the FIFO head's write has been issued
  uint64_t quiet_ = 0;            // cycles since the last sign of progress
  bool irq_level_ = false;
  bool recheck_ = false;  // an output went out: recompute the burst's end
  std::deque<std::pair<sc_core::sc_time, bool>> irq_changes_;

  // Timeline (set_trace).
  struct TraceCmd {
    uint64_t seq = 0;
    uint64_t start = 0;  // cycle START reached the engine
    uint32_t m = 0, k = 0, rows = 0;
    bool emit = true, load_w = true, acc = false;
  };
  void trace_csr(const CsrReq& req, uint64_t first_cycle, bool ok);
  void trace_row(uint64_t valid_cycle, uint64_t taken_cycle);
  void trace_cmd_end(const TraceCmd& c, uint64_t end_cycle);
  void trace_idle(uint64_t c);
  sc_core::sc_time at_cycle(uint64_t c) const { return clock_.period() * static_cast<double>(c); }
  int tr_csr_ = -1, tr_w_ = -1, tr_act_ = -1, tr_res_ = -1, tr_cmd_ = -1, tr_irq_ = -1;
  uint32_t tr_cfg_ = 0, tr_shape_ = 0;  // CMD_CFG / CMD_SHAPE as written
  uint64_t tr_seq_ = 0;
  std::deque<TraceCmd> tr_cmds_;

  tlm::tlm_generic_payload res_gp_;
  std::vector<unsigned char> res_buf_;
  Stats stats_;
};

}  // namespace trnsim::cosim
