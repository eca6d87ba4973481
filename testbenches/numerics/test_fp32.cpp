// mul() and add(): exhaustive / random against independent oracles, plus
// hand-written cases for each rule.
#include "numerics/numerics.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <vector>

#include "test_util.h"

using namespace trnsim::numerics;
using namespace trnsim::numerics::test;

namespace trnsim::numerics::test {

#if defined(__x86_64__)
namespace {
// volatile keeps the compiler from folding the addition at compile time
// (constant folding ignores MXCSR).
__attribute__((noinline)) float host_add_one(float x, float y) {
  volatile float vx = x, vy = y;
  return vx + vy;
}
}  // namespace

void host_add_ftz_daz(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b,
                      std::vector<uint32_t>& out) {
  out.resize(a.size());
  {
    FtzDazScope scope;
    for (std::size_t i = 0; i < a.size(); ++i) out[i] = bits32(host_add_one(f32(a[i]), f32(b[i])));
  }
  for (auto& r : out)
    if (is_nan32(r)) r = kCanonicalNan;
}
#endif

}  // namespace trnsim::numerics::test

namespace {

std::string hex(uint32_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

}  // namespace

// ---------------------------------------------------------------------------
// mul
// ---------------------------------------------------------------------------

TEST_CASE("mul: all 256x256 FP8 pairs, every format combination", "[numerics][mul]") {
  for (Dtype da : {Dtype::kFp8E4m3, Dtype::kFp8E5m2})
    for (Dtype db : {Dtype::kFp8E4m3, Dtype::kFp8E5m2}) {
      INFO(dtype_name(da) << " x " << dtype_name(db));
      std::size_t mismatches = 0;
      for (unsigned x = 0; x < 256; ++x)
        for (unsigned y = 0; y < 256; ++y) {
          const uint16_t a = static_cast<uint16_t>(x), b = static_cast<uint16_t>(y);
          const uint32_t got = mul(da, a, db, b);
          const uint32_t want = mul_oracle(da, a, db, b);
          if (got != want && mismatches++ == 0) {
            INFO("a 0x" << std::hex << x << " b 0x" << y << " got " << hex(got) << " want "
                        << hex(want));
            CHECK(got == want);
          }
        }
      CHECK(mismatches == 0);
    }
}

TEST_CASE("mul: every BF16 code x every FP8 code, both orders", "[numerics][mul]") {
  for (Dtype d8 : {Dtype::kFp8E4m3, Dtype::kFp8E5m2}) {
    INFO("bf16 x " << dtype_name(d8) << " and " << dtype_name(d8) << " x bf16");
    std::size_t mismatches = 0;
    for (unsigned x = 0; x < 0x10000; ++x)
      for (unsigned y = 0; y < 256; ++y) {
        const uint16_t a = static_cast<uint16_t>(x), b = static_cast<uint16_t>(y);
        const uint32_t want = mul_oracle(Dtype::kBf16, a, d8, b);
        const uint32_t got1 = mul(Dtype::kBf16, a, d8, b);
        const uint32_t got2 = mul(d8, b, Dtype::kBf16, a);
        if ((got1 != want || got2 != want) && mismatches++ == 0) {
          INFO("bf16 0x" << std::hex << x << " fp8 0x" << y << " got " << hex(got1) << " / "
                         << hex(got2) << " want " << hex(want));
          CHECK(got1 == want);
          CHECK(got2 == want);
        }
      }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("mul: BF16 x BF16 random and special pairs", "[numerics][mul]") {
  const uint64_t seed = 0x6d756c6266313601ull;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  std::vector<uint16_t> specials = {
      0x0000, 0x8000,                  // +-0
      0x0001, 0x807F, 0x0040,          // subnormals (DAZ)
      0x0080, 0x8080, 0x0081,          // min normal
      0x7F80, 0xFF80,                  // +-inf
      0x7FC0, 0xFFC0, 0x7F81, 0xFFFF,  // NaNs
      0x7F7F, 0xFF7F,                  // max finite
      0x3F80, 0xBF80, 0x3FFF, 0x4000,  // ordinary
      0x5F80, 0x5F00, 0x1F80, 0x2000,  // 2^64, 2^63, 2^-64, 2^-63: products at the edges
      0x1F7F, 0x5FFF, 0x6000, 0x1FFF};
  std::size_t mismatches = 0;
  auto check = [&](uint16_t a, uint16_t b) {
    const uint32_t want = mul_oracle(Dtype::kBf16, a, Dtype::kBf16, b);
    const uint32_t got = mul(Dtype::kBf16, a, Dtype::kBf16, b);
    if (got != want && mismatches++ == 0) {
      INFO("a 0x" << std::hex << a << " b 0x" << b << " got " << hex(got) << " want "
                  << hex(want));
      CHECK(got == want);
    }
  };
  for (uint16_t a : specials)
    for (uint16_t b : specials) check(a, b);
  // Uniform random codes: covers overflow, underflow, NaN, inf.
  for (int i = 0; i < 2000000; ++i) {
    const uint64_t r = rng();
    check(static_cast<uint16_t>(r), static_cast<uint16_t>(r >> 16));
  }
  // Exponent sums at the overflow / underflow boundaries (biased ea + eb - 127
  // in {-1..2} and {253..256}), random mantissas and signs.
  for (int i = 0; i < 1000000; ++i) {
    const uint64_t r = rng();
    const int target = (r & 1) ? 253 + static_cast<int>((r >> 1) & 3) : -1 + static_cast<int>((r >> 1) & 3);
    int ea = 1 + static_cast<int>((r >> 3) % 254);
    int eb = target + 127 - ea;
    if (eb < 1 || eb > 254) continue;
    const uint16_t a = static_cast<uint16_t>(((r >> 11) & 0x8000) | (ea << 7) | ((r >> 20) & 0x7F));
    const uint16_t b = static_cast<uint16_t>(((r >> 27) & 0x8000) | (eb << 7) | ((r >> 40) & 0x7F));
    check(a, b);
  }
  CHECK(mismatches == 0);
}

TEST_CASE("mul: hand-written cases", "[numerics][mul]") {
  const Dtype B = Dtype::kBf16, E4 = Dtype::kFp8E4m3, E5 = Dtype::kFp8E5m2;
  // 448 * 448 = 200704 = 1.53125 * 2^17: exponent 144 = 0x90, fraction .10001.
  CHECK(mul(E4, 0x7E, E4, 0x7E) == 0x48440000u);
  CHECK(mul(E4, 0x7E, E4, 0xFE) == 0xC8440000u);
  // E5M2 max * max = 57344^2 = 3.0625 * 2^30 = 1.53125 * 2^31.
  CHECK(mul(E5, 0x7B, E5, 0x7B) == 0x4F440000u);
  // Smallest product: E5M2 min subnormal^2 = 2^-32 (exact, normal in FP32).
  CHECK(mul(E5, 0x01, E5, 0x01) == 0x2F800000u);
  // BF16 max (1.9921875 * 2^127) * 2.0 overflows to +inf.
  CHECK(mul(B, 0x7F7F, E4, 0x40) == 0x7F800000u);
  CHECK(mul(B, 0xFF7F, E4, 0x40) == 0xFF800000u);
  // ... but * 1.0 is exact.
  CHECK(mul(B, 0x7F7F, E4, 0x38) == 0x7F7F0000u);
  // BF16 min normal 2^-126 * 0.5 = 2^-127 < 2^-126: FTZ, sign = xor.
  CHECK(mul(B, 0x0080, E4, 0x30) == 0x00000000u);
  CHECK(mul(B, 0x0080, E4, 0xB0) == 0x80000000u);
  // 2^-126 * 1.0 stays (exactly the smallest normal).
  CHECK(mul(B, 0x0080, E4, 0x38) == 0x00800000u);
  // 2^-63 * 2^-63 = 2^-126: normal; 2^-63 * 1.9921875 * 2^-65 < 2^-126: zero.
  CHECK(mul(B, 0x2000, B, 0x2000) == 0x00800000u);
  CHECK(mul(B, 0x2000, B, 0x1F7F) == 0x00000000u);
  // DAZ: a BF16 subnormal times anything finite is a signed zero.
  CHECK(mul(B, 0x0001, E4, 0x7E) == 0x00000000u);
  CHECK(mul(B, 0x807F, E4, 0x7E) == 0x80000000u);
  CHECK(mul(B, 0x807F, B, 0x807F) == 0x00000000u);
  // ... and a DAZ zero times inf is NaN.
  CHECK(mul(B, 0x0001, E5, 0x7C) == kCanonicalNan);
  // inf * 0 = NaN; inf * finite = inf with sign xor; inf * inf.
  CHECK(mul(B, 0x7F80, E4, 0x00) == kCanonicalNan);
  CHECK(mul(E5, 0x7C, E5, 0x80) == kCanonicalNan);
  CHECK(mul(B, 0x7F80, E5, 0xFC) == 0xFF800000u);
  CHECK(mul(E5, 0xFC, E5, 0xFC) == 0x7F800000u);
  CHECK(mul(E5, 0x7C, E4, 0x01) == 0x7F800000u);  // inf * FP8 subnormal
  // NaN in either operand, any sign or payload: canonical.
  CHECK(mul(E4, 0xFF, E4, 0x38) == kCanonicalNan);
  CHECK(mul(B, 0xFFFF, E4, 0x00) == kCanonicalNan);
  CHECK(mul(B, 0x3F80, E5, 0xFE) == kCanonicalNan);
  // Zero * finite: sign xor.
  CHECK(mul(E4, 0x80, E4, 0x38) == 0x80000000u);
  CHECK(mul(E4, 0x80, E5, 0xBC) == 0x00000000u);
  // Upper bits of FP8 codes are ignored.
  CHECK(mul(E4, 0xAB7E, E4, 0x127E) == 0x48440000u);
  // Operand order never matters.
  CHECK(mul(E4, 0x7E, B, 0x7F7F) == mul(B, 0x7F7F, E4, 0x7E));
}

// ---------------------------------------------------------------------------
// add
// ---------------------------------------------------------------------------

namespace {

std::vector<uint32_t> add_specials() {
  return {0x00000000, 0x80000000,                          // +-0
          0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF,  // subnormals
          0x00800000, 0x80800000, 0x00800001, 0x80800001,  // min normal (+ulp)
          0x01000000, 0x81000000,                          // 2^-125
          0x3F800000, 0xBF800000, 0x3F800001, 0xBF7FFFFF,  // around 1
          0x33800000, 0xB3800000, 0x33800001, 0x33000000,  // 2^-24, 2^-25
          0x4B800000, 0xCB800000, 0x4B7FFFFF,              // 2^24
          0x7F7FFFFF, 0xFF7FFFFF, 0x7F7FFFFE, 0x73000000, 0x72FFFFFF, 0x7F000000,
          0x7F800000, 0xFF800000,                          // +-inf
          0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF, 0x7FBFFFFF};  // NaNs
}

void compare_add_batch(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b,
                       const char* what) {
  INFO(what);
#if defined(__x86_64__)
  std::vector<uint32_t> want;
  host_add_ftz_daz(a, b, want);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const uint32_t got = add(a[i], b[i]);
    if (got != want[i] && mismatches++ == 0) {
      INFO("index " << i << " a " << hex(a[i]) << " b " << hex(b[i]) << " got " << hex(got)
                    << " want " << hex(want[i]));
      CHECK(got == want[i]);
    }
  }
  CHECK(mismatches == 0);
#else
  (void)a;
  (void)b;
  WARN("add vs host FPU skipped: not x86-64 (no MXCSR FTZ+DAZ oracle)");
#endif
}

}  // namespace

TEST_CASE("add: special values, all pairs, vs host FTZ+DAZ", "[numerics][add]") {
  const auto sp = add_specials();
  std::vector<uint32_t> a, b;
  for (uint32_t x : sp)
    for (uint32_t y : sp) {
      a.push_back(x);
      b.push_back(y);
    }
  compare_add_batch(a, b, "specials x specials");
}

TEST_CASE("add: random operands vs host FTZ+DAZ", "[numerics][add]") {
  const uint64_t seed = 0x6164643332000001ull;
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  constexpr std::size_t kN = 1000000;
  std::vector<uint32_t> a(kN), b(kN);

  // Uniform bit patterns (mostly far-apart exponents, NaN, inf, subnormals).
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t r = rng();
    a[i] = static_cast<uint32_t>(r);
    b[i] = static_cast<uint32_t>(r >> 32);
  }
  compare_add_batch(a, b, "uniform bit patterns");

  // Close exponents (|ea - eb| <= 30), random signs: alignment, rounding,
  // cancellation.
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t r = rng(), s = rng();
    const uint32_t ea = 1 + static_cast<uint32_t>(r % 254);
    const int delta = static_cast<int>((r >> 8) % 61) - 30;
    const int ebi = std::min(254, std::max(1, static_cast<int>(ea) + delta));
    a[i] = make_f32((r >> 16) & 1, ea, static_cast<uint32_t>(s));
    b[i] = make_f32((r >> 17) & 1, static_cast<uint32_t>(ebi), static_cast<uint32_t>(s >> 32));
  }
  compare_add_batch(a, b, "close exponents");

  // Near-cancellation: b = -(a with its low fraction bits perturbed).
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t r = rng();
    const uint32_t ea = 1 + static_cast<uint32_t>(r % 254);
    const uint32_t x = make_f32((r >> 8) & 1, ea, static_cast<uint32_t>(r >> 9));
    const unsigned bits = static_cast<unsigned>((r >> 40) % 24);
    const uint32_t mask = (1u << bits) - 1;
    uint32_t y = (x & ~mask) | (static_cast<uint32_t>(r >> 33) & mask);
    if ((r >> 60) & 1) y += (1u << 23);  // also neighbouring binade
    a[i] = x;
    b[i] = (y & 0x7FFFFFFFu) >= 0x7F800000u ? x ^ 0x80000000u : y ^ 0x80000000u;
  }
  compare_add_batch(a, b, "near cancellation");

  // Near underflow: exponents 0..24 (subnormals included: DAZ), FTZ results.
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t r = rng();
    a[i] = make_f32(r & 1, static_cast<uint32_t>((r >> 1) % 25), static_cast<uint32_t>(r >> 8));
    b[i] = make_f32((r >> 6) & 1, static_cast<uint32_t>((r >> 32) % 25), static_cast<uint32_t>(r >> 36));
  }
  compare_add_batch(a, b, "near underflow");

  // Near overflow: exponents 230..255 (inf/NaN included).
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t r = rng();
    a[i] = make_f32(r & 1, 230 + static_cast<uint32_t>((r >> 1) % 26), static_cast<uint32_t>(r >> 8));
    b[i] = make_f32((r >> 6) & 1, 230 + static_cast<uint32_t>((r >> 32) % 26),
                    static_cast<uint32_t>(r >> 36));
  }
  compare_add_batch(a, b, "near overflow");

  // Random against specials.
  const auto sp = add_specials();
  for (std::size_t i = 0; i < kN; ++i) {
    const uint64_t r = rng();
    a[i] = sp[r % sp.size()];
    b[i] = static_cast<uint32_t>(r >> 32);
    if ((r >> 8) & 1) std::swap(a[i], b[i]);
  }
  compare_add_batch(a, b, "specials x random");
}

TEST_CASE("add: hand-written cases", "[numerics][add]") {
  // Round to nearest, ties to even.
  CHECK(add(0x3F800000, 0x33800000) == 0x3F800000u);  // 1 + 2^-24: tie, 1.0 is even
  CHECK(add(0x3F800001, 0x33800000) == 0x3F800002u);  // (1+2^-23) + 2^-24: tie, up to even
  CHECK(add(0x3F800000, 0x33800001) == 0x3F800001u);  // just above the tie (sticky): up
  CHECK(add(0x3F800000, 0xB3000000) == 0x3F800000u);  // 1 - 2^-25: tie between 1-2^-24 and 1: even = 1
  CHECK(add(0x3F800000, 0xB3000001) == 0x3F7FFFFFu);  // just below that tie: 1 - 2^-24
  // x + (-x) = +0 in either order and for any x.
  CHECK(add(0x40490FDB, 0xC0490FDB) == 0x00000000u);
  CHECK(add(0xC0490FDB, 0x40490FDB) == 0x00000000u);
  CHECK(add(0xFF7FFFFF, 0x7F7FFFFF) == 0x00000000u);
  // Signed zeros.
  CHECK(add(0x00000000, 0x00000000) == 0x00000000u);
  CHECK(add(0x80000000, 0x80000000) == 0x80000000u);
  CHECK(add(0x00000000, 0x80000000) == 0x00000000u);
  CHECK(add(0x80000000, 0x00000000) == 0x00000000u);
  CHECK(add(0x80000000, 0x3F800000) == 0x3F800000u);  // -0 + x = x
  // Carry-out: exact (2 - 2^-23) * 2, and a rounding carry into the next binade.
  CHECK(add(0x3FFFFFFF, 0x3FFFFFFF) == 0x407FFFFFu);
  CHECK(add(0x3FFFFFFF, 0x33800000) == 0x40000000u);  // (2 - 2^-23) + 2^-24: tie, even = 2.0
  CHECK(add(0x3F800000, 0x3F800000) == 0x40000000u);
  // Massive cancellation: (1 + 2^-23) - 1 = 2^-23 exactly.
  CHECK(add(0x3F800001, 0xBF800000) == 0x34000000u);
  CHECK(add(0x4B800001, 0xCB800000) == 0x40000000u);  // (2^24 + 2) - 2^24 = 2
  // Far apart: the small one only matters through rounding.
  CHECK(add(0x7F000000, 0x3F800000) == 0x7F000000u);
  CHECK(add(0x3F800000, 0x00800000) == 0x3F800000u);
  // FTZ with sign: results below 2^-126 become a zero of the result's sign.
  CHECK(add(0x00800001, 0x80800000) == 0x00000000u);  // +2^-149 -> +0
  CHECK(add(0x80800001, 0x00800000) == 0x80000000u);  // -2^-149 -> -0
  CHECK(add(0x01000000, 0x80FFFFFF) == 0x00000000u);  // 2^-125 - (2^-125 - 2^-149)
  CHECK(add(0x00C00000, 0x80800000) == 0x00000000u);  // 1.5*2^-126 - 2^-126 = 2^-127 -> +0
  CHECK(add(0x01000000, 0x80800000) == 0x00800000u);  // 2^-125 - 2^-126 = 2^-126: normal, kept
  // DAZ: subnormal operands are signed zeros.
  CHECK(add(0x00000001, 0x00000001) == 0x00000000u);
  CHECK(add(0x80000001, 0x80000001) == 0x80000000u);
  CHECK(add(0x80000001, 0x00000000) == 0x00000000u);
  CHECK(add(0x807FFFFF, 0x80000000) == 0x80000000u);
  CHECK(add(0x3F800000, 0x007FFFFF) == 0x3F800000u);
  CHECK(add(0x00800000, 0x807FFFFF) == 0x00800000u);  // 2^-126 - (subnormal read as 0)
  // Overflow rounds to inf.
  CHECK(add(0x7F7FFFFF, 0x7F7FFFFF) == 0x7F800000u);
  CHECK(add(0xFF7FFFFF, 0xFF7FFFFF) == 0xFF800000u);
  CHECK(add(0x7F7FFFFF, 0x73000000) == 0x7F800000u);  // max + half ulp: tie, odd -> up -> inf
  CHECK(add(0x7F7FFFFF, 0x72FFFFFF) == 0x7F7FFFFFu);  // just below half ulp: max
  // Infinities and NaN.
  CHECK(add(0x7F800000, 0xFF800000) == kCanonicalNan);
  CHECK(add(0xFF800000, 0x7F800000) == kCanonicalNan);
  CHECK(add(0x7F800000, 0x7F800000) == 0x7F800000u);
  CHECK(add(0xFF800000, 0x7F7FFFFF) == 0xFF800000u);
  CHECK(add(0x7F800000, 0x80000001) == 0x7F800000u);
  CHECK(add(0x7F800001, 0x3F800000) == kCanonicalNan);  // signalling NaN
  CHECK(add(0xFFC00000, 0x00000000) == kCanonicalNan);
  CHECK(add(0x7F800000, 0xFFFFFFFF) == kCanonicalNan);
  // Commutative, bit for bit.
  for (uint32_t x : add_specials())
    for (uint32_t y : add_specials()) {
      CAPTURE(x, y);
      if (add(x, y) != add(y, x)) CHECK(add(x, y) == add(y, x));
    }
}
