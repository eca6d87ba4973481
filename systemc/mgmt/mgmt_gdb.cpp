#include "mgmt/mgmt_gdb.h"

#include <ostream>

namespace trnsim::mgmt {

GdbTarget::Outcome MgmtGdbTarget::run(uint64_t n) {
  const MgmtCore::Chunk c = mgmt_.core().run_chunk(n);
  Outcome o;
  o.executed = c.executed;
  if (mgmt_.exit_code()) {
    o.event = Event::kExited;
    o.exit_code = *mgmt_.exit_code();
  } else if (c.stopped) {
    o.event = Event::kEnded;
  } else if (c.reason == StopReason::kBreakpoint || c.reason == StopReason::kEbreak ||
             c.reason == StopReason::kWatchpoint) {
    o.event = Event::kStopped;
    o.watchpoint = c.reason == StopReason::kWatchpoint;
  }
  return o;
}

MgmtGdb::MgmtGdb(MgmtSubsystem& mgmt, uint16_t port, int accept_timeout_ms, std::ostream& log)
    : mgmt_(mgmt), target_(mgmt), stub_(target_, log), accept_timeout_ms_(accept_timeout_ms), log_(log) {
  stub_.listen(port);
  mgmt_.core().set_debugger([this] { return serve(); });
}

bool MgmtGdb::serve() {
  try {
    stub_.serve(accept_timeout_ms_, ~uint64_t{0});
  } catch (const GdbError& e) {
    error_ = e.what();
    log_ << e.what() << std::endl;
    return true;  // end the run
  }
  if (stub_.detached() && !mgmt_.exit_code() && !mgmt_.core_stopped()) return false;  // run on
  return true;
}

void MgmtGdb::end_of_simulation() {
  stub_.end_of_simulation(mgmt_.exit_code() ? *mgmt_.exit_code() : -1);
}

}  // namespace trnsim::mgmt
