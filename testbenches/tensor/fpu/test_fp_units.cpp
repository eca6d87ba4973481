// The PE's arithmetic units against two independent oracles:
//  - the host x86 SSE unit (mulss/addss) run with MXCSR FTZ+DAZ and
//    round-to-nearest, after an exact FP8/BF16 -> FP32 widening computed
//    here from ldexp on doubles, NaN results canonicalised;
//  - trnsim::numerics::mul/add (bit-level integer golden model), when that
//    library is part of the build (TRNSIM_FPU_HAVE_NUMERICS).
// Every random stream uses a fixed seed that is printed and attached to
// failures. Mismatches are collected in a scoreboard (first few reported
// in full) rather than one Catch assertion per vector, which would dominate
// the run time.
#include <catch2/catch.hpp>

#include <xmmintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

// Verilator's runtime headers are not clean under the project's warnings.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "Vcommon_fp32_add.h"
#include "Vtensor_mul.h"
#include "verilated.h"
#pragma GCC diagnostic pop

#ifdef TRNSIM_FPU_HAVE_NUMERICS
#include "numerics/numerics.h"
#endif

#if !defined(__x86_64__)
#error "test_fp_units needs an x86-64 host: its oracle is SSE mulss/addss with FTZ+DAZ"
#endif

namespace {

constexpr uint32_t kCanonicalNan = 0x7FC00000u;
constexpr unsigned kBf16 = 0, kE4m3 = 1, kE5m2 = 2, kIllegal = 3;

const char* dtype_str(unsigned dt) {
  switch (dt) {
    case kBf16: return "bf16";
    case kE4m3: return "e4m3";
    case kE5m2: return "e5m2";
    default: return "illegal";
  }
}

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

uint32_t canonical(uint32_t u) {
  const bool nan = ((u >> 23) & 0xFFu) == 0xFFu && (u & 0x7FFFFFu) != 0;
  return nan ? kCanonicalNan : u;
}

// MXCSR with FTZ (bit 15) and DAZ (bit 6) set and rounding control (bits
// 13-14) at nearest, restored on scope exit.
class FtzDazScope {
 public:
  FtzDazScope() : saved_(_mm_getcsr()) { _mm_setcsr((saved_ | 0x8040u) & ~0x6000u); }
  ~FtzDazScope() { _mm_setcsr(saved_); }
  FtzDazScope(const FtzDazScope&) = delete;
  FtzDazScope& operator=(const FtzDazScope&) = delete;

 private:
  unsigned saved_;
};

// The instructions themselves, in asm so the compiler can neither fold them
// at compile time (ignoring MXCSR) nor move them out of the FtzDazScope.
uint32_t host_mulss(uint32_t a, uint32_t b) {
  float x = float_of(a);
  const float y = float_of(b);
  asm volatile("mulss %1, %0" : "+x"(x) : "x"(y));
  return canonical(bits_of(x));
}

uint32_t host_addss(uint32_t a, uint32_t b) {
  float x = float_of(a);
  const float y = float_of(b);
  asm volatile("addss %1, %0" : "+x"(x) : "x"(y));
  return canonical(bits_of(x));
}

// Exact widening of an input code to FP32 bits, built from the formats'
// definitions (value = significand * 2^exponent), independent of the RTL's
// normalisation. BF16 is the top half of FP32 by definition. Only called
// outside FtzDazScope (all FP8 values are normal FP32 numbers anyway).
uint32_t widen_value(unsigned dt, uint16_t code) {
  if (dt == kBf16) return static_cast<uint32_t>(code) << 16;
  const unsigned c = code & 0xFFu;
  const bool neg = (c >> 7) != 0;
  double v = 0.0;
  if (dt == kE4m3) {
    const int e = (c >> 3) & 0xF, m = c & 0x7;
    if (e == 0xF && m == 0x7) return kCanonicalNan;
    v = (e == 0) ? std::ldexp(m, -6 - 3) : std::ldexp(8 + m, e - 7 - 3);
  } else if (dt == kE5m2) {
    const int e = (c >> 2) & 0x1F, m = c & 0x3;
    if (e == 0x1F) {
      if (m != 0) return kCanonicalNan;
      v = HUGE_VAL;
    } else {
      v = (e == 0) ? std::ldexp(m, -14 - 2) : std::ldexp(4 + m, e - 15 - 2);
    }
  } else {
    return 0;
  }
  const float f = static_cast<float>(neg ? -v : v);
  // The widening is exact: check it rather than trust it.
  if (!std::isinf(f) && static_cast<double>(f) != (neg ? -v : v)) {
    throw std::logic_error("inexact FP8 widening in the test oracle");
  }
  return bits_of(f);
}

// Widening tables, computed once, outside any FTZ scope.
struct WidenTables {
  std::array<std::vector<uint32_t>, 3> t;
  WidenTables() {
    for (unsigned dt = 0; dt < 3; ++dt) {
      const unsigned n = dt == kBf16 ? 65536u : 256u;
      t[dt].resize(n);
      for (unsigned c = 0; c < n; ++c) t[dt][c] = widen_value(dt, static_cast<uint16_t>(c));
    }
  }
  uint32_t operator()(unsigned dt, uint16_t code) const {
    return dt == kBf16 ? t[dt][code] : t[dt][code & 0xFFu];
  }
};

const WidenTables& widen() {
  static const WidenTables tables;
  return tables;
}

// Must run inside an FtzDazScope.
uint32_t oracle_mul(unsigned dta, uint16_t a, unsigned dtb, uint16_t b) {
  if (dta == kIllegal || dtb == kIllegal) return 0;
  return host_mulss(widen()(dta, a), widen()(dtb, b));
}

struct MulDut {
  std::unique_ptr<VerilatedContext> ctx = std::make_unique<VerilatedContext>();
  std::unique_ptr<Vtensor_mul> top = std::make_unique<Vtensor_mul>(ctx.get(), "tensor_mul");
  ~MulDut() { top->final(); }
  uint32_t operator()(unsigned dta, uint16_t a, unsigned dtb, uint16_t b) {
    top->dtype_a_i = static_cast<uint8_t>(dta);
    top->a_i = a;
    top->dtype_b_i = static_cast<uint8_t>(dtb);
    top->b_i = b;
    top->eval();
    return top->prod_o;
  }
};

struct AddDut {
  std::unique_ptr<VerilatedContext> ctx = std::make_unique<VerilatedContext>();
  std::unique_ptr<Vcommon_fp32_add> top =
      std::make_unique<Vcommon_fp32_add>(ctx.get(), "common_fp32_add");
  ~AddDut() { top->final(); }
  uint32_t operator()(uint32_t a, uint32_t b) {
    top->a_i = a;
    top->b_i = b;
    top->eval();
    return top->sum_o;
  }
};

std::string hex(uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*X", digits, v);
  return buf;
}

// Counts vectors and mismatches; keeps the first few mismatches verbatim.
class Scoreboard {
 public:
  explicit Scoreboard(std::string name) : name_(std::move(name)) {}
  void count(bool ok) {
    ++checked_;
    if (!ok) ++errors_;
  }
  bool want_detail() const { return errors_ <= kMaxReported; }
  void detail(std::string s) { details_.push_back(std::move(s)); }
  uint64_t checked() const { return checked_; }
  uint64_t errors() const { return errors_; }
  std::string report() const {
    std::ostringstream os;
    os << name_ << ": " << checked_ << " vectors, " << errors_ << " mismatches";
    for (const auto& d : details_) os << "\n  " << d;
    return os.str();
  }

 private:
  static constexpr uint64_t kMaxReported = 10;
  std::string name_;
  uint64_t checked_ = 0, errors_ = 0;
  std::vector<std::string> details_;
};

// One multiplier vector against the host oracle and, if built, the golden
// model.
void check_mul(MulDut& dut, Scoreboard& sb, unsigned dta, uint16_t a, unsigned dtb, uint16_t b) {
  const uint32_t got = dut(dta, a, dtb, b);
  const uint32_t want = oracle_mul(dta, a, dtb, b);
  bool ok = got == want;
#ifdef TRNSIM_FPU_HAVE_NUMERICS
  uint32_t golden = want;
  if (dta != kIllegal && dtb != kIllegal) {
    namespace nm = trnsim::numerics;
    golden = nm::mul(static_cast<nm::Dtype>(dta), a, static_cast<nm::Dtype>(dtb), b);
    ok = ok && golden == want;
  }
#endif
  sb.count(ok);
  if (!ok && sb.want_detail()) {
    std::ostringstream os;
    os << dtype_str(dta) << ' ' << hex(a, 4) << " * " << dtype_str(dtb) << ' ' << hex(b, 4)
       << ": rtl " << hex(got, 8) << ", host " << hex(want, 8);
#ifdef TRNSIM_FPU_HAVE_NUMERICS
    os << ", numerics " << hex(golden, 8);
#endif
    sb.detail(os.str());
  }
}

void check_add(AddDut& dut, Scoreboard& sb, uint32_t a, uint32_t b) {
  const uint32_t got = dut(a, b);
  const uint32_t want = host_addss(a, b);
  bool ok = got == want;
#ifdef TRNSIM_FPU_HAVE_NUMERICS
  const uint32_t golden = trnsim::numerics::add(a, b);
  ok = ok && golden == want;
#endif
  sb.count(ok);
  if (!ok && sb.want_detail()) {
    std::ostringstream os;
    os << hex(a, 8) << " + " << hex(b, 8) << ": rtl " << hex(got, 8) << ", host " << hex(want, 8);
#ifdef TRNSIM_FPU_HAVE_NUMERICS
    os << ", numerics " << hex(golden, 8);
#endif
    sb.detail(os.str());
  }
}

void require_clean(const Scoreboard& sb) {
  std::printf("test_fp_units:   %s\n", sb.report().c_str());
  INFO(sb.report());
  CHECK(sb.checked() > 0);
  REQUIRE(sb.errors() == 0);
}

// Fixed seeds, printed so a failure can be replayed and attached to it.
std::mt19937_64 seeded_rng(uint64_t seed, const char* what) {
  std::printf("test_fp_units: %s seed 0x%llX\n", what, static_cast<unsigned long long>(seed));
  return std::mt19937_64(seed);
}

uint32_t fp32(unsigned sign, unsigned exp, uint32_t frac) {
  return (sign & 1u) << 31 | (exp & 0xFFu) << 23 | (frac & 0x7FFFFFu);
}

uint16_t bf16(unsigned sign, unsigned exp, unsigned frac) {
  return static_cast<uint16_t>((sign & 1u) << 15 | (exp & 0xFFu) << 7 | (frac & 0x7Fu));
}

// BF16 values at the edges of every class.
std::vector<uint16_t> bf16_specials() {
  std::vector<uint16_t> v;
  for (unsigned s = 0; s < 2; ++s) {
    for (uint16_t mag : {0x0000, 0x0001, 0x0040, 0x007F,   // zero, subnormals
                         0x0080, 0x0081, 0x00FF,           // smallest normals
                         0x1F80, 0x2000, 0x1FFF,           // 2^-64, 2^-63, just below 2^-62
                         0x3F80, 0x3FC0, 0x3FFF,           // 1, 1.5, 1.99
                         0x5F00, 0x5F80, 0x5FFF,           // 2^63, 2^64, just below 2^65
                         0x7F00, 0x7F7F,                   // 2^127, max finite
                         0x7F80, 0x7F81, 0x7FC0, 0x7FFF})  // inf, NaNs
      v.push_back(static_cast<uint16_t>(s << 15 | mag));
  }
  return v;
}

std::vector<uint32_t> fp32_specials() {
  std::vector<uint32_t> v;
  for (unsigned s = 0; s < 2; ++s) {
    for (uint32_t mag : {0x00000000u, 0x00000001u, 0x00400000u, 0x007FFFFFu,  // zero, subnormals
                         0x00800000u, 0x00800001u, 0x00FFFFFFu, 0x01000000u,  // smallest normals
                         0x01000001u, 0x3F800000u, 0x3F800001u, 0x3FFFFFFFu,  // 1 and neighbours
                         0x33800000u, 0x34000000u, 0x4B800000u,               // 2^-24, 2^-23, 2^24
                         0x7F000000u, 0x7F7FFFFFu, 0x7F7FFFFEu,               // large, max
                         0x7F800000u, 0x7F800001u, 0x7FC00000u, 0x7FFFFFFFu}) // inf, NaNs
      v.push_back(s << 31 | mag);
  }
  return v;
}

}  // namespace

// The oracle is only as good as the MXCSR setting: check that it flushes
// and rounds as the spec says before trusting it.
TEST_CASE("host oracle: FTZ, DAZ and round-to-nearest-even are in effect", "[oracle]") {
  FtzDazScope ftz;
  CHECK(host_addss(0x00000001u, 0x00000001u) == 0x00000000u);  // DAZ: subnormals read as 0
  CHECK(host_addss(0x80000001u, 0x80000000u) == 0x80000000u);  // DAZ keeps the sign
  CHECK(host_mulss(0x00800000u, 0x3F000000u) == 0x00000000u);  // FTZ: 2^-127 flushes
  CHECK(host_mulss(0x80800000u, 0x3F000000u) == 0x80000000u);
  CHECK(host_addss(0x3F800000u, 0x33800000u) == 0x3F800000u);  // 1 + 2^-24 ties to even
  CHECK(host_addss(0x3F800001u, 0x33800000u) == 0x3F800002u);
  CHECK(host_addss(0x7F800000u, 0xFF800000u) == kCanonicalNan);
  CHECK(host_addss(0x3F800000u, 0xBF800000u) == 0x00000000u);  // x + -x = +0
}

TEST_CASE("tensor_mul: FP8 x FP8, all code pairs, upper byte ignored", "[tensor_mul][fp8]") {
  auto rng = seeded_rng(0xF8F8'0001, "fp8 x fp8 upper-byte");
  INFO("seed 0xF8F80001");
  (void)widen();
  MulDut dut;
  FtzDazScope ftz;
  for (unsigned dta : {kE4m3, kE5m2}) {
    for (unsigned dtb : {kE4m3, kE5m2}) {
      Scoreboard sb(std::string(dtype_str(dta)) + " x " + dtype_str(dtb));
      for (unsigned a = 0; a < 256; ++a) {
        for (unsigned b = 0; b < 256; ++b) {
          // Garbage in the unused upper byte must not matter.
          const uint64_t r = rng();
          check_mul(dut, sb, dta, static_cast<uint16_t>(a | (r & 0xFF00u)), dtb,
                    static_cast<uint16_t>(b | ((r >> 16) & 0xFF00u)));
        }
      }
      require_clean(sb);
    }
  }
}

TEST_CASE("tensor_mul: BF16 x FP8 and FP8 x BF16", "[tensor_mul][mixed]") {
  auto rng = seeded_rng(0xB16F'0002, "bf16 x fp8");
  INFO("seed 0xB16F0002");
  (void)widen();
  const auto specials = bf16_specials();
  MulDut dut;
  FtzDazScope ftz;
  for (unsigned fp8 : {kE4m3, kE5m2}) {
    Scoreboard sb(std::string("bf16 x ") + dtype_str(fp8) + " both ways");
    for (unsigned c = 0; c < 256; ++c) {
      const auto code = static_cast<uint16_t>(c);
      for (uint16_t s : specials) {
        check_mul(dut, sb, kBf16, s, fp8, code);
        check_mul(dut, sb, fp8, code, kBf16, s);
      }
      // Random BF16 over the whole range, and near 1 where products of
      // FP8 values stay in range and exercise the significand product.
      for (int i = 0; i < 256; ++i) {
        const uint64_t r = rng();
        const auto any = static_cast<uint16_t>(r);
        const auto mid = bf16(static_cast<unsigned>(r >> 16), 100u + (r >> 17) % 56u,
                              static_cast<unsigned>(r >> 32));
        const auto upper = static_cast<uint16_t>((r >> 48) & 0xFF00u);
        check_mul(dut, sb, kBf16, any, fp8, static_cast<uint16_t>(code | upper));
        check_mul(dut, sb, fp8, static_cast<uint16_t>(code | upper), kBf16, any);
        check_mul(dut, sb, kBf16, mid, fp8, code);
        check_mul(dut, sb, fp8, code, kBf16, mid);
      }
    }
    require_clean(sb);
  }
}

TEST_CASE("tensor_mul: BF16 x BF16 random", "[tensor_mul][bf16]") {
  constexpr uint64_t kSeed = 0xB16B'0003;
  auto rng = seeded_rng(kSeed, "bf16 x bf16 random");
  INFO("seed 0xB16B0003");
  (void)widen();
  MulDut dut;
  FtzDazScope ftz;
  Scoreboard bits("bf16 x bf16 random bits");
  Scoreboard normal("bf16 x bf16 in-range exponents");
  Scoreboard edges("bf16 x bf16 exponent sums near 2^-126 and 2^128");
  for (int i = 0; i < 2000000; ++i) {
    const uint64_t r = rng();
    check_mul(dut, bits, kBf16, static_cast<uint16_t>(r), kBf16, static_cast<uint16_t>(r >> 16));
    // Exponents whose sum is safely inside the normal range.
    const uint16_t a = bf16(static_cast<unsigned>(r >> 32), 64u + (r >> 33) % 128u,
                            static_cast<unsigned>(r >> 41));
    const uint16_t b = bf16(static_cast<unsigned>(r >> 48), 64u + (r >> 49) % 128u,
                            static_cast<unsigned>(r >> 57));
    check_mul(dut, normal, kBf16, a, kBf16, b);
    // Biased exponent sums within +-3 of the underflow (127) and overflow
    // (382) limits; the significand product's carry decides the side.
    const uint64_t q = rng();
    const unsigned limit = (q & 1u) ? 382u : 127u;
    const unsigned sum = limit - 3u + static_cast<unsigned>((q >> 1) % 7u);
    const unsigned lo = sum > 255u ? sum - 254u : 1u;
    const unsigned hi = sum - 1u < 254u ? sum - 1u : 254u;
    const unsigned ea = lo + static_cast<unsigned>((q >> 4) % (hi - lo + 1u));
    check_mul(dut, edges, kBf16,
              bf16(static_cast<unsigned>(q >> 12), ea, static_cast<unsigned>(q >> 13)), kBf16,
              bf16(static_cast<unsigned>(q >> 20), sum - ea, static_cast<unsigned>(q >> 21)));
  }
  require_clean(bits);
  require_clean(normal);
  require_clean(edges);
}

TEST_CASE("tensor_mul: BF16 x BF16 special values and range boundaries", "[tensor_mul][bf16]") {
  auto rng = seeded_rng(0xB16B'0004, "bf16 specials");
  INFO("seed 0xB16B0004");
  (void)widen();
  const auto specials = bf16_specials();
  MulDut dut;
  FtzDazScope ftz;
  Scoreboard cross("bf16 specials x specials and x random");
  for (uint16_t a : specials) {
    for (uint16_t b : specials) check_mul(dut, cross, kBf16, a, kBf16, b);
    for (int i = 0; i < 2000; ++i) {
      const auto r = static_cast<uint16_t>(rng());
      check_mul(dut, cross, kBf16, a, kBf16, r);
      check_mul(dut, cross, kBf16, r, kBf16, a);
    }
  }
  require_clean(cross);

  // Every exponent pair whose product lands one step either side of 2^-126
  // or 2^128, with significands giving products just below 2, exactly 2 and
  // 1.0: the minimum normal and 2^128 themselves, and their neighbours.
  Scoreboard edges("bf16 products at 2^-126 and 2^128");
  const unsigned mans[] = {0x00, 0x01, 0x40, 0x7F};
  for (unsigned ea = 1; ea < 255; ++ea) {
    for (unsigned sum : {125u, 126u, 127u, 128u, 129u, 380u, 381u, 382u, 383u}) {
      if (sum <= ea || sum - ea < 1 || sum - ea > 254) continue;
      for (unsigned ma : mans) {
        for (unsigned mb : mans) {
          const auto r = static_cast<unsigned>(rng());
          check_mul(dut, edges, kBf16, bf16(r, ea, ma), kBf16, bf16(r >> 1, sum - ea, mb));
        }
      }
    }
  }
  require_clean(edges);
}

TEST_CASE("tensor_mul: dtype code 3 gives +0", "[tensor_mul][illegal]") {
  auto rng = seeded_rng(0x0003'0005, "illegal dtype");
  INFO("seed 0x00030005");
  MulDut dut;
  Scoreboard sb("illegal dtype");
  for (int i = 0; i < 20000; ++i) {
    const uint64_t r = rng();
    const unsigned other = static_cast<unsigned>(r >> 40) % 4u;
    const unsigned dta = (r >> 42) & 1u ? kIllegal : other;
    const unsigned dtb = dta == kIllegal ? other : kIllegal;
    // NaN and inf in the legal operand must not leak through either.
    const auto a = static_cast<uint16_t>((r & 3u) == 0 ? 0x7FC0u : r);
    const auto b = static_cast<uint16_t>((r & 3u) == 1 ? 0xFF80u : r >> 16);
    sb.count(dut(dta, a, dtb, b) == 0u);
  }
  require_clean(sb);
}

TEST_CASE("common_fp32_add: random pairs from mixed distributions", "[common_fp32_add]") {
  constexpr uint64_t kSeed = 0xADD0'0006;
  auto rng = seeded_rng(kSeed, "fp32 add");
  INFO("seed 0xADD00006");
  AddDut dut;
  FtzDazScope ftz;
  auto u32 = [&rng] { return static_cast<uint32_t>(rng()); };
  auto frac = [&rng] { return static_cast<uint32_t>(rng()) & 0x7FFFFFu; };
  auto exp_in = [&rng](unsigned lo, unsigned hi) {
    return lo + static_cast<unsigned>(rng() % (hi - lo + 1u));
  };

  Scoreboard bits("random bits");
  for (int i = 0; i < 2000000; ++i) check_add(dut, bits, u32(), u32());
  require_clean(bits);

  Scoreboard close("close exponents (cancellation)");
  for (int i = 0; i < 2000000; ++i) {
    const unsigned ea = exp_in(1, 254);
    const int eb = static_cast<int>(ea) + static_cast<int>(rng() % 7u) - 3;
    const uint32_t r = u32();
    // Mostly opposite signs: that is where the normalisation works hardest.
    const unsigned sb = (r & 3u) ? ~r : r;
    check_add(dut, close, fp32(r, ea, frac()),
              fp32(sb, static_cast<unsigned>(std::min(254, std::max(1, eb))), frac()));
  }
  require_clean(close);

  Scoreboard equal("equal and adjacent magnitudes, opposite signs");
  for (int i = 0; i < 300000; ++i) {
    const uint32_t a = fp32(u32(), exp_in(1, 254), frac());
    const uint32_t delta = static_cast<uint32_t>(rng() % 5u) - 2u;  // -2..2 ulp
    const uint32_t b = (a ^ 0x80000000u) + ((i & 1) ? 0u : delta);
    check_add(dut, equal, a, b);
  }
  require_clean(equal);

  Scoreboard high("exponents near 254 (overflow)");
  for (int i = 0; i < 300000; ++i) {
    const uint32_t r = u32();
    const unsigned sb = (r & 7u) ? r : ~r;  // mostly the same sign
    check_add(dut, high, fp32(r, exp_in(248, 254), frac()), fp32(sb, exp_in(240, 254), frac()));
  }
  require_clean(high);

  Scoreboard low("exponents near 1 (flush to zero)");
  for (int i = 0; i < 500000; ++i) {
    const uint32_t r = u32();
    const unsigned sb = (r & 7u) ? ~r : r;  // mostly opposite signs
    check_add(dut, low, fp32(r, exp_in(1, 4), frac()), fp32(sb, exp_in(1, 6), frac()));
  }
  require_clean(low);

  // Smaller operand whose bits below the larger one's ulp are exactly one
  // half (10...0): round-to-nearest ties to even, and the neighbours +-1.
  Scoreboard ties("round-to-nearest ties");
  for (int i = 0; i < 500000; ++i) {
    const unsigned shift = exp_in(1, 25);
    const unsigned ea = exp_in(shift + 1, 254);
    uint32_t sig_b = (frac() | 0x800000u) & ~((1u << shift) - 1u);  // 24-bit, low bits clear
    if (shift <= 24) sig_b |= 1u << (shift - 1);                    // the half
    if (shift == 25) sig_b = 0x800000u;                             // quarter ulp: below tie
    const uint32_t nudge = (i % 3 == 0) ? 0u : ((i % 3 == 1) ? 1u : 0xFFFFFFFFu);
    const uint32_t r = u32();
    const uint32_t a = fp32(r, ea, frac());
    const uint32_t b = fp32(r >> 1, ea - shift, (sig_b + nudge) & 0x7FFFFFu);
    check_add(dut, ties, a, b);
  }
  require_clean(ties);

  Scoreboard special("specials: zeros, subnormals, infs, NaNs, extremes");
  const auto specials = fp32_specials();
  for (uint32_t a : specials) {
    for (uint32_t b : specials) check_add(dut, special, a, b);
    for (int i = 0; i < 2000; ++i) {
      const uint32_t r = u32();
      check_add(dut, special, a, r);
      check_add(dut, special, r, a);
    }
  }
  for (int i = 0; i < 200000; ++i) {
    // Random subnormal against random value; random NaN payloads.
    const uint32_t r = u32();
    check_add(dut, special, fp32(r, 0, frac()), u32());
    check_add(dut, special, fp32(r, 0xFF, frac() | 1u), u32());
  }
  require_clean(special);
}

#ifdef TRNSIM_FPU_HAVE_NUMERICS
TEST_CASE("numerics::widen_to_fp32 matches the test's widening", "[numerics]") {
  namespace nm = trnsim::numerics;
  for (unsigned dt = 0; dt < 3; ++dt) {
    const unsigned n = dt == kBf16 ? 65536u : 256u;
    for (unsigned c = 0; c < n; ++c) {
      const auto code = static_cast<uint16_t>(c);
      const uint32_t want = canonical(widen()(dt, code));
      const uint32_t got = canonical(nm::widen_to_fp32(static_cast<nm::Dtype>(dt), code));
      if (got != want) {
        INFO(dtype_str(dt) << " code " << hex(c, 4));
        REQUIRE(got == want);
      }
    }
  }
}
#endif
