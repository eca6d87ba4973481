// GEMM: the bit-level reference (gemm_ref) and the host-SIMD implementation
// (gemm_fast) that produces the same bits. Summation order and the argument
// why the fast path is bit-exact: docs/numerics.md, "GEMM" and "The fast path".
//
// This file must be compiled with -ffp-contract=off (set in CMakeLists.txt):
// the fast kernel's `acc += a * b` must stay a rounded multiply followed by a
// rounded add, never an FMA.
#include "numerics/numerics.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <xmmintrin.h>  // _mm_getcsr / _mm_setcsr
#endif

namespace trnsim::numerics {

namespace {

std::size_t checked_mul(std::size_t x, std::size_t y, const char* what) {
  if (x != 0 && y > std::numeric_limits<std::size_t>::max() / x)
    throw std::invalid_argument(std::string("gemm: size of ") + what + " overflows size_t");
  return x * y;
}

// Argument checks shared by gemm_ref and gemm_fast; nothing is written before.
void check_args(const GemmShape& s, Dtype dta, const uint16_t* a, Dtype dtb,
                const uint16_t* b, const uint32_t* c) {
  if (s.tile_rows == 0) throw std::invalid_argument("gemm: tile_rows must be >= 1");
  if (!dtype_valid(static_cast<unsigned>(dta)))
    throw std::invalid_argument("gemm: invalid dtype code " +
                                std::to_string(static_cast<unsigned>(dta)) + " for A");
  if (!dtype_valid(static_cast<unsigned>(dtb)))
    throw std::invalid_argument("gemm: invalid dtype code " +
                                std::to_string(static_cast<unsigned>(dtb)) + " for B");
  const std::size_t na = checked_mul(s.m, s.k, "A (m*k)");
  const std::size_t nb = checked_mul(s.k, s.n, "B (k*n)");
  const std::size_t nc = checked_mul(s.m, s.n, "C (m*n)");
  if (na != 0 && a == nullptr) throw std::invalid_argument("gemm: A is null");
  if (nb != 0 && b == nullptr) throw std::invalid_argument("gemm: B is null");
  if (nc != 0 && c == nullptr) throw std::invalid_argument("gemm: C is null");
}

// The shared edge cases. Returns true if the GEMM is fully handled.
bool handle_empty(const GemmShape& s, uint32_t* c, bool accumulate) {
  if (s.m == 0 || s.n == 0) return true;
  if (s.k == 0) {
    if (!accumulate) std::fill(c, c + s.m * s.n, 0u);  // empty sum: +0.0
    return true;                                      // accumulate: C untouched
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------
// Reference
// ---------------------------------------------------------------------------

void gemm_ref(const GemmShape& s, Dtype dta, const uint16_t* a, Dtype dtb,
              const uint16_t* b, uint32_t* c, bool accumulate) {
  check_args(s, dta, a, dtb, b, c);
  if (handle_empty(s, c, accumulate)) return;
  const std::size_t M = s.m, K = s.k, N = s.n, T = s.tile_rows;
  for (std::size_t m = 0; m < M; ++m) {
    for (std::size_t n = 0; n < N; ++n) {
      uint32_t psum = c[m * N + n];  // only read if accumulate
      for (std::size_t k0 = 0; k0 < K; k0 += T) {
        const std::size_t k1 = k0 + std::min(T, K - k0);
        uint32_t tile = 0;  // +0.0 enters the top of the column
        for (std::size_t k = k0; k < k1; ++k)
          tile = add(tile, mul(dta, a[m * K + k], dtb, b[k * N + n]));
        psum = (k0 == 0 && !accumulate) ? tile : add(psum, tile);
      }
      c[m * N + n] = psum;
    }
  }
}

// ---------------------------------------------------------------------------
// Fast path
// ---------------------------------------------------------------------------

namespace {

#if defined(__x86_64__)

// MXCSR for the duration of gemm_fast: all exceptions masked (0x1F80),
// FTZ (bit 15), DAZ (bit 6), rounding control 00 = round to nearest even.
// Everything else the caller had (including another rounding mode or
// unmasked exceptions) is replaced and restored afterwards, even if an
// exception propagates (std::bad_alloc from the packing buffers).
constexpr unsigned kMxcsrGemm = 0x1F80u | 0x8000u | 0x0040u;

class MxcsrGuard {
 public:
  MxcsrGuard() : saved_(_mm_getcsr()) { _mm_setcsr(kMxcsrGemm); }
  ~MxcsrGuard() { _mm_setcsr(saved_); }
  MxcsrGuard(const MxcsrGuard&) = delete;
  MxcsrGuard& operator=(const MxcsrGuard&) = delete;

 private:
  unsigned saved_;
};

// GCC vector extensions: the same kernel source compiles to SSE2 (4 lanes)
// or, inlined into a target("avx2") / target("avx512f") function, to AVX2
// (8 lanes) or AVX-512 (16 lanes).
typedef float V4f __attribute__((vector_size(16)));
typedef float V8f __attribute__((vector_size(32)));
typedef float V16f __attribute__((vector_size(64)));

// 256-entry widening tables for the FP8 formats, built once from the
// reference widen_to_fp32 (function-local statics: thread-safe init).
const uint32_t* fp8_table(Dtype dt) {
  using Table = std::array<uint32_t, 256>;
  auto build = [](Dtype d) {
    Table t{};
    for (unsigned i = 0; i < 256; ++i) t[i] = widen_to_fp32(d, static_cast<uint16_t>(i));
    return t;
  };
  static const Table e4m3 = build(Dtype::kFp8E4m3);
  static const Table e5m2 = build(Dtype::kFp8E5m2);
  return dt == Dtype::kFp8E4m3 ? e4m3.data() : e5m2.data();
}

// Widener: BF16 is a shift (plus NaN canonicalisation, which is not needed
// for bit-exactness but keeps the packed operands identical to the
// reference's), FP8 a table lookup of the low 8 bits.
class Widener {
 public:
  explicit Widener(Dtype dt) : bf16_(dt == Dtype::kBf16), table_(bf16_ ? nullptr : fp8_table(dt)) {}
  float operator()(uint16_t code) const {
    uint32_t bits;
    if (bf16_) {
      bits = static_cast<uint32_t>(code) << 16;
      if ((bits & 0x7FFFFFFFu) > 0x7F800000u) bits = kCanonicalNan;
    } else {
      bits = table_[code & 0xFFu];
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }

 private:
  bool bf16_;
  const uint32_t* table_;
};

// Packed, widened operands. A in blocks of MR rows: ap[(blk*K + k)*MR + r]
// = A[blk*MR + r][k]; B in panels of NR columns: bp[(pnl*K + k)*NR + j]
// = B[k][pnl*NR + j]. Padding rows/columns are +0.0; their results are
// computed and discarded (each output lane is independent of the others).
struct KernelArgs {
  const float* ap;
  const float* bp;
  uint32_t* c;
  std::size_t m, k, n, tile_rows;
  std::size_t m_blocks, n_panels;
  bool accumulate;
};

template <typename V, int MR>
__attribute__((always_inline)) inline void gemm_kernel(const KernelArgs& g) {
  constexpr int L = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int NR = 2 * L;
  // Lanes as integers, for the NaN test of the write-back.
  typedef int32_t VI __attribute__((vector_size(sizeof(V))));
  const std::size_t K = g.k, N = g.n, M = g.m, T = g.tile_rows;
  // Cache blocking: a chunk of A blocks (about 128 KiB, stays in L2) is
  // multiplied with every B panel (K x NR, streamed through L1) in turn.
  // This only changes which outputs are computed when, never the order of
  // the additions within an output.
  const std::size_t chunk = std::max<std::size_t>(1, (std::size_t{32} * 1024) / (K * MR));
  for (std::size_t blk0 = 0; blk0 < g.m_blocks; blk0 += chunk)
  for (std::size_t pnl = 0; pnl < g.n_panels; ++pnl) {
    const float* bpanel = g.bp + pnl * K * NR;
    const std::size_t n0 = pnl * NR;
    const int ncols = static_cast<int>(std::min<std::size_t>(NR, N - n0));
    for (std::size_t blk = blk0; blk < std::min(g.m_blocks, blk0 + chunk); ++blk) {
      const float* ablock = g.ap + blk * K * MR;
      const std::size_t m0 = blk * MR;
      const int nrows = static_cast<int>(std::min<std::size_t>(MR, M - m0));

      // The PSUM of this MR x NR block of C.
      alignas(64) float psum[MR][NR];
      if (g.accumulate) {
        for (int r = 0; r < MR; ++r) {
          if (r < nrows && ncols == NR) {
            std::memcpy(&psum[r][0], &g.c[(m0 + r) * N + n0], sizeof(float) * NR);
            continue;
          }
          for (int j = 0; j < NR; ++j) {
            uint32_t bits = 0;
            if (r < nrows && j < ncols) bits = g.c[(m0 + r) * N + n0 + j];
            std::memcpy(&psum[r][j], &bits, sizeof(float));
          }
        }
      }
      for (std::size_t k0 = 0; k0 < K; k0 += T) {
        const std::size_t k1 = k0 + std::min(T, K - k0);
        // The MR x 2 accumulators must live in registers: unroll the r loops.
        V acc[MR][2];
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = V{};  // +0.0
        for (std::size_t k = k0; k < k1; ++k) {
          V b0, b1;
          std::memcpy(&b0, bpanel + k * NR, sizeof(V));
          std::memcpy(&b1, bpanel + k * NR + L, sizeof(V));
          const float* arow = ablock + k * MR;
#pragma GCC unroll 16
          for (int r = 0; r < MR; ++r) {
            const float av = arow[r];
            acc[r][0] += b0 * av;  // rounded product, then rounded add
            acc[r][1] += b1 * av;
          }
        }
        if (k0 == 0 && !g.accumulate) {
#pragma GCC unroll 16
          for (int r = 0; r < MR; ++r) {
            std::memcpy(&psum[r][0], &acc[r][0], sizeof(V));
            std::memcpy(&psum[r][L], &acc[r][1], sizeof(V));
          }
        } else {
#pragma GCC unroll 16
          for (int r = 0; r < MR; ++r) {
            V p0, p1;
            std::memcpy(&p0, &psum[r][0], sizeof(V));
            std::memcpy(&p1, &psum[r][L], sizeof(V));
            p0 += acc[r][0];  // C = C + tile
            p1 += acc[r][1];
            std::memcpy(&psum[r][0], &p0, sizeof(V));
            std::memcpy(&psum[r][L], &p1, sizeof(V));
          }
        }
      }
      // Write back, canonicalising NaN (x86 makes 0xFFC00000 or propagates
      // payloads; NaN is absorbing, so this one step at the end suffices).
      // Whole vectors where the block is full, lane by lane at the edges.
      for (int r = 0; r < nrows; ++r) {
        if (ncols == NR) {
          for (int h = 0; h < 2; ++h) {
            VI bits;
            std::memcpy(&bits, &psum[r][h * L], sizeof bits);
            const VI nan = (bits & 0x7FFFFFFF) > 0x7F800000;  // all ones where NaN
            bits = (bits & ~nan) | (nan & static_cast<int32_t>(kCanonicalNan));
            std::memcpy(&g.c[(m0 + r) * N + n0 + std::size_t(h) * L], &bits, sizeof bits);
          }
          continue;
        }
        for (int j = 0; j < ncols; ++j) {
          uint32_t bits;
          std::memcpy(&bits, &psum[r][j], sizeof bits);
          if ((bits & 0x7FFFFFFFu) > 0x7F800000u) bits = kCanonicalNan;
          g.c[(m0 + r) * N + n0 + j] = bits;
        }
      }
    }
  }
}

constexpr int kMrSse2 = 4, kNrSse2 = 8;      // 8 accumulators of 4 lanes
constexpr int kMrAvx2 = 6, kNrAvx2 = 16;     // 12 accumulators of 8 lanes
constexpr int kMrAvx512 = 12, kNrAvx512 = 32;  // 24 of the 32 zmm registers

__attribute__((noinline)) void kernel_sse2(const KernelArgs& g) {
  gemm_kernel<V4f, kMrSse2>(g);
}

__attribute__((noinline, target("avx2"))) void kernel_avx2(const KernelArgs& g) {
  gemm_kernel<V8f, kMrAvx2>(g);
}

__attribute__((noinline, target("avx512f"))) void kernel_avx512(const KernelArgs& g) {
  gemm_kernel<V16f, kMrAvx512>(g);
}

bool cpu_has_avx2() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}

// (libgcc's check includes the OS's XSAVE support of the zmm state.)
bool cpu_has_avx512() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return has;
}

// Packing buffers, kept per thread between calls: the tensor model calls
// gemm_fast once per command, and a fresh 256 KiB vector each time costs
// more in page faults and zeroing than the packing itself.
std::vector<float>& pack_buffer(int which) {
  thread_local std::vector<float> bufs[2];
  return bufs[which];
}

float* sized(std::vector<float>& v, std::size_t n) {
  if (v.size() < n) {
    v.clear();
    v.shrink_to_fit();
    v.resize(n);
  }
  return v.data();
}

int kernel_mr(GemmKernel kernel) {
  return kernel == GemmKernel::kAvx512 ? kMrAvx512 : kernel == GemmKernel::kAvx2 ? kMrAvx2 : kMrSse2;
}
int kernel_nr(GemmKernel kernel) {
  return kernel == GemmKernel::kAvx512 ? kNrAvx512 : kernel == GemmKernel::kAvx2 ? kNrAvx2 : kNrSse2;
}

// B (K x N codes) into panels of NR columns, written in order (B read row by
// row); padding columns of the last panel are +0.0. bp holds
// ceil(N / NR) * NR * K floats.
void pack_b(int NR, std::size_t K, std::size_t N, Dtype dtb, const uint16_t* b, float* bp) {
  const std::size_t n_panels = (N + NR - 1) / NR;
  const Widener wb(dtb);
  for (std::size_t pnl = 0; pnl < n_panels; ++pnl) {
    float* dst = bp + pnl * K * NR;
    const std::size_t n0 = pnl * std::size_t(NR);
    const std::size_t nc = std::min<std::size_t>(NR, N - n0);
    for (std::size_t k = 0; k < K; ++k, dst += NR) {
      const uint16_t* src = b + k * N + n0;
      for (std::size_t j = 0; j < nc; ++j) dst[j] = wb(src[j]);
      for (std::size_t j = nc; j < std::size_t(NR); ++j) dst[j] = 0.0f;
    }
  }
}

std::size_t packed_b_size(int NR, std::size_t K, std::size_t N) {
  const std::size_t n_panels = (N + NR - 1) / NR;
  return checked_mul(checked_mul(n_panels, NR, "packed B"), K, "packed B");
}

// A packed here, B already packed (bp, for this kernel's NR).
void gemm_simd_packed(GemmKernel kernel, const GemmShape& s, Dtype dta, const uint16_t* a,
                      const float* bp, uint32_t* c, bool accumulate) {
  const int MR = kernel_mr(kernel), NR = kernel_nr(kernel);
  const std::size_t M = s.m, K = s.k, N = s.n;
  const std::size_t m_blocks = (M + MR - 1) / MR;
  const std::size_t n_panels = (N + NR - 1) / NR;
  const std::size_t na = checked_mul(checked_mul(m_blocks, MR, "packed A"), K, "packed A");
  float* ap = sized(pack_buffer(0), na);
  const Widener wa(dta);
  // The packing writes its buffer in order (reads: MR rows of A side by
  // side). Padding rows of the last A block are +0.0 (the buffer is reused).
  for (std::size_t blk = 0; blk < m_blocks; ++blk) {
    float* dst = ap + blk * K * MR;
    const std::size_t m0 = blk * std::size_t(MR);
    const int nr = static_cast<int>(std::min<std::size_t>(MR, M - m0));
    const uint16_t* src = a + m0 * K;
    for (std::size_t k = 0; k < K; ++k, dst += MR) {
      for (int r = 0; r < nr; ++r) dst[r] = wa(src[std::size_t(r) * K + k]);
      for (int r = nr; r < MR; ++r) dst[r] = 0.0f;
    }
  }
  const KernelArgs g{ap, bp, c,        M,         K,
                     N,  s.tile_rows, m_blocks, n_panels, accumulate};
  // All host floating-point arithmetic happens inside the kernel, which
  // reads its operands from memory, so it cannot move across the guard.
  MxcsrGuard guard;
  if (kernel == GemmKernel::kAvx512)
    kernel_avx512(g);
  else if (kernel == GemmKernel::kAvx2)
    kernel_avx2(g);
  else
    kernel_sse2(g);
}

void gemm_simd(GemmKernel kernel, const GemmShape& s, Dtype dta, const uint16_t* a, Dtype dtb,
               const uint16_t* b, uint32_t* c, bool accumulate) {
  const int NR = kernel_nr(kernel);
  float* bp = sized(pack_buffer(1), packed_b_size(NR, s.k, s.n));
  pack_b(NR, s.k, s.n, dtb, b, bp);
  gemm_simd_packed(kernel, s, dta, a, bp, c, accumulate);
}

#endif  // __x86_64__

}  // namespace

const char* gemm_kernel_name(GemmKernel kernel) {
  switch (kernel) {
    case GemmKernel::kAuto: return "auto";
    case GemmKernel::kReference: return "reference";
    case GemmKernel::kSse2: return "sse2";
    case GemmKernel::kAvx2: return "avx2";
    case GemmKernel::kAvx512: return "avx512";
  }
  return "invalid";
}

bool gemm_kernel_supported(GemmKernel kernel) {
  switch (kernel) {
    case GemmKernel::kAuto:
    case GemmKernel::kReference: return true;
#if defined(__x86_64__)
    case GemmKernel::kSse2: return true;
    case GemmKernel::kAvx2: return cpu_has_avx2();
    case GemmKernel::kAvx512: return cpu_has_avx512();
#else
    case GemmKernel::kSse2:
    case GemmKernel::kAvx2:
    case GemmKernel::kAvx512: return false;
#endif
  }
  return false;
}

GemmKernel gemm_kernel_auto() {
#if defined(__x86_64__)
  if (cpu_has_avx512()) return GemmKernel::kAvx512;
  return cpu_has_avx2() ? GemmKernel::kAvx2 : GemmKernel::kSse2;
#else
  return GemmKernel::kReference;
#endif
}

void gemm_fast_with(GemmKernel kernel, const GemmShape& s, Dtype dta, const uint16_t* a,
                    Dtype dtb, const uint16_t* b, uint32_t* c, bool accumulate) {
  if (!gemm_kernel_supported(kernel))
    throw std::invalid_argument(std::string("gemm_fast: kernel '") + gemm_kernel_name(kernel) +
                                "' is not supported on this host");
  if (kernel == GemmKernel::kAuto) kernel = gemm_kernel_auto();
  check_args(s, dta, a, dtb, b, c);
  if (handle_empty(s, c, accumulate)) return;
  switch (kernel) {
#if defined(__x86_64__)
    case GemmKernel::kSse2:
    case GemmKernel::kAvx2:
    case GemmKernel::kAvx512: gemm_simd(kernel, s, dta, a, dtb, b, c, accumulate); return;
#endif
    default: gemm_ref(s, dta, a, dtb, b, c, accumulate); return;
  }
}

void gemm_fast(const GemmShape& s, Dtype dta, const uint16_t* a, Dtype dtb,
               const uint16_t* b, uint32_t* c, bool accumulate) {
  gemm_fast_with(GemmKernel::kAuto, s, dta, a, dtb, b, c, accumulate);
}

void gemm_pack_b(std::size_t k, std::size_t n, Dtype dtb, const uint16_t* b, GemmPackedB& out) {
  if (!dtype_valid(static_cast<unsigned>(dtb)))
    throw std::invalid_argument("gemm_pack_b: invalid dtype code " +
                                std::to_string(static_cast<unsigned>(dtb)) + " for B");
  const std::size_t nb = checked_mul(k, n, "B (k*n)");
  if (nb != 0 && b == nullptr) throw std::invalid_argument("gemm_pack_b: B is null");
  out.kernel = gemm_kernel_auto();
  out.dt = dtb;
  out.k = k;
  out.n = n;
  out.valid = true;
#if defined(__x86_64__)
  if (out.kernel != GemmKernel::kReference) {
    const int NR = kernel_nr(out.kernel);
    out.panels.resize(packed_b_size(NR, k, n));
    out.codes.clear();
    if (nb != 0) pack_b(NR, k, n, dtb, b, out.panels.data());
    return;
  }
#endif
  out.panels.clear();
  out.codes.assign(b, b + nb);
}

void gemm_fast_packed(const GemmShape& s, Dtype dta, const uint16_t* a, const GemmPackedB& b,
                      uint32_t* c, bool accumulate) {
  if (!b.valid || s.k != b.k || s.n != b.n)
    throw std::invalid_argument("gemm_fast_packed: packed B is " +
                                (b.valid ? std::to_string(b.k) + "x" + std::to_string(b.n) : std::string("empty")) +
                                ", the shape needs " + std::to_string(s.k) + "x" + std::to_string(s.n));
  const uint16_t* codes = b.codes.empty() ? nullptr : b.codes.data();
  // The checks of gemm_fast (B itself is known good: any non-null pointer).
  const uint16_t dummy = 0;
  check_args(s, dta, a, b.dt, codes ? codes : &dummy, c);
  if (handle_empty(s, c, accumulate)) return;
#if defined(__x86_64__)
  if (b.kernel != GemmKernel::kReference) {
    gemm_simd_packed(b.kernel, s, dta, a, b.panels.data(), c, accumulate);
    return;
  }
#endif
  gemm_ref(s, dta, a, b.dt, codes, c, accumulate);
}

}  // namespace trnsim::numerics
