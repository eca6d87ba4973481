// MgmtGdb: `trnsim mgmt --gdb PORT`: the GDB stub (gdb_stub.h) on the TLM
// core of a management subsystem (docs/firmware.md, "Debugging with gdb").
//
// How simulated time stops: the stub runs *inside* the core's SC_THREAD
// (MgmtCore::set_debugger). While gdb holds the core, that thread blocks in
// recv() on the debugger socket without calling wait(), so the SystemC
// kernel never gets control back: no other process runs and sc_time_stamp()
// does not move, for the whole model (engines, timers, host mailbox). On
// continue/step the stub runs the core through MgmtCore::run_chunk(), which
// advances time exactly as the core does on its own (quantum, WFI sleeps).
// Ctrl-C is polled between chunks (not while the core sleeps in WFI).
// Watchpoints stop the ISS before the access (run_chunk returns with
// kWatchpoint); gdb's memory reads of peripherals go by transport_dbg
// (MgmtCore::debug_read), so they take no simulated time either. When the firmware exits (mailbox EXIT)
// gdb gets "exited with code N" and the simulation ends; if the simulation
// ends otherwise while the core runs for gdb (time limit, nothing left to wake
// a WFI), end_of_simulation() tells gdb.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>

#include "mgmt/gdb_stub.h"
#include "mgmt/mgmt_subsystem.h"

namespace trnsim::mgmt {

class MgmtGdbTarget : public GdbTarget {
 public:
  explicit MgmtGdbTarget(MgmtSubsystem& mgmt) : mgmt_(mgmt) {}
  Rv32Iss& core() override { return mgmt_.core().iss(); }
  Outcome run(uint64_t n) override;

 private:
  MgmtSubsystem& mgmt_;
};

class MgmtGdb {
 public:
  // Listens on 127.0.0.1:port now (GdbError if it cannot; port 0: any) and
  // hooks the core: at time 0 its thread waits up to accept_timeout_ms for
  // gdb, then serves it. Construct before sc_start().
  MgmtGdb(MgmtSubsystem& mgmt, uint16_t port, int accept_timeout_ms, std::ostream& log);
  uint16_t port() const { return stub_.port(); }
  // Call after sc_start() returns.
  void end_of_simulation();
  // A problem in the debugger thread (no connection within the timeout):
  // empty if none.
  const std::string& error() const { return error_; }

 private:
  bool serve();
  MgmtSubsystem& mgmt_;
  MgmtGdbTarget target_;
  GdbStub stub_;
  int accept_timeout_ms_;
  std::ostream& log_;
  std::string error_;
};

}  // namespace trnsim::mgmt
