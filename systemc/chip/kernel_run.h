// Kernel workloads on the chip: allocate a kernel's tensors in the chip's
// HBM, fill the inputs with seeded random data, build the kernel for a core,
// run it (Chip::run_kernel), read the outputs back and check them against the
// kernel library's references with the tolerances of docs/kernels.md
// (bit-exact for GEMM). Used by the chip tests and `trnsim chip`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "chip/chip.h"
#include "kernels/kernels.h"

namespace trnsim::chip {

// Which kernel and its shape. Shape fields by kernel:
//   gemm         C[m][n] = A[m][k] B[k][n]; a_dtype, b_dtype, c_dtype; tiles (0 = largest)
//   softmax      rows = m, cols = n; x = a_dtype, y = c_dtype
//   layernorm    rows = m, cols = n; x = a_dtype, y = c_dtype
//   attention    s = m, d = n; o = c_dtype
//   mlp_forward, mlp_backward, mlp_train   T = m, D = k, H = n
//   transformer_train   T = m, D = k, H = n (tokens, model, MLP hidden; each one tile)
struct WorkloadSpec {
  std::string kernel = "gemm";
  unsigned m = 32, k = 32, n = 32;
  isa::Dtype a_dtype = isa::Dtype::BF16, b_dtype = isa::Dtype::BF16, c_dtype = isa::Dtype::FP32;
  unsigned buffers = 2;
  unsigned m_tile = 0, n_tile = 0, k_tile = 0;
  uint32_t seed = 1;
  bool check = true;  // compare with the reference (off in timing-only mode)
};
std::vector<std::string> workload_names();

struct CheckResult {
  bool checked = false, passed = false;
  double worst = 0;      // worst error in units of the tolerance (gemm: mismatching elements)
  std::string message;   // one line per output: "name: worst error ... x tolerance" or the first mismatch
};

// A kernel ready to run on one core: its tensors are in HBM.
struct Workload {
  WorkloadSpec spec;
  unsigned core = 0;
  kernels::Kernel kernel;
  uint64_t io_bytes = 0;  // bytes of the kernel's inputs and outputs in HBM
  std::function<CheckResult(Chip&)> check;  // after the run
};

// Throws std::invalid_argument (unknown kernel, bad shape: the kernel
// library's message naming the kernel and field) or ChipError (HBM full).
Workload prepare_workload(Chip& chip, unsigned core, const WorkloadSpec& spec);

struct WorkloadReport {
  KernelResult run;
  CheckResult check;
  bool ok() const { return run.ok && (!check.checked || check.passed); }
  std::string text() const;  // "gemm on core 0: 1234.5 ns, 21 instructions ... check passed"
};

// prepare_workload on each core given, run them together, check each.
std::vector<WorkloadReport> run_workloads(Chip& chip, const std::vector<unsigned>& cores, const WorkloadSpec& spec);
WorkloadReport run_workload(Chip& chip, unsigned core, const WorkloadSpec& spec);

}  // namespace trnsim::chip
