// MgmtCore: the management core as a TLM-2.0 initiator: Rv32Iss in an
// SC_THREAD, temporally decoupled with a tlm_quantumkeeper (one instruction
// per clock as the first timing model). Memories that grant DMI are reached
// by pointer (Rv32Iss::add_ram, read-only if the grant is); everything else
// is a b_transport with the annotated local time. After a write to a device
// (a non-DMI target) the core synchronises, so an interrupt line the write
// changes is seen before the next instruction. WFI sleeps until an interrupt
// line changes (simulated time passes, the host does not spin).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <functional>
#include <string>

#include "mgmt/rv32_iss.h"

namespace trnsim::mgmt {

struct MgmtCoreConfig {
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);  // 1 GHz
  uint32_t reset_pc = 0;
  uint32_t hartid = 0;
  uint64_t max_instructions = 0;  // 0: no limit; else the core stops (and calls on_stop)
};

class MgmtCore : public sc_core::sc_module, private Rv32Bus {
 public:
  tlm_utils::simple_initiator_socket<MgmtCore> socket;
  sc_core::sc_in<bool> msip_i, mtip_i, meip_i;

  MgmtCore(sc_core::sc_module_name name, const MgmtCoreConfig& cfg);
  SC_HAS_PROCESS(MgmtCore);

  Rv32Iss& iss() { return iss_; }
  const MgmtCoreConfig& config() const { return cfg_; }

  // The core stopped for good (instruction limit, double fault): why, once.
  void set_on_stop(std::function<void(const std::string&)> f) { on_stop_ = std::move(f); }
  bool stopped() const { return stopped_; }
  const std::string& stop_message() const { return stop_message_; }

  // Debugger (mgmt_gdb.h). If set before the simulation starts, the core's
  // thread calls it once at time 0 instead of running on its own; it drives
  // the core through run_chunk() from inside that thread, so simulated time
  // stands still while it blocks (waiting for the debugger). It returns true
  // to end the core's thread (program exited, debugger killed it), false to
  // carry on without the debugger (detach).
  void set_debugger(std::function<bool()> f) { debugger_ = std::move(f); }
  bool debugger_attached() const { return debugging_; }
  struct Chunk {
    uint64_t executed = 0;
    StopReason reason = StopReason::kLimit;
    bool stopped = false;  // the core stopped for good (stop_message())
  };
  // One step of the core's loop, at most max_n instructions (up to the
  // quantum): runs the ISS, accounts time, synchronises, sleeps in WFI until
  // an interrupt line changes. A breakpoint, watchpoint or EBREAK returns
  // without stopping the core. Only from the core's own thread (the debugger hook).
  Chunk run_chunk(uint64_t max_n);

  // Statistics.
  uint64_t instructions() const { return iss_.instret(); }
  double host_seconds() const { return host_seconds_; }  // in the ISS, excluding WFI sleep
  uint64_t wfi_sleeps() const { return wfi_sleeps_; }
  sc_core::sc_time sleep_time() const { return sleep_time_; }
  uint64_t bus_accesses() const { return bus_accesses_; }

 private:
  struct Keeper : tlm_utils::tlm_quantumkeeper {
    // Time left until the next synchronisation point.
    sc_core::sc_time remaining() const {
      const sc_core::sc_time now = get_current_time();
      return m_next_sync_point > now ? m_next_sync_point - now : sc_core::SC_ZERO_TIME;
    }
  };
  void thread();
  void account();  // local time += steps since the last call
  void settle();   // sync, then let delta activity (irq lines) settle
  void sample_irqs();
  void stop(const std::string& why);
  BusResult read(uint32_t addr, unsigned size, uint32_t& data) override;
  BusResult write(uint32_t addr, unsigned size, uint32_t data) override;
  BusResult access(tlm::tlm_command cmd, uint32_t addr, unsigned size, uint32_t& data);
  // The debugger's path (Rv32Iss::debug_read/debug_write): transport_dbg, so
  // reads have no side effects and take no simulated time. A write the
  // target refuses by debug transport (the peripherals' registers) goes as
  // an ordinary b_transport store, with the store's effects.
  BusResult debug_read(uint32_t addr, unsigned size, uint32_t& data) override;
  BusResult debug_write(uint32_t addr, unsigned size, uint32_t data) override;
  unsigned debug_transport(tlm::tlm_command cmd, uint32_t addr, unsigned size, uint32_t& data);
  void invalidate_dmi(sc_dt::uint64 lo, sc_dt::uint64 hi);

  MgmtCoreConfig cfg_;
  Rv32Iss iss_;
  Keeper qk_;
  tlm::tlm_generic_payload gp_;
  uint64_t step_mark_ = 0;
  bool in_run_ = false;
  bool stopped_ = false;
  std::string stop_message_;
  std::function<void(const std::string&)> on_stop_;
  std::function<bool()> debugger_;
  bool debugging_ = false;
  double host_seconds_ = 0;
  uint64_t wfi_sleeps_ = 0, bus_accesses_ = 0;
  sc_core::sc_time sleep_time_ = sc_core::SC_ZERO_TIME;
};

}  // namespace trnsim::mgmt
