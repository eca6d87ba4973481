// MgmtRouter: the management subsystem's address decoder. One target socket
// (from the core), one initiator socket per internal target (bound in the
// order of add_target) and the external socket to the rest of the chip
// (may stay unbound). Internal targets see local offsets; the external
// window passes the global address unchanged. A miss (or the external window
// with nothing bound) is TLM_ADDRESS_ERROR_RESPONSE; a write to a read-only
// target TLM_COMMAND_ERROR_RESPONSE. DMI and debug transport are forwarded
// with the addresses translated; DMI to a read-only target is read-only.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace trnsim::mgmt {

class MgmtRouter : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MgmtRouter> target;
  using Socket = tlm_utils::multi_passthrough_initiator_socket<
      MgmtRouter, 32, tlm::tlm_base_protocol_types, 0, sc_core::SC_ZERO_OR_MORE_BOUND>;
  Socket dev;  // one binding per add_target, in that order
  Socket ext;  // at most one binding: the rest of the chip

  MgmtRouter(sc_core::sc_module_name name, uint64_t ext_base, uint64_t ext_size);

  // Target n (the n-th binding of dev) answers [base, base+size). Overlaps
  // are a std::invalid_argument naming both.
  void add_target(const std::string& name, uint64_t base, uint64_t size, bool read_only);

 private:
  struct Range {
    std::string name;
    uint64_t base, size;
    bool read_only;
  };
  enum class Hit { kNone, kDev, kExt };
  Hit decode(uint64_t addr, uint64_t len, unsigned& index, uint64_t& offset);
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  void invalidate_dev(int id, sc_dt::uint64 lo, sc_dt::uint64 hi);
  void invalidate_ext(int id, sc_dt::uint64 lo, sc_dt::uint64 hi);

  std::vector<Range> ranges_;
  uint64_t ext_base_, ext_size_;
};

}  // namespace trnsim::mgmt
