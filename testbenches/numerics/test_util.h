// Helpers shared by the numerics tests: bit casts, independent oracles
// (double-precision value of every input code, host FP32 addition under
// FTZ+DAZ), random generators with fixed seeds.
#pragma once

#include "numerics/numerics.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace trnsim::numerics::test {

inline float f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline uint32_t bits32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline bool is_nan32(uint32_t x) { return (x & 0x7FFFFFFFu) > 0x7F800000u; }

// Value of an input code as a double, computed from the format definition
// with ldexp (independently of widen_to_fp32). NaN for NaN codes.
inline double code_value(Dtype dt, uint16_t code) {
  switch (dt) {
    case Dtype::kBf16: {
      const int s = (code >> 15) & 1, e = (code >> 7) & 0xFF, m = code & 0x7F;
      double v;
      if (e == 0xFF) v = m == 0 ? HUGE_VAL : std::nan("");
      else if (e == 0) v = std::ldexp(m, -126 - 7);
      else v = std::ldexp(128 + m, e - 127 - 7);
      return s ? -v : v;
    }
    case Dtype::kFp8E4m3: {
      const int s = (code >> 7) & 1, e = (code >> 3) & 0xF, m = code & 0x7;
      double v;
      if (e == 15 && m == 7) v = std::nan("");
      else if (e == 0) v = std::ldexp(m, -6 - 3);
      else v = std::ldexp(8 + m, e - 7 - 3);
      return s ? -v : v;
    }
    case Dtype::kFp8E5m2: {
      const int s = (code >> 7) & 1, e = (code >> 2) & 0x1F, m = code & 0x3;
      double v;
      if (e == 31) v = m == 0 ? HUGE_VAL : std::nan("");
      else if (e == 0) v = std::ldexp(m, -14 - 2);
      else v = std::ldexp(4 + m, e - 15 - 2);
      return s ? -v : v;
    }
  }
  return std::nan("");
}

// Oracle for mul: exact product in double (at most 8x8 significant bits),
// then classified: NaN / inf / FTZ / exact normal FP32.
inline uint32_t mul_oracle(Dtype dta, uint16_t a, Dtype dtb, uint16_t b) {
  double va = code_value(dta, a), vb = code_value(dtb, b);
  if (std::isnan(va) || std::isnan(vb)) return kCanonicalNan;
  const double kMinNormal = std::ldexp(1.0, -126);
  // DAZ: only BF16 has FP32-subnormal values.
  if (va != 0 && std::fabs(va) < kMinNormal) va = std::copysign(0.0, va);
  if (vb != 0 && std::fabs(vb) < kMinNormal) vb = std::copysign(0.0, vb);
  const bool neg = std::signbit(va) != std::signbit(vb);
  const uint32_t sign = neg ? 0x80000000u : 0u;
  if ((std::isinf(va) && vb == 0) || (std::isinf(vb) && va == 0)) return kCanonicalNan;
  if (std::isinf(va) || std::isinf(vb)) return sign | 0x7F800000u;
  const double p = va * vb;  // exact: <= 16 significant bits, exponent in range
  if (p == 0) return sign;
  if (std::fabs(p) >= std::ldexp(1.0, 128)) return sign | 0x7F800000u;
  if (std::fabs(p) < kMinNormal) return sign;
  const float f = static_cast<float>(p);
  if (static_cast<double>(f) != p) return 0xDEADBEEFu;  // oracle broken: never equal
  return bits32(f);
}

#if defined(__x86_64__)
// MXCSR = all exceptions masked, FTZ, DAZ, round to nearest even.
class FtzDazScope {
 public:
  FtzDazScope() : saved_(_mm_getcsr()) { _mm_setcsr(0x1F80u | 0x8000u | 0x0040u); }
  ~FtzDazScope() { _mm_setcsr(saved_); }
  FtzDazScope(const FtzDazScope&) = delete;
  FtzDazScope& operator=(const FtzDazScope&) = delete;

 private:
  unsigned saved_;
};
#endif

// Host FP32 addition under FTZ+DAZ with NaN canonicalised: the oracle for
// add(). out[i] = a[i] + b[i]. Defined in test_fp32.cpp (x86-64 only).
void host_add_ftz_daz(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b,
                      std::vector<uint32_t>& out);

// Random FP32 bit patterns from a few families that exercise the adder.
inline uint32_t make_f32(uint32_t sign, uint32_t exp, uint32_t frac) {
  return (sign << 31) | ((exp & 0xFFu) << 23) | (frac & 0x7FFFFFu);
}

}  // namespace trnsim::numerics::test
