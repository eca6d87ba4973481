// Input formats: dtype names/codes and exact widening to FP32 bits.
// Semantics: docs/numerics.md, "Formats" and "Widening".
#include "numerics/numerics.h"

#include <stdexcept>
#include <string>

namespace trnsim::numerics {

namespace {

constexpr uint32_t kFp32Inf = 0x7F800000u;

[[noreturn]] void throw_bad_dtype(unsigned code) {
  throw std::invalid_argument("invalid trnsim::numerics::Dtype code " +
                              std::to_string(code) +
                              " (expected 0 = bf16, 1 = fp8e4m3, 2 = fp8e5m2)");
}

// Index (0-based) of the most significant set bit of a nonzero value.
unsigned msb_index(uint32_t v) { return 31u - static_cast<unsigned>(__builtin_clz(v)); }

// FP8 subnormal m * 2^(scale) with m != 0 as a normal FP32 value:
// m = 1.f * 2^p, so the value is 1.f * 2^(p + scale).
uint32_t fp8_subnormal_to_fp32(uint32_t sign, uint32_t m, int scale) {
  const unsigned p = msb_index(m);
  const uint32_t exp32 = static_cast<uint32_t>(static_cast<int>(p) + scale + 127);
  const uint32_t frac = (m << (23 - p)) & 0x007FFFFFu;
  return sign | (exp32 << 23) | frac;
}

uint32_t widen_bf16(uint16_t code) {
  const uint32_t bits = static_cast<uint32_t>(code) << 16;
  if ((bits & 0x7F800000u) == kFp32Inf && (bits & 0x007FFFFFu) != 0) return kCanonicalNan;
  return bits;
}

uint32_t widen_e4m3(uint16_t code) {
  const uint32_t c = code & 0xFFu;
  const uint32_t sign = (c & 0x80u) << 24;
  const uint32_t e = (c >> 3) & 0xFu;
  const uint32_t m = c & 0x7u;
  if (e == 0xF && m == 0x7) return kCanonicalNan;  // S.1111.111: the only NaN, no inf
  if (e == 0) {
    if (m == 0) return sign;                       // signed zero
    return fp8_subnormal_to_fp32(sign, m, -9);     // m/8 * 2^-6 = m * 2^-9
  }
  return sign | ((e + 120u) << 23) | (m << 20);    // bias 7 -> 127
}

uint32_t widen_e5m2(uint16_t code) {
  const uint32_t c = code & 0xFFu;
  const uint32_t sign = (c & 0x80u) << 24;
  const uint32_t e = (c >> 2) & 0x1Fu;
  const uint32_t m = c & 0x3u;
  if (e == 0x1F) return m == 0 ? (sign | kFp32Inf) : kCanonicalNan;
  if (e == 0) {
    if (m == 0) return sign;
    return fp8_subnormal_to_fp32(sign, m, -16);    // m/4 * 2^-14 = m * 2^-16
  }
  return sign | ((e + 112u) << 23) | (m << 21);    // bias 15 -> 127
}

}  // namespace

const char* dtype_name(Dtype dt) {
  switch (dt) {
    case Dtype::kBf16: return "bf16";
    case Dtype::kFp8E4m3: return "fp8e4m3";
    case Dtype::kFp8E5m2: return "fp8e5m2";
  }
  return "invalid";  // not throwing: this is used in diagnostics
}

Dtype parse_dtype(const std::string& name) {
  if (name == "bf16") return Dtype::kBf16;
  if (name == "fp8e4m3") return Dtype::kFp8E4m3;
  if (name == "fp8e5m2") return Dtype::kFp8E5m2;
  throw std::invalid_argument("unknown dtype '" + name +
                              "' (expected bf16, fp8e4m3 or fp8e5m2)");
}

bool dtype_valid(unsigned code) { return code <= 2; }

unsigned dtype_bits(Dtype dt) {
  switch (dt) {
    case Dtype::kBf16: return 16;
    case Dtype::kFp8E4m3:
    case Dtype::kFp8E5m2: return 8;
  }
  throw_bad_dtype(static_cast<unsigned>(dt));
}

uint32_t widen_to_fp32(Dtype dt, uint16_t code) {
  switch (dt) {
    case Dtype::kBf16: return widen_bf16(code);
    case Dtype::kFp8E4m3: return widen_e4m3(code);
    case Dtype::kFp8E5m2: return widen_e5m2(code);
  }
  throw_bad_dtype(static_cast<unsigned>(dt));
}

}  // namespace trnsim::numerics
