// The tensor engine's command and the GEMM tiling plan, defined once for every
// host that drives the engine through its CSRs and streams: the cycle-level
// RTL driver (cosim/tensor/tensor_driver.*, `trnsim gemm` on the bare
// Verilated model) and the TLM harness (tensor_host.h, every fidelity).
//
// C[M][N] = A[M][K] x B[K][N] is planned as: N in tiles of COLS, M in chunks
// of the PSUM depth, K in passes of ROWS. The first pass of a tile overwrites
// PSUM rows 0.., later passes accumulate, the last one emits (docs/tensor.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "numerics/numerics.h"

namespace trnsim::tensor {

// One command as programmed through CMD_CFG / CMD_SHAPE / CMD_PSUM.
struct TensorCommand {
  numerics::Dtype dtype_a = numerics::Dtype::kBf16;
  numerics::Dtype dtype_w = numerics::Dtype::kBf16;
  bool load_w = true;
  bool accumulate = false;
  bool emit = true;
  bool irq = true;
  uint32_t m_rows = 1;
  uint32_t k_rows = 1;
  uint32_t psum_addr = 0;
  // Raw datatype codes override dtype_a/dtype_w when set (to test refusals).
  std::optional<uint32_t> raw_dtype_a, raw_dtype_w;
};

// One command of a GEMM and the part of A, B and C it covers: weights are
// B[k0 .. k0+k_rows)[n0 .. n0+COLS), activations A[m0 .. m0+m_rows)[k0 .. k0+k_rows),
// and an emitting command's result row i is C[m0 + i][n0 .. n0+COLS).
struct GemmStep {
  TensorCommand cmd;
  std::size_t m0 = 0, n0 = 0, k0 = 0;
};

struct GemmShape {
  std::size_t m = 0, k = 0, n = 0;
};

// Checks the operand sizes (std::invalid_argument naming the problem).
inline void check_gemm_operands(const GemmShape& s, std::size_t a_elems, std::size_t b_elems) {
  if (s.m == 0 || s.k == 0 || s.n == 0) throw std::invalid_argument("gemm: M, K and N must all be at least 1");
  if (a_elems != s.m * s.k) throw std::invalid_argument("gemm: A must have M*K elements");
  if (b_elems != s.k * s.n) throw std::invalid_argument("gemm: B must have K*N elements");
}

// The commands of C = A x B on an engine of rows x cols PEs and psum_depth
// PSUM rows, in issue order. Commands raise no interrupt.
inline std::vector<GemmStep> plan_gemm(const GemmShape& s, numerics::Dtype dta, numerics::Dtype dtb,
                                       std::size_t rows, std::size_t cols, std::size_t psum_depth) {
  std::vector<GemmStep> steps;
  for (std::size_t n0 = 0; n0 < s.n; n0 += cols) {
    for (std::size_t m0 = 0; m0 < s.m; m0 += psum_depth) {
      const std::size_t mc = std::min(psum_depth, s.m - m0);
      for (std::size_t k0 = 0; k0 < s.k; k0 += rows) {
        GemmStep st;
        st.m0 = m0;
        st.n0 = n0;
        st.k0 = k0;
        st.cmd.dtype_a = dta;
        st.cmd.dtype_w = dtb;
        st.cmd.load_w = true;
        st.cmd.accumulate = k0 > 0;
        st.cmd.emit = k0 + rows >= s.k;
        st.cmd.irq = false;
        st.cmd.m_rows = static_cast<uint32_t>(mc);
        st.cmd.k_rows = static_cast<uint32_t>(std::min(rows, s.k - k0));
        st.cmd.psum_addr = 0;
        steps.push_back(st);
      }
    }
  }
  return steps;
}

// Weight row j (< k_rows) of a step: cols lanes, zero past N.
inline void gemm_weight_row(const GemmStep& st, std::size_t j, const GemmShape& s, const uint16_t* b,
                            std::size_t cols, uint16_t* lanes) {
  std::fill(lanes, lanes + cols, uint16_t(0));
  const uint16_t* src = b + (st.k0 + j) * s.n + st.n0;
  const std::size_t w = std::min(cols, s.n - st.n0);
  std::copy(src, src + w, lanes);
}

// Activation row i (< m_rows) of a step: rows lanes, zero past k_rows.
inline void gemm_act_row(const GemmStep& st, std::size_t i, const GemmShape& s, const uint16_t* a,
                         std::size_t rows, uint16_t* lanes) {
  std::fill(lanes, lanes + rows, uint16_t(0));
  const uint16_t* src = a + (st.m0 + i) * s.k + st.k0;
  std::copy(src, src + st.cmd.k_rows, lanes);
}

// Places result row i of an emitting step (cols FP32 lanes) into C (M x N).
inline void gemm_place_result(const GemmStep& st, std::size_t i, const GemmShape& s, const uint32_t* row,
                              std::size_t cols, uint32_t* c) {
  const std::size_t w = std::min(cols, s.n - st.n0);
  std::copy(row, row + w, c + (st.m0 + i) * s.n + st.n0);
}

}  // namespace trnsim::tensor
