// A scripted TLM initiator for the chip's memory-system testbenches: its
// body runs in an SC_THREAD and calls access()/dbg()/dmi() on the socket.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/tlm_util.h"

namespace trnsim::chip::test {

struct Probe : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Probe> socket{"socket"};
  std::function<void(Probe&)> body;
  std::vector<std::pair<uint64_t, uint64_t>> invalidations;
  bool done = false;

  SC_HAS_PROCESS(Probe);
  explicit Probe(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_invalidate_direct_mem_ptr(this, &Probe::invalidate);
    SC_THREAD(run);
  }
  void run() {
    if (body) body(*this);
    done = true;
  }
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len,
                                  sc_core::sc_time& delay, unsigned char* be = nullptr,
                                  unsigned be_len = 0) {
    tlm::tlm_generic_payload gp;
    set_payload(gp, cmd, addr, static_cast<unsigned char*>(data), len, be, be ? be_len : 0);
    socket->b_transport(gp, delay);
    return gp.get_response_status();
  }
  // b_transport with delay 0 at the current time; returns the annotated delay.
  sc_core::sc_time timed(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len,
                         tlm::tlm_response_status expect = tlm::TLM_OK_RESPONSE) {
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    const auto st = access(cmd, addr, data, len, d);
    if (st != expect) throw std::runtime_error("unexpected response " + std::to_string(st));
    return d;
  }
  unsigned dbg(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len) {
    tlm::tlm_generic_payload gp;
    set_payload(gp, cmd, addr, static_cast<unsigned char*>(data), len);
    return socket->transport_dbg(gp);
  }
  bool dmi(uint64_t addr, tlm::tlm_dmi& d) {
    tlm::tlm_generic_payload gp;
    unsigned char dummy[1];
    set_payload(gp, tlm::TLM_READ_COMMAND, addr, dummy, 1);
    d.init();
    return socket->get_direct_mem_ptr(gp, d);
  }
  void invalidate(sc_dt::uint64 lo, sc_dt::uint64 hi) { invalidations.emplace_back(lo, hi); }
};

}  // namespace trnsim::chip::test
