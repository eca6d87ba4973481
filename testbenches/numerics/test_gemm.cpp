// gemm_ref (hand-computed cases, edge cases) and gemm_fast == gemm_ref bit
// for bit on random shapes, every dtype pair, every host kernel.
#include "numerics/numerics.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "test_util.h"

using namespace trnsim::numerics;
using namespace trnsim::numerics::test;

namespace {

constexpr Dtype kAllDtypes[] = {Dtype::kBf16, Dtype::kFp8E4m3, Dtype::kFp8E5m2};

std::vector<GemmKernel> host_kernels() {
  std::vector<GemmKernel> ks;
  for (GemmKernel k : {GemmKernel::kAuto, GemmKernel::kReference, GemmKernel::kSse2,
                       GemmKernel::kAvx2, GemmKernel::kAvx512})
    if (gemm_kernel_supported(k)) ks.push_back(k);
  return ks;
}

// The SIMD kernels (kAuto is one of them, kReference is gemm_ref itself);
// on a host without any, the portable fallback.
std::vector<GemmKernel> simd_kernels() {
  std::vector<GemmKernel> ks;
  for (GemmKernel k : {GemmKernel::kSse2, GemmKernel::kAvx2, GemmKernel::kAvx512})
    if (gemm_kernel_supported(k)) ks.push_back(k);
  if (ks.empty()) ks.push_back(GemmKernel::kAuto);
  return ks;
}

enum class Values { kNormal, kSpecial, kWide, kTiny };
const char* values_name(Values v) {
  switch (v) {
    case Values::kNormal: return "normal";
    case Values::kSpecial: return "special";
    case Values::kWide: return "wide";
    case Values::kTiny: return "tiny";
  }
  return "?";
}

const std::vector<uint16_t>& specials(Dtype dt) {
  static const std::vector<uint16_t> bf16 = {
      0x0000, 0x8000, 0x0001, 0x807F, 0x0080,  // zeros, subnormals (DAZ), min normal
      0x7F80, 0xFF80, 0x7FC0, 0xFFC1, 0x7F81,  // inf, NaNs with payloads
      0x7F7F, 0xFF7F, 0x7E00, 0xFE40};         // huge: products overflow
  static const std::vector<uint16_t> e4m3 = {0x00, 0x80, 0x01, 0x87, 0x07,  // zeros, subnormals
                                             0x7F, 0xFF,                    // NaN
                                             0x7E, 0xFE, 0x08};             // +-448, min normal
  static const std::vector<uint16_t> e5m2 = {0x00, 0x80, 0x01, 0x83,  // zeros, subnormals
                                             0x7C, 0xFC,              // +-inf
                                             0x7D, 0xFF,              // NaN
                                             0x7B, 0xFB, 0x04};       // max, min normal
  switch (dt) {
    case Dtype::kBf16: return bf16;
    case Dtype::kFp8E4m3: return e4m3;
    case Dtype::kFp8E5m2: return e5m2;
  }
  return bf16;
}

uint16_t random_code(Dtype dt, Values mode, std::mt19937_64& rng) {
  const uint64_t r = rng();
  const double u = static_cast<double>(r >> 11) * 0x1.0p-53;
  uint64_t s = rng();
  const uint16_t sign = (s & 1) ? 0x8000 : 0;
  if ((mode == Values::kSpecial && u < 0.15) || (mode != Values::kNormal && u < 0.03)) {
    const auto& sp = specials(dt);
    uint16_t c = sp[(s >> 1) % sp.size()];
    if (dt != Dtype::kBf16 && ((s >> 20) & 1)) c = static_cast<uint16_t>(c | ((s >> 24) & 0xFF00));
    return c;
  }
  if (dt == Dtype::kBf16) {
    int e;
    switch (mode) {
      case Values::kWide: e = 1 + static_cast<int>((s >> 1) % 254); break;
      case Values::kTiny: e = 1 + static_cast<int>((s >> 1) % 70); break;
      default: e = 127 - 8 + static_cast<int>((s >> 1) % 17); break;
    }
    return static_cast<uint16_t>(sign | (e << 7) | ((s >> 16) & 0x7F));
  }
  // FP8: finite normal codes (normal/special modes) or any code (wide/tiny);
  // random garbage in the upper 8 bits half of the time.
  uint16_t c;
  for (;;) {
    c = static_cast<uint16_t>((s >> 8) & 0xFF);
    if (mode == Values::kWide || mode == Values::kTiny) break;
    const bool e4 = dt == Dtype::kFp8E4m3;
    const unsigned e = e4 ? (c >> 3) & 0xF : (c >> 2) & 0x1F;
    const bool finite_normal = e4 ? (e != 0 && (c & 0x7F) != 0x7F) : (e != 0 && e != 31);
    if (finite_normal) break;
    s = rng();
  }
  if ((s >> 30) & 1) c = static_cast<uint16_t>(c | ((s >> 40) & 0xFF00));
  return c;
}

uint32_t random_c(std::mt19937_64& rng) {
  static const uint32_t sp[] = {0x00000000, 0x80000000, 0x00000001, 0x807FFFFF,
                                0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001,
                                0x7F800001, 0x7F7FFFFF, 0x00800000};
  const uint64_t r = rng();
  if ((r & 0xF) == 0) return sp[(r >> 4) % (sizeof sp / sizeof sp[0])];
  return make_f32((r >> 8) & 1, 127 - 10 + static_cast<uint32_t>((r >> 9) % 21),
                  static_cast<uint32_t>(r >> 32));
}

std::string describe(const GemmShape& s, Dtype da, Dtype db, bool acc) {
  std::ostringstream os;
  os << "M=" << s.m << " K=" << s.k << " N=" << s.n << " tile_rows=" << s.tile_rows << " "
     << dtype_name(da) << " x " << dtype_name(db) << (acc ? " accumulate" : " overwrite");
  return os.str();
}

// Runs gemm_ref and every host kernel on the same operands; returns the
// number of mismatching outputs (reported via Catch on the first one).
std::size_t check_fast_matches_ref(const GemmShape& s, Dtype da, Dtype db, Values mode,
                                   bool acc, std::mt19937_64& rng) {
  INFO(describe(s, da, db, acc) << " values=" << values_name(mode));
  std::vector<uint16_t> a(s.m * s.k), b(s.k * s.n);
  for (auto& x : a) x = random_code(da, mode, rng);
  for (auto& x : b) x = random_code(db, mode, rng);
  std::vector<uint32_t> c0(s.m * s.n);
  for (auto& x : c0) x = random_c(rng);
  std::vector<uint32_t> ref = c0;
  gemm_ref(s, da, a.data(), db, b.data(), ref.data(), acc);
  std::size_t bad = 0;
  for (GemmKernel kern : simd_kernels()) {
    INFO("kernel " << gemm_kernel_name(kern));
    constexpr std::size_t kGuard = 17;  // canary words after C
    std::vector<uint32_t> c(c0);
    c.resize(c0.size() + kGuard, 0xA5A5A5A5u);
    gemm_fast_with(kern, s, da, a.data(), db, b.data(), c.data(), acc);
    for (std::size_t i = 0; i < kGuard; ++i)
      if (c[c0.size() + i] != 0xA5A5A5A5u) FAIL_CHECK("gemm_fast wrote past the end of C");
    for (std::size_t i = 0; i < ref.size(); ++i) {
      if (c[i] != ref[i]) {
        if (bad++ == 0) {
          INFO("first mismatch at m=" << i / s.n << " n=" << i % s.n << std::hex << " ref 0x"
                                      << ref[i] << " fast 0x" << c[i] << " C_old 0x" << c0[i]);
          CHECK(c[i] == ref[i]);
        }
      }
    }
  }
  return bad;
}

}  // namespace

TEST_CASE("gemm: hand-computed 1x4x3 BF16 GEMM", "[numerics][gemm]") {
  // A = [1, 1, 1, 1] (BF16 0x3F80), so every product is exact and equals B.
  // B columns (K = 4 rows each), tile_rows = 2 (tiles {k0,k1} and {k2,k3}):
  //  col 0: [1, 2^24, 1, 1]   (0x3F80, 0x4B80, 0x3F80, 0x3F80)
  //    tile 0: +0 + 1 = 1; 1 + 2^24 = 16777217 is a tie between 2^24 (even
  //            fraction 0) and 2^24 + 2 -> 2^24 (0x4B800000)
  //    tile 1: +0 + 1 = 1; 1 + 1 = 2 (0x40000000)
  //    C = 2^24 + 2 = 16777218 exactly = 0x4B800001.
  //    (One long chain, tile_rows = 4, gives 2^24 + 1 -> 2^24, + 1 -> 2^24:
  //    0x4B800000, so the tile boundary is visible in the bits.)
  //  col 1: [+inf, 1, -inf, 1] (0x7F80, 0x3F80, 0xFF80, 0x3F80)
  //    tile 0 = +inf, tile 1 = -inf, C = inf + -inf = NaN = 0x7FC00000.
  //  col 2: [2^-126, -(1+2^-7)*2^-126, 2^-126, -(1+2^-7)*2^-126]
  //         (0x0080, 0x8081, 0x0080, 0x8081)
  //    tile 0: +0 + 2^-126 = 2^-126; 2^-126 - (1+2^-7)*2^-126 = -2^-133,
  //            below 2^-126: FTZ -> -0 (0x80000000). Same for tile 1.
  //    C = -0 + -0 = -0 = 0x80000000. With accumulate and C_old = +0:
  //    +0 + -0 = +0, +0 + -0 = +0 -> 0x00000000; C_old = -0 keeps -0.
  const GemmShape s{1, 4, 3, 2};
  const std::vector<uint16_t> a = {0x3F80, 0x3F80, 0x3F80, 0x3F80};
  const std::vector<uint16_t> b = {0x3F80, 0x7F80, 0x0080,   // k = 0
                                   0x4B80, 0x3F80, 0x8081,   // k = 1
                                   0x3F80, 0xFF80, 0x0080,   // k = 2
                                   0x3F80, 0x3F80, 0x8081};  // k = 3
  for (GemmKernel kern : host_kernels()) {
    INFO("kernel " << gemm_kernel_name(kern));
    std::vector<uint32_t> c(3, 0x12345678u);
    gemm_ref(s, Dtype::kBf16, a.data(), Dtype::kBf16, b.data(), c.data(), false);
    CHECK(c == std::vector<uint32_t>{0x4B800001u, 0x7FC00000u, 0x80000000u});
    std::vector<uint32_t> f(3, 0x12345678u);
    gemm_fast_with(kern, s, Dtype::kBf16, a.data(), Dtype::kBf16, b.data(), f.data(), false);
    CHECK(f == c);

    const GemmShape one_tile{1, 4, 3, 4};
    gemm_fast_with(kern, one_tile, Dtype::kBf16, a.data(), Dtype::kBf16, b.data(), f.data(), false);
    CHECK(f == std::vector<uint32_t>{0x4B800000u, 0x7FC00000u, 0x80000000u});

    // Accumulate: C_old + tile 0 + tile 1.
    f = {0x3F800000u, 0x00000000u, 0x00000000u};  // 1, +0, +0
    gemm_fast_with(kern, s, Dtype::kBf16, a.data(), Dtype::kBf16, b.data(), f.data(), true);
    // col 0: 1 + 2^24 -> 2^24 (tie to even), + 2 = 2^24 + 2.
    CHECK(f == std::vector<uint32_t>{0x4B800001u, 0x7FC00000u, 0x00000000u});
    f = {0x3F800000u, 0x7F800000u, 0x80000000u};
    gemm_fast_with(kern, s, Dtype::kBf16, a.data(), Dtype::kBf16, b.data(), f.data(), true);
    CHECK(f == std::vector<uint32_t>{0x4B800001u, 0x7FC00000u, 0x80000000u});
  }
}

TEST_CASE("gemm: hand-computed FP8 mixed GEMM", "[numerics][gemm]") {
  // A (E4M3) 2x3, B (E5M2) 3x1, tile_rows = 128 (one tile).
  // Row 0: [448, 448, -448] . [57344, 57344, 57344]
  //   448 * 57344 = 25690112 = 1.53125 * 2^24 (exact product, 0x4BC40000)
  //   +0 + p = p; p + p = 2p = 0x4C440000; 2p - p = p = 0x4BC40000.
  // Row 1: [2^-9 (E4M3 min subnormal 0x01), 1 (0x38), NaN (0x7F)]
  //   . [2^-16 (0x01), 0 (0x00), 1 (0x3C)] -> the NaN product makes C NaN.
  const GemmShape s{2, 3, 1, 128};
  const std::vector<uint16_t> a = {0x7E, 0x7E, 0xFE, 0x01, 0x38, 0x7F};
  const std::vector<uint16_t> b = {0x7B, 0x7B, 0x7B};
  const std::vector<uint16_t> b2 = {0x01, 0x00, 0x3C};
  for (GemmKernel kern : host_kernels()) {
    INFO("kernel " << gemm_kernel_name(kern));
    std::vector<uint32_t> c(2);
    gemm_fast_with(kern, s, Dtype::kFp8E4m3, a.data(), Dtype::kFp8E5m2, b.data(), c.data(), false);
    CHECK(c[0] == 0x4BC40000u);
    gemm_fast_with(kern, s, Dtype::kFp8E4m3, a.data(), Dtype::kFp8E5m2, b2.data(), c.data(), false);
    CHECK(c[1] == kCanonicalNan);
    // Row 0 . b2 = 448 * 2^-16 + 448 * 0 - 448 * 1 = 0.0068359375 - 448.
    // 448 - 448*2^-16 = 447.9931640625 = 1.7499732971 * 2^8, exact in FP32:
    // -(448 - 7 * 2^-10) -> bits 0xC3DFFF20.
    CHECK(c[0] == 0xC3DFFF20u);
  }
}

TEST_CASE("gemm: fast == ref on random shapes, all dtype pairs and kernels", "[numerics][gemm]") {
  const uint64_t seed = 0x67656d6d00000001ull;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::vector<GemmShape> shapes = {
      {1, 1, 1, 1},    {1, 1, 1, 128},  {1, 7, 1, 4},    {3, 5, 7, 1},    {4, 13, 9, 4},
      {7, 16, 17, 8},  {6, 17, 16, 8},  {13, 33, 31, 8}, {2, 128, 3, 128}, {5, 130, 19, 128},
      {9, 257, 21, 128}, {16, 64, 16, 4}, {1, 300, 1, 128}, {31, 9, 1, 4},   {1, 9, 45, 3},
      {12, 40, 48, 5}, {8, 8, 8, 8}};
  for (int i = 0; i < 12; ++i) {
    static const std::size_t tiles[] = {1, 2, 3, 4, 8, 16, 128};
    const uint64_t r = rng();
    shapes.push_back({1 + r % 24, 1 + (r >> 8) % 200, 1 + (r >> 20) % 24, tiles[(r >> 32) % 7]});
  }
  std::size_t bad = 0;
  for (Dtype da : kAllDtypes)
    for (Dtype db : kAllDtypes)
      for (const GemmShape& s : shapes)
        for (Values mode : {Values::kNormal, Values::kSpecial, Values::kWide, Values::kTiny})
          for (bool acc : {false, true}) bad += check_fast_matches_ref(s, da, db, mode, acc, rng);
  CHECK(bad == 0);
}

TEST_CASE("gemm: fast == ref on larger shapes", "[numerics][gemm]") {
  const uint64_t seed = 0x67656d6d00000002ull;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::size_t bad = 0;
  bad += check_fast_matches_ref({37, 200, 70, 128}, Dtype::kBf16, Dtype::kBf16, Values::kSpecial,
                                true, rng);
  bad += check_fast_matches_ref({50, 260, 33, 128}, Dtype::kFp8E4m3, Dtype::kBf16,
                                Values::kTiny, false, rng);
  bad += check_fast_matches_ref({64, 96, 64, 32}, Dtype::kFp8E5m2, Dtype::kFp8E4m3,
                                Values::kWide, false, rng);
  CHECK(bad == 0);
}

TEST_CASE("gemm: edge cases and argument errors", "[numerics][gemm]") {
  const std::vector<uint16_t> a(64, 0x3F80), b(64, 0x3F80);
  for (GemmKernel kern : host_kernels()) {
    INFO("kernel " << gemm_kernel_name(kern));
    auto ref_or_fast = [&](bool fast, const GemmShape& s, const uint16_t* pa, const uint16_t* pb,
                           uint32_t* pc, bool acc) {
      if (fast)
        gemm_fast_with(kern, s, Dtype::kBf16, pa, Dtype::kBf16, pb, pc, acc);
      else
        gemm_ref(s, Dtype::kBf16, pa, Dtype::kBf16, pb, pc, acc);
    };
    for (bool fast : {false, true}) {
      INFO((fast ? "gemm_fast" : "gemm_ref"));
      // K == 0: overwrite -> +0.0; accumulate -> C untouched, bit for bit
      // (even a non-canonical NaN or a subnormal).
      std::vector<uint32_t> c = {0xFFC00001u, 0x00000001u, 0x80000000u, 0x3F800000u};
      ref_or_fast(fast, {2, 0, 2, 4}, nullptr, nullptr, c.data(), true);
      CHECK(c == std::vector<uint32_t>{0xFFC00001u, 0x00000001u, 0x80000000u, 0x3F800000u});
      ref_or_fast(fast, {2, 0, 2, 4}, nullptr, nullptr, c.data(), false);
      CHECK(c == std::vector<uint32_t>{0, 0, 0, 0});
      // M == 0 or N == 0: nothing written, null pointers allowed.
      c = {7, 7, 7, 7};
      ref_or_fast(fast, {0, 4, 3, 4}, nullptr, b.data(), nullptr, false);
      ref_or_fast(fast, {3, 4, 0, 4}, a.data(), nullptr, nullptr, false);
      ref_or_fast(fast, {0, 0, 0, 4}, nullptr, nullptr, nullptr, true);
      // Errors throw before anything is written.
      CHECK_THROWS_AS(ref_or_fast(fast, {2, 2, 2, 0}, a.data(), b.data(), c.data(), false),
                      std::invalid_argument);
      CHECK_THROWS_AS(ref_or_fast(fast, {0, 0, 0, 0}, nullptr, nullptr, nullptr, false),
                      std::invalid_argument);
      CHECK_THROWS_AS(ref_or_fast(fast, {2, 2, 2, 4}, nullptr, b.data(), c.data(), false),
                      std::invalid_argument);
      CHECK_THROWS_AS(ref_or_fast(fast, {2, 2, 2, 4}, a.data(), nullptr, c.data(), false),
                      std::invalid_argument);
      CHECK_THROWS_AS(ref_or_fast(fast, {2, 2, 2, 4}, a.data(), b.data(), nullptr, false),
                      std::invalid_argument);
      const std::size_t huge = std::size_t{1} << (sizeof(std::size_t) * 8 - 2);
      CHECK_THROWS_AS(ref_or_fast(fast, {huge, 8, 1, 4}, a.data(), b.data(), c.data(), false),
                      std::invalid_argument);
      CHECK(c == std::vector<uint32_t>{7, 7, 7, 7});
    }
    std::vector<uint32_t> c(4, 7);
    CHECK_THROWS_AS(gemm_fast_with(kern, {2, 2, 2, 4}, static_cast<Dtype>(3), a.data(),
                                   Dtype::kBf16, b.data(), c.data(), false),
                    std::invalid_argument);
    CHECK_THROWS_AS(gemm_ref({2, 2, 2, 4}, Dtype::kBf16, a.data(), static_cast<Dtype>(5),
                             b.data(), c.data(), false),
                    std::invalid_argument);
    CHECK(c == std::vector<uint32_t>(4, 7));
  }
  CHECK_THROWS_AS(gemm_fast_with(static_cast<GemmKernel>(9), {1, 1, 1, 1}, Dtype::kBf16,
                                 a.data(), Dtype::kBf16, b.data(), nullptr, false),
                  std::invalid_argument);
  CHECK(gemm_kernel_supported(GemmKernel::kReference));
  CHECK(gemm_kernel_supported(gemm_kernel_auto()));
  CHECK(gemm_kernel_auto() != GemmKernel::kAuto);
  CHECK(std::string(gemm_kernel_name(GemmKernel::kAvx2)) == "avx2");
  WARN("gemm_fast uses the '" << gemm_kernel_name(gemm_kernel_auto()) << "' kernel on this host");
}

#if defined(__x86_64__)
TEST_CASE("gemm_fast: independent of and restores the caller's MXCSR", "[numerics][gemm]") {
  const uint64_t seed = 0x6d78637372000001ull;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  const GemmShape s{5, 70, 23, 8};
  std::vector<uint16_t> a(s.m * s.k), b(s.k * s.n);
  for (auto& x : a) x = random_code(Dtype::kBf16, Values::kTiny, rng);
  for (auto& x : b) x = random_code(Dtype::kBf16, Values::kSpecial, rng);
  std::vector<uint32_t> ref(s.m * s.n);
  gemm_ref(s, Dtype::kBf16, a.data(), Dtype::kBf16, b.data(), ref.data(), false);
  // Caller modes: default; round toward zero; round down + FTZ only; DAZ
  // only with round up.
  for (unsigned mode : {0x1F80u, 0x7F80u, 0x3F80u | 0x8000u, 0x5F80u | 0x0040u}) {
    CAPTURE(mode);
    const unsigned saved = _mm_getcsr();
    _mm_setcsr(mode);
    std::vector<uint32_t> c(s.m * s.n);
    for (GemmKernel kern : host_kernels())
      gemm_fast_with(kern, s, Dtype::kBf16, a.data(), Dtype::kBf16, b.data(), c.data(), false);
    const unsigned after = _mm_getcsr();
    _mm_setcsr(saved);
    CHECK((after & ~0x3Fu) == mode);  // flag bits 0-5 may be sticky from before
    CHECK(c == ref);
  }
}
#endif

TEST_CASE("gemm_fast: concurrent calls from two threads", "[numerics][gemm]") {
  const uint64_t seed = 0x7468726561640001ull;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  const GemmShape s{24, 150, 40, 16};
  std::vector<uint16_t> a1(s.m * s.k), a2(s.m * s.k), b(s.k * s.n);
  for (auto& x : a1) x = random_code(Dtype::kFp8E4m3, Values::kSpecial, rng);
  for (auto& x : a2) x = random_code(Dtype::kFp8E5m2, Values::kSpecial, rng);
  for (auto& x : b) x = random_code(Dtype::kBf16, Values::kSpecial, rng);
  std::vector<uint32_t> r1(s.m * s.n), r2(s.m * s.n), f1(s.m * s.n), f2(s.m * s.n);
  gemm_ref(s, Dtype::kFp8E4m3, a1.data(), Dtype::kBf16, b.data(), r1.data(), false);
  gemm_ref(s, Dtype::kFp8E5m2, a2.data(), Dtype::kBf16, b.data(), r2.data(), false);
  std::thread t1([&] {
    for (int i = 0; i < 20; ++i)
      gemm_fast(s, Dtype::kFp8E4m3, a1.data(), Dtype::kBf16, b.data(), f1.data(), false);
  });
  std::thread t2([&] {
    for (int i = 0; i < 20; ++i)
      gemm_fast(s, Dtype::kFp8E5m2, a2.data(), Dtype::kBf16, b.data(), f2.data(), false);
  });
  t1.join();
  t2.join();
  CHECK(f1 == r1);
  CHECK(f2 == r2);
}
