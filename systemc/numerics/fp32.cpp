// The PE's multiplier and the FP32 adder (PE column and PSUM), bit-level with
// integers only: no host floating-point operation is involved, so the result
// does not depend on the host FPU, its MXCSR or the compiler's FP options.
// Semantics: docs/numerics.md, "Multiply" and "Add".
#include "numerics/numerics.h"

namespace trnsim::numerics {

namespace {

constexpr uint32_t kSign = 0x80000000u;
constexpr uint32_t kFracMask = 0x007FFFFFu;
constexpr uint32_t kInf = 0x7F800000u;
constexpr uint32_t kHidden = 0x00800000u;

constexpr bool is_nan(uint32_t x) { return (x & 0x7FFFFFFFu) > kInf; }
constexpr bool is_inf(uint32_t x) { return (x & 0x7FFFFFFFu) == kInf; }
constexpr uint32_t exp_field(uint32_t x) { return (x >> 23) & 0xFFu; }

// DAZ: a subnormal (exponent field 0, fraction != 0) reads as zero, sign kept.
constexpr uint32_t daz(uint32_t x) { return exp_field(x) == 0 ? (x & kSign) : x; }

// Index (0-based) of the most significant set bit; v != 0.
unsigned msb_index64(uint64_t v) { return 63u - static_cast<unsigned>(__builtin_clzll(v)); }

// Round sig (an integer) right by `shift` bits, round-to-nearest-even.
uint64_t shift_right_rne(uint64_t sig, unsigned shift) {
  if (shift == 0) return sig;
  if (shift >= 64) return 0;  // not reached by the callers
  const uint64_t keep = sig >> shift;
  const uint64_t rem = sig & ((uint64_t{1} << shift) - 1);
  const uint64_t half = uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (keep & 1))) return keep + 1;
  return keep;
}

}  // namespace

uint32_t mul(Dtype dta, uint16_t a, Dtype dtb, uint16_t b) {
  const uint32_t wa = widen_to_fp32(dta, a);
  const uint32_t wb = widen_to_fp32(dtb, b);
  if (is_nan(wa) || is_nan(wb)) return kCanonicalNan;
  const uint32_t sign = (wa ^ wb) & kSign;
  const uint32_t xa = daz(wa);
  const uint32_t xb = daz(wb);
  const bool zero_a = (xa & 0x7FFFFFFFu) == 0;
  const bool zero_b = (xb & 0x7FFFFFFFu) == 0;
  if (is_inf(xa) || is_inf(xb)) {
    if (zero_a || zero_b) return kCanonicalNan;  // inf * 0
    return sign | kInf;
  }
  if (zero_a || zero_b) return sign;

  // Both normal. 24-bit significands; the product has 47 or 48 bits, of which
  // at most 16 are significant for the input formats (8-bit x 8-bit), so the
  // rounding below never discards a nonzero bit. It is kept so that this
  // function is a correct RNE multiply for any normal FP32 operands.
  const uint64_t sa = (xa & kFracMask) | kHidden;
  const uint64_t sb = (xb & kFracMask) | kHidden;
  const uint64_t p = sa * sb;  // in [2^46, 2^48)
  int e = static_cast<int>(exp_field(xa)) + static_cast<int>(exp_field(xb)) - 127;
  unsigned shift = 23;
  if (p >> 47) {
    ++e;
    shift = 24;
  }
  // e is the biased exponent of the exact product. Below 1 means the product
  // is below 2^-126: flush to zero (FTZ). 255 or more means >= 2^128: inf.
  if (e <= 0) return sign;
  uint64_t sig = shift_right_rne(p, shift);
  if (sig >> 24) {  // rounding carried out (never for the input formats)
    sig >>= 1;
    ++e;
  }
  if (e >= 255) return sign | kInf;
  return sign | (static_cast<uint32_t>(e) << 23) | (static_cast<uint32_t>(sig) & kFracMask);
}

uint32_t add(uint32_t a, uint32_t b) {
  if (is_nan(a) || is_nan(b)) return kCanonicalNan;
  a = daz(a);
  b = daz(b);
  const bool inf_a = is_inf(a);
  const bool inf_b = is_inf(b);
  if (inf_a || inf_b) {
    if (inf_a && inf_b && ((a ^ b) & kSign)) return kCanonicalNan;  // inf - inf
    return inf_a ? a : b;
  }
  const uint32_t mag_a = a & 0x7FFFFFFFu;
  const uint32_t mag_b = b & 0x7FFFFFFFu;
  if (mag_a == 0 && mag_b == 0) return a & b;  // -0 only for (-0) + (-0)
  if (mag_a == 0) return b;
  if (mag_b == 0) return a;

  // Both normal. Order by magnitude: |x| >= |y|. The result's sign is x's
  // (unless the sum is exactly zero, handled below).
  uint32_t x = a, y = b;
  if (mag_b > mag_a) {
    x = b;
    y = a;
  }
  const uint32_t sign = x & kSign;
  const bool subtract = ((x ^ y) & kSign) != 0;
  const int ex = static_cast<int>(exp_field(x));
  const unsigned d = exp_field(x) - exp_field(y);

  // Significands with 38 extra low bits. y is aligned to x's exponent; bits
  // shifted out are OR-ed into bit 0 (sticky). Up to d = 38 the alignment is
  // exact; beyond it the sticky bit is 38 positions below x's last
  // significand bit, far below any rounding decision.
  constexpr unsigned kExtra = 38;
  const uint64_t mx = static_cast<uint64_t>((x & kFracMask) | kHidden) << kExtra;  // msb at bit 61
  const uint64_t my_full = static_cast<uint64_t>((y & kFracMask) | kHidden) << kExtra;
  uint64_t my;
  if (d == 0) {
    my = my_full;
  } else if (d >= 62) {
    my = 1;  // y is nonzero: sticky only
  } else {
    const uint64_t lost = my_full & ((uint64_t{1} << d) - 1);
    my = (my_full >> d) | (lost != 0 ? 1u : 0u);
  }
  const uint64_t r = subtract ? mx - my : mx + my;
  if (r == 0) return 0;  // x + (-x) = +0 under round-to-nearest

  // The exact sum is r * 2^(ex - 127 - 23 - kExtra) (up to the sticky bit,
  // which only occurs when the sum is far from the subnormal range).
  const unsigned p = msb_index64(r);
  int e = ex + static_cast<int>(p) - 61;  // biased exponent of the sum
  if (e <= 0) {
    // |sum| < 2^-126. With normal operands such a sum is exact (both are
    // multiples of 2^-149), so there is no rounding question: flush to zero.
    return sign;
  }
  uint64_t sig;
  if (p > 23) {
    sig = shift_right_rne(r, p - 23);
    if (sig >> 24) {  // rounding carried out to the next binade
      sig >>= 1;
      ++e;
    }
  } else {
    sig = r << (23 - p);
  }
  if (e >= 255) return sign | kInf;  // overflow (RNE rounds to inf)
  return sign | (static_cast<uint32_t>(e) << 23) | (static_cast<uint32_t>(sig) & kFracMask);
}

}  // namespace trnsim::numerics
