// What `trnsim gemm` and `trnsim dma` share when they run a block inside
// SystemC behind its TLM-2.0 sockets (cosim/blocks.h): the fidelity, the
// waveform window, the Perfetto/Chrome trace, the global quantum, and how a
// lockstep run ended. Options and exit codes: docs/usage.md.
#pragma once

#include <systemc>

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>

#include "common/fidelity.h"
#include "common/wave_window.h"

namespace trnsim::app {

// Exit code of a lockstep run whose two forms diverged (docs/usage.md).
inline constexpr int kExitDivergence = 3;

struct SimOptions {
  Fidelity fidelity = Fidelity::kRtl;
  cosim::WaveOptions wave;  // path empty: no waveform (rtl and lockstep only)
  std::string trace;        // Chrome trace-event JSON; empty: none
  // Global quantum (tlm::tlm_global_quantum): how far a block may run ahead
  // of SystemC time before it syncs. Default one clock period: the hosts
  // (tensor_host.h, dma_host.h) hand work between their threads with events,
  // so a longer quantum lets the RTL form run ahead of the next transaction
  // and adds idle cycles (docs/performance.md, issue 4); the fast form does
  // not care.
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_NS);
  // Lockstep demonstration: corrupt the fast form's output number N (tensor:
  // result row N, lane 0; DMA: write burst N, byte 0). -1: none.
  int64_t inject_fault = -1;
  // The block's clock period (cycle n starts at n x period).
  sc_core::sc_time period = sc_core::sc_time(1, sc_core::SC_NS);
};

// How the lockstep comparison ended (fidelity lockstep only).
struct LockstepOutcome {
  bool used = false;
  bool diverged = false;
  uint64_t compared = 0;      // transactions compared
  std::string report;         // the first divergence
  std::string cycle_errors;   // cycle error of tlm against rtl, per operation
  bool wave_written = false;  // the waveform window was written at the divergence
};

// "10us", "2500ns", "1.5 ms", "0" (units fs ps ns us ms s; a bare number is
// ns). Throws std::invalid_argument naming `option`.
sc_core::sc_time parse_sim_time(const std::string& option, const std::string& text);

// Checks that `path` can be created (and removes the probe), so a bad path
// fails before the run with "cannot open <what> 'path'". Throws
// std::runtime_error.
void check_writable(const std::string& path, const std::string& what);

// Silences SystemC's "simulation stopped by user" info message.
void quiet_systemc();

// Prints the lockstep summary (comparisons, cycle-error table, divergence).
void print_lockstep(const LockstepOutcome& o, std::ostream& out);

}  // namespace trnsim::app
