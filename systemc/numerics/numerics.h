// Golden numerics of the tensor engine: input formats, the MAC semantics the
// RTL implements, and GEMM on them. Plain C++17, no SystemC. The semantics
// are specified in docs/numerics.md; this is the one definition of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trnsim::numerics {

// Datatype codes, shared with the RTL (tensor CSR field CMD_CFG.DTYPE_*).
enum class Dtype : uint8_t { kBf16 = 0, kFp8E4m3 = 1, kFp8E5m2 = 2 };

constexpr uint32_t kCanonicalNan = 0x7FC00000u;

// Name <-> code ("bf16", "fp8e4m3", "fp8e5m2"); parse throws std::invalid_argument
// naming the bad text.
const char* dtype_name(Dtype dt);
Dtype parse_dtype(const std::string& name);
bool dtype_valid(unsigned code);  // code is one of the three above
unsigned dtype_bits(Dtype dt);    // 16 or 8

// Exact widening of an input code (low 8 or 16 bits used) to FP32 bits.
// BF16 subnormals widen to FP32 subnormals (the multiplier then reads them as
// zero, DAZ); FP8 subnormals widen to normal FP32 values. NaN inputs widen to
// kCanonicalNan. E4M3 (OCP "FN" variant) has no infinities: S.1111.111 is NaN.
uint32_t widen_to_fp32(Dtype dt, uint16_t code);

// One product as the PE computes it: widen, DAZ, exact product, overflow to
// +-inf, underflow below 2^-126 to signed zero, NaN canonical. Bit-level
// integer implementation (independent of the host FPU).
uint32_t mul(Dtype dta, uint16_t a, Dtype dtb, uint16_t b);

// FP32 addition as the PE and PSUM adders compute it: DAZ on both operands,
// IEEE-754 binary32 round-to-nearest-even, FTZ of the result (sign kept),
// NaN results canonical, inf - inf = NaN. Bit-level integer implementation.
uint32_t add(uint32_t a, uint32_t b);

// GEMM C[M][N] = A[M][K] x B[K][N] (+ C), row-major, inputs as codes.
// Summation order (docs/numerics.md): K is split into tiles of tile_rows
// (the array's ROWS). For each tile, each output starts at +0.0 and adds the
// tile's products in increasing k (the partial sum flowing down a column);
// the tile sum then goes to the PSUM: the first tile overwrites (or, if
// accumulate is true, adds to the existing C), later tiles add: C = C + tile.
// Edge cases (both implementations): M == 0 or N == 0 writes nothing;
// K == 0 sets every C to +0.0 (0x00000000), or leaves C untouched bit for bit
// if accumulate (no tile reaches the PSUM). tile_rows == 0, an invalid dtype,
// a null pointer for a non-empty matrix, or sizes overflowing size_t throw
// std::invalid_argument before anything is written. C must not alias A or B.
struct GemmShape {
  std::size_t m = 0, k = 0, n = 0;
  std::size_t tile_rows = 128;
};

// Reference: the bit-level mul/add above, in exactly that order.
void gemm_ref(const GemmShape& s, Dtype dta, const uint16_t* a, Dtype dtb,
              const uint16_t* b, uint32_t* c, bool accumulate);

// Fast: host SIMD with FTZ+DAZ set for the duration, fp-contract off, NaN
// canonicalised at the end. Bit-identical to gemm_ref.
void gemm_fast(const GemmShape& s, Dtype dta, const uint16_t* a, Dtype dtb,
               const uint16_t* b, uint32_t* c, bool accumulate);

// Host implementations behind gemm_fast, selectable for tests and benchmarks
// (all bit-identical to gemm_ref). kAuto picks the best one the host runs:
// kAvx512 if the CPU (and OS) have AVX-512F, else kAvx2 if the CPU has AVX2,
// else kSse2 on x86-64, else kReference (gemm_ref, the portable fallback).
enum class GemmKernel : uint8_t { kAuto = 0, kReference, kSse2, kAvx2, kAvx512 };
const char* gemm_kernel_name(GemmKernel kernel);  // "auto", "reference", "sse2", "avx2", "avx512"
bool gemm_kernel_supported(GemmKernel kernel);    // can this host run it?
GemmKernel gemm_kernel_auto();                    // what kAuto resolves to here
// gemm_fast with a forced kernel; throws std::invalid_argument if the host
// cannot run it (see gemm_kernel_supported).
void gemm_fast_with(GemmKernel kernel, const GemmShape& s, Dtype dta, const uint16_t* a,
                    Dtype dtb, const uint16_t* b, uint32_t* c, bool accumulate);

// B packed once for many gemm_fast calls on the same weights (the tensor
// model keeps a bank of weights for many commands): gemm_pack_b widens and
// lays out B (k x n codes, row-major) for the kAuto kernel; gemm_fast_packed
// is gemm_fast with that B, the same arithmetic in the same order, so
// bit-identical to gemm_ref. gemm_fast_packed throws std::invalid_argument if
// the packed B is empty or its k x n differs from the shape's.
struct GemmPackedB {
  bool valid = false;
  GemmKernel kernel = GemmKernel::kAuto;  // resolved kernel it is packed for
  Dtype dt = Dtype::kBf16;
  std::size_t k = 0, n = 0;
  std::vector<float> panels;    // SIMD kernels: panels of the kernel's NR columns
  std::vector<uint16_t> codes;  // kReference: B itself
};
void gemm_pack_b(std::size_t k, std::size_t n, Dtype dtb, const uint16_t* b, GemmPackedB& out);
void gemm_fast_packed(const GemmShape& s, Dtype dta, const uint16_t* a, const GemmPackedB& b,
                      uint32_t* c, bool accumulate);

}  // namespace trnsim::numerics
