// Shared by the benchmark programs (scripts/bench, docs/performance.md): the
// statistics of repeated runs (median with its spread) and command-line
// number parsing with a clear error (exit 2).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace trnsim::bench {

struct Stat {
  double med = 0, lo = 0, hi = 0;
  std::size_t runs = 0;
};

// Median (mean of the middle two for an even count), min and max; v non-empty.
inline Stat stat(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  Stat s;
  s.runs = n;
  s.lo = v.front();
  s.hi = v.back();
  s.med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  return s;
}

inline double median(std::vector<double> v) { return stat(std::move(v)).med; }

[[noreturn]] inline void usage_error(const char* prog, const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", prog, msg.c_str());
  std::exit(2);
}

// A decimal or 0x number of at most `max`; 0 only with zero_ok.
inline unsigned parse_uint(const char* prog, const std::string& opt, const std::string& s, bool zero_ok = false,
                           unsigned long max = 1ul << 24) {
  char* end = nullptr;
  const unsigned long v = std::strtoul(s.c_str(), &end, 0);
  if (s.empty() || *end || s[0] == '-' || (v == 0 && !zero_ok) || v > max)
    usage_error(prog, opt + ": '" + s + "' is not a " + (zero_ok ? "non-negative" : "positive") +
                          " integer (at most " + std::to_string(max) + ")");
  return unsigned(v);
}

}  // namespace trnsim::bench
