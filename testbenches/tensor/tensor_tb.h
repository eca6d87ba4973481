// Shared helpers of the tensor-engine testbenches: the configurations under
// test, seeded random operands, the golden model, and waveform-on-request.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "numerics/numerics.h"
#include "tensor/tensor_driver.h"
#include "tensor/tensor_rtl.h"

namespace trnsim::tb {

namespace nm = trnsim::numerics;

// The configurations small enough for unit tests (the 128x128 engine, when
// built, is exercised by the benchmarks and `trnsim gemm`).
inline std::vector<cosim::TensorConfig> test_configs() {
  std::vector<cosim::TensorConfig> out;
  for (const auto& c : cosim::tensor_rtl_configs())
    if (c.rows * c.cols <= 1024) out.push_back(c);
  return out;
}

// A driver for one configuration. With TRNSIM_WAVE_DIR set, every driver
// writes <dir>/<tag>.fst so a failing test can be opened in GTKWave.
inline std::unique_ptr<cosim::TensorDriver> make_driver(const std::string& config,
                                                        const std::string& tag) {
  auto rtl = cosim::make_tensor_rtl(config);
  if (const char* dir = std::getenv("TRNSIM_WAVE_DIR"); dir && *dir) {
    std::string name = tag;
    for (char& ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    rtl->open_wave(std::string(dir) + "/" + name + "_" + config + ".fst");
  }
  return std::make_unique<cosim::TensorDriver>(std::move(rtl));
}

// Random finite values of moderate range for a datatype (codes).
inline uint16_t random_code(nm::Dtype dt, std::mt19937_64& rng) {
  for (;;) {
    uint16_t code = 0;
    if (dt == nm::Dtype::kBf16) {
      // sign, exponent 112..141 (about 2^-15 .. 2^14), any mantissa
      const uint16_t e = static_cast<uint16_t>(112 + rng() % 30);
      code = static_cast<uint16_t>(((rng() & 1) << 15) | (e << 7) | (rng() & 0x7F));
    } else {
      code = static_cast<uint16_t>(rng() & 0xFF);
    }
    const uint32_t f = nm::widen_to_fp32(dt, code);
    if ((f & 0x7F800000u) != 0x7F800000u) return code;  // finite
  }
}

// Special values of a datatype: zeros, subnormals, extremes, inf, NaN.
inline std::vector<uint16_t> special_codes(nm::Dtype dt) {
  switch (dt) {
    case nm::Dtype::kBf16:
      return {0x0000, 0x8000, 0x0001, 0x807F, 0x0080, 0x7F7F, 0xFF7F, 0x7F80, 0xFF80,
              0x7FC0, 0xFFC1, 0x3F80, 0xBF80, 0x6000, 0x1F00, 0x2000};
    case nm::Dtype::kFp8E4m3:
      return {0x00, 0x80, 0x01, 0x87, 0x08, 0x7E, 0xFE, 0x7F, 0xFF, 0x38, 0xB8};
    case nm::Dtype::kFp8E5m2:
      return {0x00, 0x80, 0x01, 0x83, 0x04, 0x7B, 0xFB, 0x7C, 0xFC, 0x7D, 0xFF, 0x3C, 0xBC};
  }
  return {};
}

inline std::vector<uint16_t> random_matrix(nm::Dtype dt, std::size_t n, std::mt19937_64& rng,
                                           double special_fraction = 0.0) {
  const auto specials = special_codes(dt);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::vector<uint16_t> v(n);
  for (auto& x : v)
    x = (uni(rng) < special_fraction) ? specials[rng() % specials.size()] : random_code(dt, rng);
  return v;
}

inline std::vector<uint32_t> golden_gemm(std::size_t m, std::size_t k, std::size_t n,
                                         std::size_t tile_rows, nm::Dtype dta,
                                         const std::vector<uint16_t>& a, nm::Dtype dtb,
                                         const std::vector<uint16_t>& b) {
  std::vector<uint32_t> c(m * n, 0);
  nm::GemmShape s;
  s.m = m;
  s.k = k;
  s.n = n;
  s.tile_rows = tile_rows;
  nm::gemm_ref(s, dta, a.data(), dtb, b.data(), c.data(), false);
  return c;
}

// Index of the first differing element, or -1.
inline long first_mismatch(const std::vector<uint32_t>& x, const std::vector<uint32_t>& y) {
  if (x.size() != y.size()) return 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] != y[i]) return static_cast<long>(i);
  return -1;
}

}  // namespace trnsim::tb
