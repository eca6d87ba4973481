// Which form of a block runs: the Verilated RTL, the fast TLM model, or both
// in lockstep (RTL drives the system, the fast model is compared against it).
// Chosen per instance at run time (config or command line), no rebuild.
#pragma once

#include <stdexcept>
#include <string>

namespace trnsim {

enum class Fidelity { kRtl, kTlm, kLockstep };

inline const char* to_string(Fidelity f) {
  switch (f) {
    case Fidelity::kRtl: return "rtl";
    case Fidelity::kTlm: return "tlm";
    case Fidelity::kLockstep: return "lockstep";
  }
  return "?";
}

// Throws std::invalid_argument naming the bad value and the accepted ones;
// `where` says where the value came from (e.g. "--tensor-fidelity").
inline Fidelity parse_fidelity(const std::string& s, const std::string& where = "fidelity") {
  if (s == "rtl") return Fidelity::kRtl;
  if (s == "tlm") return Fidelity::kTlm;
  if (s == "lockstep") return Fidelity::kLockstep;
  throw std::invalid_argument(where + ": unknown fidelity '" + s + "' (expected rtl, tlm or lockstep)");
}

}  // namespace trnsim
