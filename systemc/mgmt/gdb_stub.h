// GdbStub: a GDB remote-serial-protocol server for the management core.
// Listens on 127.0.0.1 only, serves one debugger connection, and runs the core
// only when gdb says so (c / s), through a GdbTarget:
//   - the standalone ISS (`trnsim iss --elf FILE --gdb PORT`, docs/mgmt.md):
//     the GdbStub(IssStandalone&, ...) constructor;
//   - the TLM core in the management subsystem (`trnsim mgmt --gdb PORT`,
//     mgmt_gdb.h): the core's SC_THREAD calls serve() and the target runs the
//     core in chunks from inside that thread, so while gdb holds the core
//     (the stub blocks in recv()), no SystemC process runs and simulated time
//     stands still for the whole model.
// POSIX sockets; one thread.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "iss_standalone.h"

namespace trnsim::mgmt {

struct GdbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the stub runs.
class GdbTarget {
 public:
  enum class Event {
    kRan,      // ran without anything to report: keep going
    kStopped,  // stopped for the debugger (breakpoint, EBREAK, a WFI nothing can wake, ...)
    kExited,   // the program ended: exit_code
    kEnded,    // the core cannot go on (instruction limit, double fault)
  };
  struct Outcome {
    Event event = Event::kRan;
    uint64_t executed = 0;
    int exit_code = 0;
    bool watchpoint = false;  // kStopped by a watchpoint (core().watch_hit())
  };
  virtual ~GdbTarget() = default;
  virtual Rv32Iss& core() = 0;
  // Runs at most n instructions (fewer is fine: a chunk ends early at a
  // quantum boundary or device write; it may sleep in WFI).
  virtual Outcome run(uint64_t n) = 0;
};

class GdbStub {
 public:
  // Instructions run between two polls of the socket for Ctrl-C (0x03).
  static constexpr uint64_t kPollInterval = 1u << 16;

  GdbStub(IssStandalone& iss, std::ostream& console, std::ostream& log);
  GdbStub(GdbTarget& target, std::ostream& log);
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
  // After serve(): gdb detached (the program should run on without it).
  bool detached() const { return detached_; }
  // The simulation ended while the core was running for gdb (a generic
  // target only, e.g. a time limit): tell gdb the program is gone (W with
  // exit_code if >= 0, else X09) and close the connection.
  void end_of_simulation(int exit_code);

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

  IssStandalone* iss_ = nullptr;  // standalone only
  std::unique_ptr<GdbTarget> own_target_;
  GdbTarget& target_;
  std::ostream* console_ = nullptr;
  std::ostream& log_;
  int listen_fd_ = -1, fd_ = -1;
  uint16_t port_ = 0;
  std::map<uint32_t, int> bps_;  // address -> Z0/Z1 count (both are ISS breakpoints)
  struct Watch {
    uint32_t addr, len;
    WatchKind kind;
  };
  std::vector<Watch> watches_;  // Z2..Z4 set (for detach)
  StandaloneResult result_;
  uint64_t left_ = 0;
  bool done_ = false;
  bool detached_ = false;
  bool resuming_ = false;
  uint64_t since_poll_ = 0;
  double seconds_ = 0;
};

}  // namespace trnsim::mgmt
