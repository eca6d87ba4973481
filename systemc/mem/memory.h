// A TLM-2.0 memory target: contiguous storage at [base, base + size), a
// latency and bandwidth model with seeded random jitter, error injection,
// DMI and debug transport. The memory behind every testbench and the
// building block of the chip's SRAMs (HBM has its own model).
//
// Timing of b_transport (annotated, never waits):
//   start = max(request time, time the port is free)
//   delay += (start - request time) + latency + jitter + len / bytes_per_ns
// where jitter is uniform in [0, jitter_max] in steps of jitter_step, from a
// generator seeded with `seed`, so the same seed gives the same times.
// Requests are serialised on one port by the bandwidth term only.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace trnsim {

struct MemoryConfig {
  uint64_t base = 0;
  uint64_t size = 1 << 20;
  sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
  double bytes_per_ns = 0;  // 0: unlimited
  sc_core::sc_time jitter_max = sc_core::SC_ZERO_TIME;
  sc_core::sc_time jitter_step = sc_core::sc_time(1, sc_core::SC_NS);
  uint64_t seed = 1;
  bool dmi = true;  // grant DMI (only when there is no latency model and no error range)
};

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Memory> socket;

  Memory(sc_core::sc_module_name name, const MemoryConfig& cfg);

  // Host-side access for testbenches (no timing, throws std::out_of_range
  // naming the address if outside the memory).
  void write_bytes(uint64_t addr, const void* src, uint64_t len);
  void read_bytes(uint64_t addr, void* dst, uint64_t len) const;
  uint8_t* host_ptr(uint64_t addr, uint64_t len);

  // Accesses touching [lo, hi) answer `status` and change nothing.
  void add_error_range(uint64_t lo, uint64_t hi, tlm::tlm_response_status status);
  void clear_error_ranges();

  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }
  const MemoryConfig& config() const { return cfg_; }

 private:
  struct ErrRange {
    uint64_t lo, hi;
    tlm::tlm_response_status status;
  };
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  // Checks range and errors; moves the data. Returns the response.
  tlm::tlm_response_status access(tlm::tlm_generic_payload& gp);

  MemoryConfig cfg_;
  std::vector<uint8_t> data_;
  std::vector<ErrRange> errors_;
  std::mt19937_64 rng_;
  sc_core::sc_time free_at_ = sc_core::SC_ZERO_TIME;
  uint64_t reads_ = 0, writes_ = 0, bytes_read_ = 0, bytes_written_ = 0;
};

}  // namespace trnsim
