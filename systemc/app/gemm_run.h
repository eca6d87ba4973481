// `trnsim gemm` inside SystemC: one GEMM on the tensor engine of the chosen
// fidelity (cosim/blocks.h), driven through its CSR and stream sockets by the
// tensor host (systemc/tensor/tensor_host.h), tiled like TensorDriver::gemm.
// Call once per process (one SystemC world).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "numerics/numerics.h"
#include "sim_options.h"

namespace trnsim::app {

struct GemmRequest {
  std::string config = "16x16";  // configs/rtl_configs.json "tensor" entry
  std::size_t m = 0, k = 0, n = 0;
  numerics::Dtype dtype_a = numerics::Dtype::kBf16, dtype_b = numerics::Dtype::kBf16;
  std::vector<uint16_t> a, b;  // M x K, K x N codes
  double backpressure = 1.0;   // result stream ready with this probability each cycle
  uint64_t backpressure_seed = 2;
};

struct GemmOutcome {
  std::string config_name, fidelity;
  unsigned rows = 0, cols = 0;
  std::vector<uint32_t> c;      // empty if the run stopped early
  bool finished = false;        // the GEMM completed
  std::string error;            // why not (lockstep divergence: see lockstep)
  uint64_t cycles = 0;          // first command write to the last result row
  uint64_t commands = 0, busy_cycles = 0, stall_cycles = 0;
  uint64_t sim_cycles = 0;      // simulated cycles of the whole run
  double host_seconds = 0;      // sc_start() only
  uint64_t trace_events = 0;
  LockstepOutcome lockstep;
};

// Throws std::invalid_argument for an unknown configuration or bad options.
GemmOutcome run_gemm(const GemmRequest& req, const SimOptions& sim);

}  // namespace trnsim::app
