// Plain C++ references of the kernels' maths (docs/kernels.md, "Tolerances").
// GEMM is numerics::gemm_ref itself (bit-exact target). The others compute
// in FP32 (float, the host libm) and round to BF16 at the same points as the
// kernels do (matmul inputs are BF16), so the remaining differences are the
// order of FP32 operations, libm last-ulp differences and BF16 rounding
// boundaries; the tests' tolerances cover exactly those.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/isa.h"

namespace trnsim::kernels::ref {

using isa::Dtype;

// Raw element bits <-> float (isa::to_fp32 / from_fp32: RNE, the engines' rules).
float value(Dtype dt, uint32_t raw);
uint32_t raw(Dtype dt, float v);
float bf16(float v);  // round to BF16 and back

// C = A x B with numerics::gemm_ref (K tiles of tile_rows), then C's dtype.
// A, B, C as raw element bits, row-major.
std::vector<uint32_t> gemm(unsigned m, unsigned k, unsigned n, Dtype a_dt,
                           const std::vector<uint32_t>& a, Dtype b_dt,
                           const std::vector<uint32_t>& b, Dtype c_dt, unsigned tile_rows);

std::vector<float> softmax(unsigned rows, unsigned cols, const std::vector<float>& x);
std::vector<float> layernorm(unsigned rows, unsigned cols, const std::vector<float>& x,
                             const std::vector<float>& gamma, const std::vector<float>& beta,
                             float eps);
// Q, K, V [s][d] (BF16 values); P = exp(S - max) rounded to BF16 before P V,
// normalised after, as the kernel does.
std::vector<float> attention(unsigned s, unsigned d, const std::vector<float>& q,
                             const std::vector<float>& k, const std::vector<float>& v);

float gelu_tanh(float x);
float gelu_tanh_grad(float x);

// y = gelu(x W1) W2 with BF16 x, W1, W2 and gelu(.) rounded to BF16.
std::vector<float> mlp_forward(unsigned t, unsigned d, unsigned h, const std::vector<float>& x,
                               const std::vector<float>& w1, const std::vector<float>& w2);
struct MlpGrads {
  std::vector<float> dx, dw1, dw2;
};
// dy BF16; dh rounded to BF16, a = gelu(h) BF16 (as the kernel's matmul inputs).
MlpGrads mlp_backward(unsigned t, unsigned d, unsigned h, const std::vector<float>& x,
                      const std::vector<float>& w1, const std::vector<float>& w2,
                      const std::vector<float>& dy);
struct MlpStep {
  std::vector<float> y, w1, w2;  // forward output, updated FP32 weights
};
// x BF16 values; w1, w2 FP32 masters (the matmuls use their BF16 roundings);
// loss 0.5/T sum (y - target)^2, dy = (y - target)/T rounded to BF16; SGD.
MlpStep mlp_train_step(unsigned t, unsigned d, unsigned h, float lr, const std::vector<float>& x,
                       const std::vector<float>& target, const std::vector<float>& w1,
                       const std::vector<float>& w2);

// One SGD step of the pre-LN single-head transformer layer of
// kernels::transformer_train_step, with the kernel's BF16 rounding points
// (layernorm outputs, q, k, v, P, o, gelu(h), dy, dh, d(residual), do, dV,
// dS / sqrt(D), dq, dk, and the BF16 copies of the FP32 master weights) and
// its FP32 operation order. The engines' transcendental functions (exp,
// tanh, gelu, rsqrt, reciprocal) are computed in double and rounded once, as
// isa.md defines them. tile_rows > 0: matmul sums over K in tiles of
// tile_rows as the tensor engine does (numerics::gemm_ref); 0: one tile.
struct TransformerWeights {
  std::vector<float> wq, wk, wv, wo;  // [D][D]
  std::vector<float> w1;              // [D][H]
  std::vector<float> w2;              // [H][D]
};
struct TransformerStep {
  std::vector<float> y;   // forward output before the update
  double loss = 0;        // 0.5/T sum (y - target)^2
  TransformerWeights w;   // updated FP32 weights
};
TransformerStep transformer_train_step(unsigned t, unsigned d, unsigned h, float lr, float eps,
                                       const std::vector<float>& x, const std::vector<float>& target,
                                       const std::vector<float>& ln1_gamma, const std::vector<float>& ln1_beta,
                                       const std::vector<float>& ln2_gamma, const std::vector<float>& ln2_beta,
                                       const TransformerWeights& w, unsigned tile_rows = 0);

}  // namespace trnsim::kernels::ref
