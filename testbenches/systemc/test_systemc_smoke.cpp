// The SystemC/TLM-2.0 toolchain works as the later layers will use it: an
// initiator and a target module with tlm_utils simple sockets, a blocking
// transport with an annotated delay, and simulated time advancing. Guards the
// pkg-config based discovery of Debian's libsystemc-dev.
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdio>
#include <cstring>

namespace {

struct Memory : sc_core::sc_module {
  tlm_utils::simple_target_socket<Memory> socket{"socket"};
  unsigned char data[64] = {};
  explicit Memory(sc_core::sc_module_name name) : sc_module(name) {
    socket.register_b_transport(this, &Memory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    if (gp.get_address() + gp.get_data_length() > sizeof data) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (gp.is_write())
      std::memcpy(data + gp.get_address(), gp.get_data_ptr(), gp.get_data_length());
    else
      std::memcpy(gp.get_data_ptr(), data + gp.get_address(), gp.get_data_length());
    delay += sc_core::sc_time(10, sc_core::SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Initiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
  int failures = 0;
  SC_HAS_PROCESS(Initiator);
  explicit Initiator(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint32_t& v) {
    tlm::tlm_generic_payload gp;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(gp, delay);
    wait(delay);
    return gp.get_response_status();
  }
  void run() {
    uint32_t w = 0xC0FFEE11u, r = 0;
    if (access(tlm::TLM_WRITE_COMMAND, 8, w) != tlm::TLM_OK_RESPONSE) ++failures;
    if (access(tlm::TLM_READ_COMMAND, 8, r) != tlm::TLM_OK_RESPONSE || r != w) ++failures;
    if (access(tlm::TLM_READ_COMMAND, 62, r) != tlm::TLM_ADDRESS_ERROR_RESPONSE) ++failures;
  }
};

}  // namespace

int sc_main(int, char*[]) {
  Initiator init("init");
  Memory mem("mem");
  init.socket.bind(mem.socket);
  sc_core::sc_start();
  const bool time_ok = sc_core::sc_time_stamp() == sc_core::sc_time(30, sc_core::SC_NS);
  std::printf("systemc smoke: %d failures, time %s\n", init.failures,
              sc_core::sc_time_stamp().to_string().c_str());
  return (init.failures == 0 && time_ok) ? 0 : 1;
}
