// Shared helpers of the kernel tests: a small core, HBM layout, random data.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/harness.h"
#include "kernels/kernels.h"
#include "kernels/reference.h"

namespace trnsim::kernels::test {

// A small core so that small shapes still need several tiles: 32 partitions,
// an 8-row x 16-column array.
inline isa::CoreConfig small_core() {
  isa::CoreConfig c;
  c.partitions = 32;
  c.sbuf_partition_bytes = 64 * 1024;
  c.pe_rows = 8;
  c.pe_cols = 16;
  return c;
}

inline constexpr uint64_t kHbmBytes = 4 << 20;
inline constexpr uint64_t kDescBase = 3 << 20;  // descriptors at 3 MiB

inline Target target(const isa::CoreConfig& c = small_core()) {
  Target t;
  t.core = c;
  t.desc_base = kDescBase;
  return t;
}

// Random raw elements of dt with values uniform in [-range, range] (rounded to dt).
inline std::vector<uint32_t> random_raw(std::mt19937& rng, Dtype dt, std::size_t n, float range = 1.0f) {
  std::uniform_real_distribution<float> u(-range, range);
  std::vector<uint32_t> v(n);
  for (auto& e : v) e = ref::raw(dt, u(rng));
  return v;
}

inline std::vector<float> values(Dtype dt, const std::vector<uint32_t>& raw) {
  std::vector<float> v(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) v[i] = ref::value(dt, raw[i]);
  return v;
}

// Largest error in units of the tolerance: max |got - want| / (abs + rel |want|).
// <= 1 passes. `where` receives the index of the worst element.
inline double tol_ratio(const std::vector<float>& got, const std::vector<float>& want, double abs_tol,
                        double rel_tol, std::size_t* where = nullptr) {
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double r = std::fabs(double(got[i]) - want[i]) / (abs_tol + rel_tol * std::fabs(want[i]));
    if (!(r <= worst)) {
      worst = std::isnan(r) ? 1e30 : r;
      if (where) *where = i;
    }
  }
  return worst;
}

}  // namespace trnsim::kernels::test
