// Helpers shared by the fidelity, lockstep and timeline tests (testbenches/cosim).
#pragma once

#include <systemc>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "blocks.h"
#include "common/fidelity.h"

namespace trnsim::cosim::test {

inline const char* fidelity_name(Fidelity f) {
  return f == Fidelity::kRtl ? "rtl" : f == Fidelity::kTlm ? "tlm" : "lockstep";
}

// FST header: start and end time, big-endian u64 at offsets 9 and 17.
inline bool fst_times(const std::string& path, uint64_t& start, uint64_t& end) {
  std::ifstream f(path, std::ios::binary);
  unsigned char h[25];
  if (!f.read(reinterpret_cast<char*>(h), sizeof h) || h[0] != 0) return false;
  start = end = 0;
  for (int i = 0; i < 8; ++i) {
    start = (start << 8) | h[9 + i];
    end = (end << 8) | h[17 + i];
  }
  return true;
}

inline long file_size(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  return f ? static_cast<long>(f.tellg()) : -1;
}

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

}  // namespace trnsim::cosim::test
