// Time accounting of a Verilated block inside SystemC, with temporal
// decoupling: the block keeps its own cycle count and may run ahead of
// SystemC time by up to the global quantum (tlm::tlm_global_quantum), so it
// can be clocked in bursts and synchronise only when a transaction crosses
// the boundary or the quantum runs out.
//
// Local time of the block: now() = cycle() x period. Every delay a wrapper
// annotates is now() - sc_time_stamp() after the cycles the transaction
// took, so it is exactly a whole number of the block's clock cycles.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>

namespace trnsim::cosim {

class RtlClock {
 public:
  explicit RtlClock(const sc_core::sc_time& period) : period_(period) {}

  const sc_core::sc_time& period() const { return period_; }
  uint64_t cycle() const { return cycle_; }
  sc_core::sc_time now() const { return period_ * static_cast<double>(cycle_); }

  // now() - sc_time_stamp(), or zero if the block is behind SystemC time.
  sc_core::sc_time offset() const {
    const sc_core::sc_time t = sc_core::sc_time_stamp();
    const sc_core::sc_time n = now();
    return n > t ? n - t : sc_core::SC_ZERO_TIME;
  }

  // The model was clocked n times, or n cycles in which it provably could not
  // change state were skipped.
  void advance(uint64_t n = 1) { cycle_ += n; }

  // First cycle whose start is at or after t: ceil(t / period).
  uint64_t cycle_at(const sc_core::sc_time& t) const {
    const uint64_t tv = t.value(), pv = period_.value();
    return (tv + pv - 1) / pv;
  }
  // Cycles to clock (or skip) so that now() >= t.
  uint64_t cycles_until(const sc_core::sc_time& t) const {
    const uint64_t c = cycle_at(t);
    return c > cycle_ ? c - cycle_ : 0;
  }

  bool quantum_reached() const {
    return offset() >= tlm::tlm_global_quantum::instance().get();
  }
  // Lets SystemC time catch up with the block (SC_THREAD context only).
  void sync() {
    const sc_core::sc_time o = offset();
    if (o > sc_core::SC_ZERO_TIME) sc_core::wait(o);
  }

 private:
  sc_core::sc_time period_;
  uint64_t cycle_ = 0;
};

}  // namespace trnsim::cosim
