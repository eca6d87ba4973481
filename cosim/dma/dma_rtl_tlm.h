// DmaRtlTlm: the Verilated DMA engine (rtl/dma) as a TLM-2.0 block, the
// "rtl" form of trnsim::dma::DmaBlock (systemc/dma/dma_block.h).
//
// Pins -> TLM: the CSR socket drives the engine's AXI4-Lite slave through an
// AxilAgent; the engine's AXI4 master is served by an Axi4TlmBridge whose
// payloads go out on `mem` (one per burst; b_transport with delay = the
// engine's local offset; the delay the target adds sets the response cycle).
//
// Time (RtlClock, temporal decoupling): an SC_THREAD clocks the model while
// it has work, ahead of SystemC time, and waits for SystemC only when the
// global quantum is used up or the interrupt output changes. Cycle n runs
// from n x period to (n+1) x period; outputs seen in cycle n (irq) change at
// n x period.
//   * CSR b_transport (caller at t = sc_time_stamp() + delay): the model is
//     brought to cycle ceil(t / period) (clocked; idle cycles skipped), the
//     AXI4-Lite access runs cycle by cycle in the caller's context (memory
//     payloads it causes are issued from there too), and delay becomes
//     (last cycle + 1) x period - sc_time_stamp(): exactly the cycles the
//     access took when the engine was not ahead of the caller. If the engine
//     thread already ran past t (it was busy and ahead), the access starts
//     at the engine's cycle instead.
//   * irq: written by a method at exactly n x period of the cycle n in which
//     irq_o changed, whoever clocked the model. The engine thread stops in
//     front of such a cycle, waits until SystemC reaches it and two delta
//     cycles more, so a process reacting to the edge within one delta sees
//     the engine exactly at that cycle (the same at every quantum).
//   * Clock gating: when the engine's idle_o is high (nothing changes until
//     an input arrives), no CSR access runs and the bridge has nothing in
//     flight, the thread stops clocking and sleeps until a CSR access; the
//     cycles in between are skipped (RtlClock advanced, not clocked), which
//     is exact. set_idle_skipping(false) clocks them instead (for checking);
//     so does an open time-window waveform.
//
// Reset: the constructor holds rst_ni low for kResetCycles cycles and clocks
// once more (as DmaDriver::reset()), before SystemC time 0; those cycles are
// not counted (cycle 0 is at time 0). The interrupt starts low.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/axi4_tlm_bridge.h"
#include "common/axil_agent.h"
#include "common/rtl_clock.h"
#include "common/wave_window.h"
#include "dma/dma_block.h"
#include "dma/dma_rtl.h"

namespace trnsim::cosim {

struct DmaRtlTlmStats {
  uint64_t cycles_clocked = 0;   // rising edges of the model
  uint64_t cycles_skipped = 0;   // idle cycles not clocked (clock gating)
  uint64_t reset_cycles = 0;     // before time 0, not in cycle()
  uint64_t read_payloads = 0, write_payloads = 0;
  uint64_t read_errors = 0, write_errors = 0;
  uint64_t csr_accesses = 0;
  uint64_t syncs = 0;            // waits of the engine thread for SystemC time
};

class DmaRtlTlm : public dma::DmaBlock {
 public:
  static constexpr unsigned kResetCycles = 4;
  // Cycles a CSR access may take before b_transport throws (it cannot hang).
  static constexpr uint64_t kCsrTimeoutCycles = 1000;

  SC_HAS_PROCESS(DmaRtlTlm);
  // cfg.rtl_config names the Verilated configuration (make_dma_rtl); its
  // parameters must match cfg's (num_queues, data_bits, max_burst_beats,
  // max_outstanding), else std::invalid_argument names both.
  // wave: an FST of the whole run, a time window or the cycles before a
  // trigger (cosim/common/wave_window.h; trigger pins: wave_pins()).
  DmaRtlTlm(sc_core::sc_module_name name, const dma::DmaBlockConfig& cfg,
            const WaveOptions& wave = WaveOptions{});
  ~DmaRtlTlm() override;

  const char* fidelity() const override { return "rtl"; }
  const DmaConfig& rtl_config() const { return rtl_->config(); }
  // Timeline (nullptr: none), tracks under this block's name:
  //   "csr"                   a slice per CSR access (args addr, data, resp)
  //   "mem reads", "mem writes"  a slice per AXI burst, issue to response
  //                           (args addr, len, resp)
  //   "queue<q>"              a slice per descriptor, from its fetch (a read of
  //                           the queue's ring, known from the RING_BASE /
  //                           RING_SIZE writes) to the last response of its
  //                           transfer (the engine runs one descriptor at a
  //                           time: the next fetch or idle ends it)
  //   "irq"                   an instant per irq edge
  void set_trace(TraceWriter* t) override;

  uint64_t cycle() const { return clock_.cycle(); }  // cycles so far (clocked + skipped)
  sc_core::sc_time local_time() const { return clock_.now(); }
  DmaRtlTlmStats stats() const;

  // Clock gating (default on): skip idle cycles, or clock them.
  void set_idle_skipping(bool on) { skip_idle_ = on; }
  bool idle_skipping() const { return skip_idle_; }

  // Writes the history waveform now (WaveOptions::history_cycles > 0).
  bool wave_trigger(const std::string& reason);
  // Outputs a wave trigger may name ("irq_o=1", "idle_o=0", ...).
  static std::vector<WavePin<DmaPinsOut>> wave_pins();
  // Direct FST of every signal from now on (the model's own file; do not
  // combine with a WaveOptions window).
  void open_wave(const std::string& path) { rtl_->open_wave(path); }
  void close_wave() { rtl_->close_wave(); }

 private:
  struct Seen {
    bool irq_changed = false;
    bool idle = false;
  };
  void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
  void end_of_simulation() override;
  void engine_thread();
  void irq_method();

  Seen prepare();   // drive and evaluate the current cycle, up to its edge
  void edge();      // take its handshakes, clock, next cycle
  bool engine_idle() const;
  void skip_idle(uint64_t n);
  void bring_to(uint64_t target);
  void schedule_irq(uint64_t cycle, bool level);
  uint64_t issue(tlm::tlm_generic_payload& gp, uint64_t issue_cycle);

  // Timeline (set_trace).
  void trace_csr(bool write, uint32_t offset, uint32_t data, uint8_t resp, uint64_t first_cycle);
  void trace_burst(const tlm::tlm_generic_payload& gp, const sc_core::sc_time& start,
                   const sc_core::sc_time& end);
  void trace_desc_end();
  struct TraceRing {
    uint64_t base = 0;
    uint32_t entries = 0;
  };
  struct TraceDesc {
    bool open = false;
    unsigned queue = 0;
    uint32_t index = 0;
    sc_core::sc_time start, last;
  };
  int tr_csr_ = -1, tr_rd_ = -1, tr_wr_ = -1, tr_irq_ = -1;
  std::vector<int> tr_queue_;
  std::vector<TraceRing> tr_rings_;
  TraceDesc tr_desc_;

  std::unique_ptr<DmaRtl> rtl_;
  RtlClock clock_;
  AxilAgent csr_agent_;
  Axi4TlmBridge bridge_;
  DmaPinsIn in_;
  DmaPinsOut out_;
  bool skip_idle_ = true;
  bool irq_level_ = false;  // irq_o as last seen
  struct IrqChange {
    uint64_t cycle;
    bool level;
  };
  std::deque<IrqChange> irq_q_;
  sc_core::sc_event irq_ev_, wake_ev_;
  DmaRtlTlmStats stats_;
  std::unique_ptr<WaveWindow<DmaRtl, DmaPinsIn, DmaPinsOut>> wave_;
};

}  // namespace trnsim::cosim
