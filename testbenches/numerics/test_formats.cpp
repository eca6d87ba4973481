// Dtype names/codes and widen_to_fp32.
#include "numerics/numerics.h"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "test_util.h"

using namespace trnsim::numerics;
using namespace trnsim::numerics::test;

TEST_CASE("dtype names round-trip and codes", "[numerics][dtype]") {
  for (Dtype dt : {Dtype::kBf16, Dtype::kFp8E4m3, Dtype::kFp8E5m2}) {
    CAPTURE(static_cast<unsigned>(dt));
    CHECK(parse_dtype(dtype_name(dt)) == dt);
    CHECK(dtype_valid(static_cast<unsigned>(dt)));
  }
  CHECK(std::string(dtype_name(Dtype::kBf16)) == "bf16");
  CHECK(std::string(dtype_name(Dtype::kFp8E4m3)) == "fp8e4m3");
  CHECK(std::string(dtype_name(Dtype::kFp8E5m2)) == "fp8e5m2");
  CHECK(std::string(dtype_name(static_cast<Dtype>(7))) == "invalid");
  CHECK(static_cast<unsigned>(Dtype::kBf16) == 0);
  CHECK(static_cast<unsigned>(Dtype::kFp8E4m3) == 1);
  CHECK(static_cast<unsigned>(Dtype::kFp8E5m2) == 2);
  CHECK_FALSE(dtype_valid(3));
  CHECK_FALSE(dtype_valid(255));
  CHECK_FALSE(dtype_valid(0x100));
  CHECK(dtype_bits(Dtype::kBf16) == 16);
  CHECK(dtype_bits(Dtype::kFp8E4m3) == 8);
  CHECK(dtype_bits(Dtype::kFp8E5m2) == 8);
  CHECK_THROWS_AS(dtype_bits(static_cast<Dtype>(3)), std::invalid_argument);
}

TEST_CASE("parse_dtype rejects bad names and names them", "[numerics][dtype]") {
  for (const char* bad : {"fp16", "", "BF16", "fp8", "bf16 ", "e4m3"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_dtype(bad), std::invalid_argument);
    CHECK_THROWS_WITH(parse_dtype(bad), "unknown dtype '" + std::string(bad) +
                                            "' (expected bf16, fp8e4m3 or fp8e5m2)");
  }
}

namespace {

// Expected widening from the double value of the code.
uint32_t widen_oracle(Dtype dt, uint16_t code) {
  const double v = code_value(dt, code);
  if (std::isnan(v)) return kCanonicalNan;
  const float f = static_cast<float>(v);  // exact for every code (checked below)
  REQUIRE((std::isinf(v) || static_cast<double>(f) == v));
  return bits32(f);  // keeps the sign of zero
}

}  // namespace

TEST_CASE("widen: every FP8 code, both formats, against ldexp", "[numerics][widen]") {
  for (Dtype dt : {Dtype::kFp8E4m3, Dtype::kFp8E5m2}) {
    for (unsigned c = 0; c < 256; ++c) {
      INFO("dtype " << dtype_name(dt) << " code 0x" << std::hex << c);
      const uint32_t w = widen_to_fp32(dt, static_cast<uint16_t>(c));
      CHECK(w == widen_oracle(dt, static_cast<uint16_t>(c)));
      // Upper 8 bits of the code are ignored.
      CHECK(widen_to_fp32(dt, static_cast<uint16_t>(c | 0xA500u)) == w);
      CHECK(widen_to_fp32(dt, static_cast<uint16_t>(c | 0xFF00u)) == w);
      // FP8 values never widen to FP32 subnormals.
      const bool zero = (w & 0x7FFFFFFFu) == 0;
      if (!zero) CHECK((w & 0x7F800000u) != 0);
    }
  }
}

TEST_CASE("widen: FP8 special codes", "[numerics][widen]") {
  const auto e4 = [](uint16_t c) { return widen_to_fp32(Dtype::kFp8E4m3, c); };
  const auto e5 = [](uint16_t c) { return widen_to_fp32(Dtype::kFp8E5m2, c); };
  // E4M3 (OCP FN): bias 7, no inf, S.1111.111 NaN.
  CHECK(e4(0x00) == 0x00000000u);  // +0
  CHECK(e4(0x80) == 0x80000000u);  // -0
  CHECK(e4(0x38) == 0x3F800000u);  // 1.0 = 0.0111.000
  CHECK(e4(0x7E) == 0x43E00000u);  // max normal 448 = 1.75 * 2^8
  CHECK(e4(0xFE) == 0xC3E00000u);  // -448
  CHECK(e4(0x78) == 0x43800000u);  // 0.1111.000 = 256: a number, not inf
  CHECK(e4(0x7F) == kCanonicalNan);
  CHECK(e4(0xFF) == kCanonicalNan);  // -NaN widens to the canonical +NaN
  CHECK(e4(0x08) == 0x3C800000u);  // min normal 2^-6
  CHECK(e4(0x01) == 0x3B000000u);  // min subnormal 1/8 * 2^-6 = 2^-9
  CHECK(e4(0x07) == 0x3C600000u);  // max subnormal 7/8 * 2^-6 = 1.75 * 2^-7
  CHECK(e4(0x86) == 0xBC400000u);  // -6/8 * 2^-6 = -1.5 * 2^-7
  // E5M2: bias 15, IEEE-like.
  CHECK(e5(0x3C) == 0x3F800000u);  // 1.0
  CHECK(e5(0x7B) == 0x47600000u);  // max normal 57344 = 1.75 * 2^15
  CHECK(e5(0x7C) == 0x7F800000u);  // +inf
  CHECK(e5(0xFC) == 0xFF800000u);  // -inf
  CHECK(e5(0x7D) == kCanonicalNan);
  CHECK(e5(0x7E) == kCanonicalNan);
  CHECK(e5(0xFF) == kCanonicalNan);
  CHECK(e5(0x04) == 0x38800000u);  // min normal 2^-14
  CHECK(e5(0x01) == 0x37800000u);  // min subnormal 1/4 * 2^-14 = 2^-16
  CHECK(e5(0x03) == 0x38400000u);  // max subnormal 3/4 * 2^-14 = 1.5 * 2^-15
  CHECK(e5(0x80) == 0x80000000u);  // -0
}

TEST_CASE("widen: every BF16 code against ldexp, and specials", "[numerics][widen]") {
  for (unsigned c = 0; c < 0x10000; ++c) {
    const uint16_t code = static_cast<uint16_t>(c);
    const uint32_t w = widen_to_fp32(Dtype::kBf16, code);
    const uint32_t expect = widen_oracle(Dtype::kBf16, code);
    if (w != expect) {
      INFO("bf16 code 0x" << std::hex << c << " widened 0x" << w << " expected 0x" << expect);
      FAIL_CHECK("widen mismatch");
    }
    // Non-NaN codes widen by a plain 16-bit shift.
    if (!is_nan32(static_cast<uint32_t>(c) << 16)) {
      if (w != static_cast<uint32_t>(c) << 16) FAIL_CHECK("bf16 widen is not c << 16");
    }
  }
  const auto bf = [](uint16_t c) { return widen_to_fp32(Dtype::kBf16, c); };
  CHECK(bf(0x3F80) == 0x3F800000u);  // 1.0
  CHECK(bf(0x8000) == 0x80000000u);  // -0
  CHECK(bf(0x7F80) == 0x7F800000u);  // +inf
  CHECK(bf(0xFF80) == 0xFF800000u);  // -inf
  CHECK(bf(0x7FC0) == kCanonicalNan);
  CHECK(bf(0x7F81) == kCanonicalNan);  // signalling NaN
  CHECK(bf(0xFFFF) == kCanonicalNan);
  CHECK(bf(0x0001) == 0x00010000u);  // subnormal stays an FP32 subnormal
  CHECK(bf(0x807F) == 0x807F0000u);
  CHECK(bf(0x7F7F) == 0x7F7F0000u);  // max finite
}

TEST_CASE("widen: invalid dtype throws", "[numerics][widen]") {
  CHECK_THROWS_AS(widen_to_fp32(static_cast<Dtype>(3), 0), std::invalid_argument);
  CHECK_THROWS_AS(mul(static_cast<Dtype>(9), 0, Dtype::kBf16, 0), std::invalid_argument);
}
