// GdbStub: a GDB remote-serial-protocol server for the standalone ISS
// (`trnsim iss --elf FILE --gdb PORT`, docs/mgmt.md). Listens on 127.0.0.1
// only, serves one debugger connection, and runs the core only when gdb says
// so (c / s). POSIX sockets; one thread.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <stdexcept>
#include <string>

#include "iss_standalone.h"

namespace trnsim::mgmt {

struct GdbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class GdbStub {
 public:
  // Instructions run between two polls of the socket for Ctrl-C (0x03).
  static constexpr uint64_t kPollInterval = 1u << 16;

  GdbStub(IssStandalone& iss, std::ostream& console, std::ostream& log);
  ~GdbStub();
  GdbStub(const GdbStub&) = delete;
  GdbStub& operator=(const GdbStub&) = delete;

  // Binds 127.0.0.1:port (0: the kernel picks one) and listens; prints
  // "gdb: listening on 127.0.0.1:PORT" to log. GdbError if it cannot.
  void listen(uint16_t port);
  uint16_t port() const { return port_; }

  // Waits up to accept_timeout_ms for one connection (GdbError on timeout),
  // then serves it until the program exits (W), gdb kills (k) or detaches (D:
  // the program then runs on to its end), the connection closes, or
  // max_instructions have run in total.
  StandaloneResult serve(int accept_timeout_ms, uint64_t max_instructions);

 private:
  enum class Flow { kReply, kNoReply, kEnd };
  bool read_byte(uint8_t& b);           // blocking; false on EOF/error
  bool get_packet(std::string& data);   // false: connection gone
  bool put_packet(const std::string& data);
  Flow handle(const std::string& pkt, std::string& reply);
  // Runs the core (single step or continue); fills reply with a stop packet
  // (T05 / T02) or an exit packet (W / X), setting done_ on exit.
  void resume(bool single_step, std::string& reply);
  bool interrupt_pending();
  void add_bp(uint32_t addr);
  void remove_bp(uint32_t addr);
  std::string read_reg(unsigned n, bool& ok);
  bool write_reg(unsigned n, uint32_t v);

  IssStandalone& iss_;
  std::ostream& console_;
  std::ostream& log_;
  int listen_fd_ = -1, fd_ = -1;
  uint16_t port_ = 0;
  std::map<uint32_t, int> bps_;  // address -> Z0/Z1 count (both are ISS breakpoints)
  StandaloneResult result_;
  uint64_t left_ = 0;
  bool done_ = false;
  double seconds_ = 0;
};

}  // namespace trnsim::mgmt
