// DMA scenario files for `trnsim dma` (format: docs/usage.md, "trnsim dma";
// docs/dma.md): memory initialisation, queue setup, descriptors per queue and
// the checks to make afterwards. parse_dma_scenario() only reads and checks
// the text (errors name file:line and the field); run_dma_scenario() runs it
// on the DMA engine of the chosen fidelity (cosim/blocks.h: Verilated RTL,
// fast model, or both in lockstep) through its TLM-2.0 sockets, with the DMA
// host of systemc/dma/dma_host.h, and reports per queue.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dma/dma_driver.h"
#include "sim_options.h"

namespace trnsim::app {

// Bad scenario input; what() is "FILE:LINE: message".
struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DmaMemInit {
  int line = 0;
  uint64_t addr = 0;
  std::vector<uint8_t> bytes;      // explicit bytes, or
  uint64_t random_len = 0;         // a seeded random fill of this many bytes
  std::optional<uint64_t> seed;    // its seed (default: derived from --seed and the line)
};

struct DmaScenarioDesc {
  int line = 0;
  unsigned queue = 0;
  cosim::DmaDesc desc;
};

struct DmaScenarioQueue {
  int line = 0;                    // 0: not given, defaults apply
  std::optional<uint64_t> ring;
  std::optional<uint32_t> entries;
  std::optional<uint64_t> cpl;
  std::vector<cosim::DmaWindow> windows;  // empty: one window over all memory
};

struct DmaExpect {
  enum Kind { kCopy, kBytes, kError } kind = kCopy;
  int line = 0;
  uint64_t addr = 0;               // kBytes
  std::vector<uint8_t> bytes;      // kBytes
  unsigned queue = 0;              // kError
  uint32_t code = 0;               // kError
};

struct DmaScenario {
  std::string file;
  std::string config;              // empty: the command's default
  std::optional<unsigned> latency;
  std::array<DmaScenarioQueue, 4> queues{};
  std::vector<DmaMemInit> mem;
  std::vector<DmaScenarioDesc> descs;
  std::vector<DmaExpect> expects;
};

// Throws ScenarioError ("FILE:LINE: ...") on bad input.
DmaScenario parse_dma_scenario(std::istream& in, const std::string& file_name);
DmaScenario read_dma_scenario(const std::string& path);

// Error-code name ("DST_WINDOW") of Qn_STATUS.CODE, "?" if unknown.
const char* dma_err_name(uint32_t code);

struct DmaRunOptions {
  std::string config = "q4_d256";  // used when the file names none and none is given
  bool config_forced = false;      // --config given: overrides the file
  std::optional<unsigned> latency; // --latency: overrides the file (default 1)
  uint64_t seed = 1;
  unsigned jitter = 0;              // extra random memory latency 0..jitter cycles (seeded)
  uint64_t max_cycles = 20'000'000;
  SimOptions sim;                   // fidelity, waveform, trace, quantum
};

struct DmaRunResult {
  bool ok = false;  // every descriptor completed (or its queue ended with its
                    // expected error), every check passed, no divergence
  double host_seconds = 0;  // the simulation only
  uint64_t trace_events = 0;
  LockstepOutcome lockstep;
};

// Runs the scenario (once per process: one SystemC world) and prints the
// report to out. Throws ScenarioError for a scenario that does not fit the
// configuration, std::invalid_argument for an unknown configuration.
DmaRunResult run_dma_scenario(const DmaScenario& sc, const DmaRunOptions& opt, std::ostream& out);

}  // namespace trnsim::app
