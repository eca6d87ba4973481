// An AXI4 slave port at pin level whose transactions become TLM-2.0 generic
// payloads: how a Verilated block's AXI4 master reaches the SystemC world.
//
// Stepped like Axi4Mem, once per cycle:
//   drive(out)     the slave's outputs for this cycle (READYs, R, B), from the
//                  bridge's state only, never from this cycle's master outputs;
//   observe(in)    the master's outputs after the DUT settled: the protocol
//                  checker (Axi4ProtocolChecker) runs, this clock edge's
//                  handshakes are taken, one cycle passes.
//
// One payload per burst (systemc/dma/dma_block.h):
//   read   at the AR handshake: address ARADDR aligned down to the bus width,
//          length (ARLEN + 1) x bus bytes, no byte enables;
//   write  when the AW and all the burst's W beats are in (W may come before
//          AW): address and length likewise, the beats' data, byte enables
//          from WSTRB (null pointer when every strobe is set).
// Each payload goes to the Issue callback with the cycle of the handshake
// that completed it; the callback (typically b_transport on an initiator
// socket) returns the cycle in which the response is there, at least the
// issue cycle + 1 (see response_cycle()). From that cycle the burst's R beats
// are offered one per cycle (or its B); responses of one ID keep issue order,
// bursts of different IDs are answered in issue order as they become due,
// a burst's beats are never interleaved with another's. A TLM error answers
// every R beat of the burst (or the B) with tlm_to_axi(status): DECERR for
// an address error, SLVERR otherwise; read data of a failed burst is zero.
//
// Back-pressure: ARREADY is low while max_reads bursts are unanswered,
// AWREADY while max_writes are; WREADY is low for beats ahead of their AW
// beyond max_early_w_beats (or max_writes whole bursts).
//
// Only full-width INCR bursts are bridged (what trnsim's masters issue); a
// narrower AxSIZE throws Axi4ProtocolError naming the transaction.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "common/axi4_mem.h"

namespace trnsim::cosim {

struct Axi4TlmBridgeConfig {
  unsigned data_bytes = 32;          // bus width in bytes (4..64, power of two)
  unsigned max_reads = 8;            // read bursts accepted and not fully answered
  unsigned max_writes = 8;           // write bursts accepted (AW) and not answered (B)
  unsigned max_early_w_beats = 256;  // W beats buffered before their AW
};

struct Axi4TlmBridgeStats {
  uint64_t cycles = 0;
  uint64_t read_payloads = 0, write_payloads = 0;
  uint64_t read_beats = 0, write_beats = 0;
  uint64_t read_errors = 0, write_errors = 0;  // payloads answered with an error
  uint64_t max_reads_outstanding = 0, max_writes_outstanding = 0;
};

class Axi4TlmBridge {
 public:
  // Sends one payload; returns the cycle in which its response is there.
  // The payload (and its data) lives only for the call.
  using Issue = std::function<uint64_t(tlm::tlm_generic_payload& gp, uint64_t issue_cycle)>;

  Axi4TlmBridge(const Axi4TlmBridgeConfig& cfg, Issue issue);

  // issue_cycle + ceil(added / period), at least issue_cycle + 1, where
  // added is what the target added to the annotated delay.
  static uint64_t response_cycle(uint64_t issue_cycle, const sc_core::sc_time& added,
                                 const sc_core::sc_time& period);

  const Axi4TlmBridgeConfig& config() const { return cfg_; }
  const Axi4TlmBridgeStats& stats() const { return stats_; }
  uint64_t cycle() const { return cycle_; }

  void drive(Axi4SlaveOut& out);
  void observe(const Axi4MasterOut& in);
  // The master is in reset: drop everything in flight (the cycle count goes on).
  void reset_bus();
  // Advance the cycle count by n cycles in which the master offered nothing
  // and the bridge had nothing to offer (idle(); for clock gating).
  void skip(uint64_t n);

  bool idle() const;  // nothing accepted and unanswered, no W beat buffered
  std::size_t reads_outstanding() const { return reads_.size(); }
  std::size_t writes_outstanding() const { return aw_wait_.size() + bq_.size(); }

 private:
  struct ReadBurst {
    uint32_t id = 0;
    uint64_t addr = 0;
    uint32_t len = 0;
    uint64_t ready_cycle = 0;
    uint32_t beat = 0;
    uint8_t resp = 0;
    std::vector<uint8_t> data;
  };
  struct WriteAddr {
    uint32_t id = 0;
    uint64_t addr = 0;
    uint32_t len = 0;
  };
  struct WriteData {
    std::vector<uint8_t> data, be;
    uint32_t beats = 0;
    bool all_enabled = true;
  };
  struct WriteResp {
    uint32_t id = 0;
    uint64_t ready_cycle = 0;
    uint8_t resp = 0;
  };
  template <class Q>
  std::optional<std::size_t> pick(const Q& q) const;
  void issue_read(const Axi4MasterOut& in);
  void issue_write(const WriteAddr& a, WriteData& w);
  uint64_t call(uint64_t issue_cycle);

  Axi4TlmBridgeConfig cfg_;
  Issue issue_;
  Axi4ProtocolChecker checker_;
  unsigned full_size_ = 0;
  Axi4TlmBridgeStats stats_;
  uint64_t cycle_ = 0;
  Axi4SlaveOut cur_;  // what drive() presented this cycle

  tlm::tlm_generic_payload gp_;
  std::deque<ReadBurst> reads_;           // accepted, not fully answered
  std::optional<std::size_t> r_cur_;      // index into reads_ of the burst on R
  std::deque<WriteAddr> aw_wait_;         // AW in, its W beats not all in
  std::deque<WriteData> w_wait_;          // whole W bursts ahead of their AW
  WriteData w_cur_;                       // the W burst being received
  std::deque<WriteResp> bq_;              // issued, B not sent
  std::optional<std::size_t> b_cur_;
};

}  // namespace trnsim::cosim
