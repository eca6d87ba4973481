// Noc: the chip's on-chip interconnect as one TLM-2.0 router with finite
// bandwidth and contention. Initiators (cores, DMA queues, the management
// core) bind `in`; targets (HBM, SBUFs, CSR blocks, link endpoints) bind
// `out`. Port numbers are binding order on each socket.
//
// Routing: add_route() maps a global range to an `out` port, either passing
// the address minus the range base (strip_base, the default) or the global
// address unchanged. Routes may not overlap (std::invalid_argument naming
// both ranges). An access not wholly inside one route answers
// TLM_ADDRESS_ERROR_RESPONSE and is counted (unmapped()).
//
// Timing (b_transport annotates, never waits). Every `in` port i and every
// `out` port t is a serialising resource with a bandwidth; a transaction of
// len bytes arriving at a (= now + delay):
//   start = max(a, in_free[i], out_free[t])           (waits for both ports)
//   in_free[i]  = start + len / in_bw[i]
//   out_free[t] = start + len / out_bw[t]
//   the target is called with delay += (start - a) + latency, and adds its own;
//   the transaction then ends no earlier than start + latency +
//   max(len / in_bw[i], len / out_bw[t])
// (cut-through: the port transfers overlap the target's own transfer time).
// A port is held for the transfer only; data direction does not matter (a
// read's data come back over the same ports). So N initiators hammering one
// target share its port bandwidth, and one initiator cannot exceed its own.
// A bandwidth of 0 is unlimited. With temporal decoupling the port
// free-times see transactions in the order initiators run; initiators that
// synchronise per transaction get a fair share.
//
// DMI: get_direct_mem_ptr is forwarded when the route allows it, the granted
// range is translated to global addresses and clipped to the route, and the
// NoC latency is added to the DMI latencies (DMI bypasses the contention
// model: grant it only to routes where that is acceptable). Invalidations
// from targets are translated back and broadcast to every `in` port. Debug
// transport is routed and translated (clipped to the route), costs nothing.
//
// Tracing (off by default): set_trace() puts one slice per transaction, from
// arrival to its end (target included), on track "noc.in<i>" of process
// name(); when off the cost is one pointer test.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace trnsim {
class TraceWriter;
}

namespace trnsim::chip {

struct NocConfig {
  sc_core::sc_time latency = sc_core::sc_time(10, sc_core::SC_NS);  // traversal, once per transaction
  double initiator_bytes_per_ns = 64;   // default for every `in` port; 0 = unlimited
  double target_bytes_per_ns = 128;     // default for every `out` port; 0 = unlimited
  std::vector<double> initiator_port_bytes_per_ns;  // per-port overrides (index = port; <0 = default)
  std::vector<double> target_port_bytes_per_ns;     // per-port overrides (index = port; <0 = default)
  bool dmi = true;  // forward DMI requests at all
};

struct NocRoute {
  std::string name;       // shown in errors and traces ("hbm", "core0.sbuf")
  uint64_t base = 0;
  uint64_t size = 0;
  unsigned target = 0;    // `out` port
  bool strip_base = true; // target sees addr - base (else the global address)
  bool dmi = true;        // forward DMI requests in this range
};

struct NocPortStats {
  uint64_t transactions = 0;
  uint64_t bytes = 0;
  sc_core::sc_time wait = sc_core::SC_ZERO_TIME;  // time spent queued for this port
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;  // transfer time on this port
};

class Noc : public sc_core::sc_module {
 public:
  using InSocket = tlm_utils::multi_passthrough_target_socket<Noc>;
  using OutSocket = tlm_utils::multi_passthrough_initiator_socket<Noc>;
  InSocket in;    // initiators bind here
  OutSocket out;  // bound to targets

  // Throws std::invalid_argument naming the field for a bad config.
  Noc(sc_core::sc_module_name name, const NocConfig& cfg);

  // Throws std::invalid_argument for size 0, a wrap past 2^64 or an overlap
  // (naming both ranges). The target index is checked against `out` at the
  // end of elaboration.
  void add_route(const NocRoute& r);
  void add_route(uint64_t base, uint64_t size, unsigned target, bool strip_base = true,
                 const std::string& name = "");
  const std::vector<NocRoute>& routes() const { return routes_; }  // sorted by base

  // Not owned; nullptr turns tracing off.
  void set_trace(TraceWriter* trace);

  const NocConfig& config() const { return cfg_; }
  NocPortStats initiator_stats(unsigned port) const;  // zeros for a port never used
  NocPortStats target_stats(unsigned port) const;
  uint64_t unmapped() const { return unmapped_; }
  void reset_stats();

 private:
  struct Port {
    double bytes_per_ns = 0;
    sc_core::sc_time free = sc_core::SC_ZERO_TIME;
    NocPortStats stats;
  };
  void end_of_elaboration() override;
  Port& in_port(unsigned i);
  Port& out_port(unsigned t);
  // Index into routes_ of the route wholly holding [addr, addr+len), or -1.
  int decode(uint64_t addr, uint64_t len) const;
  uint64_t to_target(const NocRoute& r, uint64_t addr) const {
    return r.strip_base ? addr - r.base : addr;
  }
  sc_core::sc_time xfer_time(uint64_t bytes, double bytes_per_ns) const;
  void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int id, sc_dt::uint64 lo, sc_dt::uint64 hi);

  NocConfig cfg_;
  std::vector<NocRoute> routes_;
  std::vector<Port> in_, out_;
  uint64_t unmapped_ = 0;
  TraceWriter* trace_ = nullptr;
  std::vector<int> tracks_;  // per `in` port, -1 until first use
};

}  // namespace trnsim::chip
