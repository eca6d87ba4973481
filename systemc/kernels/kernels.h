// The kernel library (docs/kernels.md): NeuronCore programs built with the
// kernel-builder API. Each kernel function takes shapes, dtypes and the HBM
// addresses of its tensors and returns a Kernel: the per-engine instruction
// streams plus the DMA descriptors they point at, to be placed in HBM at
// Target::desc_base. Run them functionally with kernels/harness.h; check them
// against kernels/reference.h. Plain C++17, no SystemC.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "isa/isa.h"
#include "isa/semantics.h"

namespace trnsim::kernels {

using isa::Dtype;

// One DMA descriptor (rtl/regs/dma.json layout `desc`, 32 bytes): ROWS rows of
// LEN bytes, row r from SRC + r*SRC_STRIDE to DST + r*DST_STRIDE. Addresses
// are chip addresses (chip/chip_map.h): HBM at 0, SBUF/PSUM of the core at
// chip::sbuf_addr / chip::psum_addr.
struct Descriptor {
  uint64_t src = 0, dst = 0;
  uint32_t len = 0;
  uint16_t rows = 1;
  uint32_t src_stride = 0, dst_stride = 0;
  bool operator==(const Descriptor& o) const;
};
// The 32-byte encoding (field positions from the generated dma_regs.hpp).
void encode_descriptor(const Descriptor& d, uint8_t* out32);
Descriptor decode_descriptor(const uint8_t* in32);

// Where a kernel runs: the core's configuration, which core (for the SBUF/PSUM
// addresses in descriptors) and where its descriptors will sit in HBM.
struct Target {
  isa::CoreConfig core{};
  unsigned core_index = 0;
  uint64_t desc_base = 0;  // HBM address of descriptor 0 (32-byte aligned)
};

// A built kernel. DMA_START instructions point at desc_base + 32 * i.
struct Kernel {
  std::string name;
  isa::Program program;
  std::vector<Descriptor> descriptors;
  uint64_t desc_base = 0;
  std::vector<std::string> sem_names;  // semaphore i's role ("tensor", "dma.q0", ...)
  std::vector<unsigned> queues;        // DMA queues used
  std::vector<uint8_t> descriptor_bytes() const;  // 32 bytes per descriptor
  uint64_t desc_bytes() const { return 32ull * descriptors.size(); }
};

// ---- GEMM: C[M][N] = A[M][K] x B[K][N], row-major in HBM ---------------------
// A, B: BF16 or FP8 (any mix); C: FP32 or BF16 (RNE of the FP32 PSUM sum).
// Tiles: M in tiles of m_tile (<= pe_cols, <= partitions), N in n_tile (<= one
// PSUM bank of FP32), K in k_tile partitions (a multiple of pe_rows, so the
// result matches numerics::gemm_ref with tile_rows = pe_rows bit for bit);
// 0 = the largest allowed. The A^T panel of an M block stays resident for
// its row of output tiles and B tiles stay resident across M blocks (as many
// N tiles as fit in SBUF; docs/kernels.md "GEMM"). buffers = PSUM banks and
// C staging slots; with buffers >= 2 the next M block's A^T panel is
// prepared during the current block and evacuation overlaps the next tile's
// matmuls. dma_queues: DMA queues to spread transfers over (half loads, half
// stores), 0 = as many as the core's queues and semaphores allow (up to 32).
struct GemmParams {
  unsigned m = 0, k = 0, n = 0;
  Dtype a_dtype = Dtype::BF16, b_dtype = Dtype::BF16, c_dtype = Dtype::FP32;
  uint64_t a = 0, b = 0, c = 0;  // HBM addresses
  unsigned buffers = 2;
  unsigned m_tile = 0, n_tile = 0, k_tile = 0;
  unsigned dma_queues = 0;
};
Kernel gemm(const GemmParams& p, const Target& t);

// ---- softmax over the last dimension: Y = softmax(X) row by row --------------
// X [rows][cols] (BF16 or FP32), Y (BF16 or FP32). y = exp(x - max) / sum.
struct SoftmaxParams {
  unsigned rows = 0, cols = 0;
  Dtype x_dtype = Dtype::FP32, y_dtype = Dtype::FP32;
  uint64_t x = 0, y = 0;
  unsigned buffers = 2;
};
Kernel softmax(const SoftmaxParams& p, const Target& t);

// ---- layernorm over the last dimension ---------------------------------------
// y = (x - mean) * rsqrt(var + eps) * gamma + beta; var is the biased
// variance; gamma, beta: FP32 [cols].
struct LayerNormParams {
  unsigned rows = 0, cols = 0;
  float eps = 1e-5f;
  Dtype x_dtype = Dtype::FP32, y_dtype = Dtype::FP32;
  uint64_t x = 0, gamma = 0, beta = 0, y = 0;
  unsigned buffers = 2;
};
Kernel layernorm(const LayerNormParams& p, const Target& t);

// ---- attention forward, one head ---------------------------------------------
// O = softmax(Q K^T / sqrt(d)) V; Q, K, V [s][d] BF16; O [s][d] (FP32/BF16).
// s <= min(partitions, pe_cols, 512), d <= min(partitions, pe_cols).
struct AttentionParams {
  unsigned s = 0, d = 0;
  Dtype o_dtype = Dtype::FP32;
  uint64_t q = 0, k = 0, v = 0, o = 0;
};
Kernel attention(const AttentionParams& p, const Target& t);

// ---- MLP: y = gelu_tanh(x W1) W2 ---------------------------------------------
// x [T][D], W1 [D][H], W2 [H][D], all BF16 in HBM; y FP32 [T][D].
// T, D, H <= min(partitions, pe_cols).
struct MlpParams {
  unsigned t = 0, d = 0, h = 0;
  uint64_t x = 0, w1 = 0, w2 = 0;
  uint64_t y = 0;  // forward output (FP32)
};
Kernel mlp_forward(const MlpParams& p, const Target& t);

// Backward for an upstream gradient dy [T][D] (BF16): dx [T][D], dW1 [D][H],
// dW2 [H][D], all FP32. Recomputes h = x W1 (no saved activations).
struct MlpBackwardParams {
  MlpParams mlp;
  uint64_t dy = 0;
  uint64_t dx = 0, dw1 = 0, dw2 = 0;
};
Kernel mlp_backward(const MlpBackwardParams& p, const Target& t);

// One SGD training step of the MLP on the loss L = 0.5/T * sum (y - target)^2:
// forward, dy = (y - target) / T, backward, W -= lr * dW. x, target: BF16 /
// FP32 [T][D]; W1, W2 are FP32 master weights in HBM, updated in place (the
// matmuls use their BF16 roundings); y (FP32) is written for inspection.
struct MlpTrainParams {
  unsigned t = 0, d = 0, h = 0;
  float lr = 0.01f;
  uint64_t x = 0, target = 0, w1 = 0, w2 = 0, y = 0;
};
Kernel mlp_train_step(const MlpTrainParams& p, const Target& t);

// ---- one training step of a pre-LN transformer layer (single head) ------------
// Forward:  xn = layernorm(x; g1, b1); q = xn Wq; k = xn Wk; v = xn Wv;
//           P = softmax(q k^T / sqrt(D)); o = P v; h1 = x + o Wo;
//           hn = layernorm(h1; g2, b2); y = h1 + gelu_tanh(hn W1) W2.
// Loss L = 0.5/T sum (y - target)^2; backward to every weight (through the
// second layernorm into the residual stream; gamma and beta are fixed), then
// SGD W -= lr dW on Wq, Wk, Wv, Wo, W1, W2 (FP32 master weights in HBM,
// updated in place; the matmuls use BF16 roundings, docs/kernels.md).
// x, target, y: FP32 [T][D]; g1, b1, g2, b2: FP32 [D]; Wq, Wk, Wv, Wo: FP32
// [D][D]; W1: FP32 [D][H]; W2: FP32 [H][D]. T, D, H <= min(partitions,
// pe_cols) (one tile each). y (FP32) is written for inspection.
struct TransformerTrainParams {
  unsigned t = 0, d = 0, h = 0;
  float lr = 0.01f;
  float eps = 1e-5f;  // both layernorms
  uint64_t x = 0, target = 0, y = 0;
  uint64_t ln1_gamma = 0, ln1_beta = 0, ln2_gamma = 0, ln2_beta = 0;
  uint64_t wq = 0, wk = 0, wv = 0, wo = 0, w1 = 0, w2 = 0;
};
Kernel transformer_train_step(const TransformerTrainParams& p, const Target& t);

}  // namespace trnsim::kernels
