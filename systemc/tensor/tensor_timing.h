// The tensor engine's cycle behaviour as a formula (docs/tensor.md, "Cycle
// behaviour"). Plain C++: the RTL testbench checks the RTL against it cycle
// for cycle, and the fast TLM model uses it for its timing.
//
// Assumptions of the formula: weight and activation rows are offered every
// cycle (valid held high), the result stream is always ready, and the
// engine starts idle. Cycle numbers are those of the register-bus write of
// CTRL.START (see docs/tensor.md for how that relates to the AXI4-Lite
// handshake) and of stream handshakes.
#pragma once

#include <cstdint>
#include <vector>

namespace trnsim::tensor {

struct TimingGeometry {
  unsigned rows = 0;  // ROWS
  unsigned cols = 0;  // COLS
};

struct TimedCmd {
  int64_t start_cycle = 0;  // cycle of the CTRL.START register write
  bool load_w = true;
  uint32_t k_rows = 1;  // weight rows loaded (when load_w)
  uint32_t m_rows = 1;  // activation rows streamed
};

struct CmdTiming {
  int64_t head = 0;          // first cycle at the queue head
  int64_t load_first = -1;   // cycle of the first weight handshake (-1: no load)
  int64_t load_last = -1;    // cycle of the last weight handshake
  int64_t stream_first = 0;  // cycle of the first activation handshake
  int64_t stream_last = 0;   // cycle of the last activation handshake
  int64_t done = 0;          // cycle the last result row is valid / DONE is set
};

// Pipeline depth: an activation row taken in cycle t is valid on the result
// stream in cycle t + result_latency(g).
inline int64_t result_latency(const TimingGeometry& g) { return int64_t{g.rows} + g.cols + 1; }

// Single command on an idle engine, from the START write to DONE:
//   (load_w ? k_rows : 1) + m_rows + ROWS + COLS + 1 cycles.
int64_t single_command_cycles(const TimingGeometry& g, const TimedCmd& cmd);

// Exact schedule of a sequence of commands (queued as given, in order).
std::vector<CmdTiming> schedule(const TimingGeometry& g, const std::vector<TimedCmd>& cmds);

}  // namespace trnsim::tensor
