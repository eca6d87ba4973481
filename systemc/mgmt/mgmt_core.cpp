#include "mgmt/mgmt_core.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "common/tlm_util.h"

namespace trnsim::mgmt {

using sc_core::sc_time;

MgmtCore::MgmtCore(sc_core::sc_module_name name, const MgmtCoreConfig& cfg)
    : sc_module(name), socket("socket"), msip_i("msip_i"), mtip_i("mtip_i"), meip_i("meip_i"),
      cfg_(cfg), iss_(*this, cfg.hartid) {
  if (cfg_.clock_period == sc_core::SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) + ": clock_period must be > 0");
  socket.register_invalidate_direct_mem_ptr(this, &MgmtCore::invalidate_dmi);
  iss_.reset(cfg_.reset_pc);
  SC_THREAD(thread);
}

void MgmtCore::account() {
  const uint64_t s = iss_.steps();
  if (s != step_mark_) qk_.inc(sc_time::from_value((s - step_mark_) * cfg_.clock_period.value()));
  step_mark_ = s;
}

void MgmtCore::settle() {
  qk_.sync();
  // Interrupt lines change through signals (and through the interrupt
  // controller: another delta); let that finish before sampling them.
  for (int i = 0; i < 8 && sc_core::sc_pending_activity_at_current_time(); ++i)
    sc_core::wait(sc_core::SC_ZERO_TIME);
}

void MgmtCore::sample_irqs() {
  iss_.set_irq(Irq::kSoftware, msip_i.read());
  iss_.set_irq(Irq::kTimer, mtip_i.read());
  iss_.set_irq(Irq::kExternal, meip_i.read());
}

void MgmtCore::stop(const std::string& why) {
  stopped_ = true;
  stop_message_ = why;
  if (on_stop_) on_stop_(why);
}

void MgmtCore::thread() {
  qk_.reset();
  step_mark_ = iss_.steps();
  if (debugger_) {
    debugging_ = true;
    const bool end = debugger_();
    debugging_ = false;
    if (end) {
      qk_.sync();
      sc_core::sc_stop();
      return;
    }
  }
  for (;;) {
    const Chunk c = run_chunk(~uint64_t{0});
    if (c.stopped) return;
  }
}

MgmtCore::Chunk MgmtCore::run_chunk(uint64_t max_n) {
  Chunk c;
  if (stopped_) {
    c.stopped = true;
    return c;
  }
  const uint64_t period = cfg_.clock_period.value();
  sample_irqs();
  uint64_t n = std::min(max_n, std::max<uint64_t>(1, qk_.remaining().value() / period));
  if (cfg_.max_instructions) {
    if (iss_.instret() >= cfg_.max_instructions) {
      char b[80];
      std::snprintf(b, sizeof b, "instruction limit reached (%llu) at pc 0x%08x",
                    static_cast<unsigned long long>(cfg_.max_instructions), iss_.pc());
      stop(b);
      c.stopped = true;
      return c;
    }
    n = std::min(n, cfg_.max_instructions - iss_.instret());
  }
  const auto t0 = std::chrono::steady_clock::now();
  in_run_ = true;
  const RunResult rr = iss_.run(n);
  in_run_ = false;
  host_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  account();
  c.executed = rr.executed;
  c.reason = rr.reason;
  switch (rr.reason) {
    case StopReason::kLimit:
      if (qk_.need_sync()) qk_.sync();
      break;
    case StopReason::kRequested:
      settle();
      break;
    case StopReason::kWfi: {
      settle();
      sample_irqs();
      uint32_t mip = 0, mie = 0;
      iss_.read_csr(csr::kMip, mip);
      iss_.read_csr(csr::kMie, mie);
      if (mip & mie) break;  // woken already
      const sc_time t = sc_core::sc_time_stamp();
      ++wfi_sleeps_;
      sc_core::wait(msip_i.value_changed_event() | mtip_i.value_changed_event() |
                    meip_i.value_changed_event());
      const sc_time slept = sc_core::sc_time_stamp() - t;
      sleep_time_ += slept;
      iss_.add_cycles(slept.value() / period);
      qk_.reset();
      break;
    }
    case StopReason::kBreakpoint:
    case StopReason::kWatchpoint:
    case StopReason::kEbreak:
      if (debugging_) break;  // for the debugger to look at
      [[fallthrough]];
    default: {
      uint32_t mcause = 0, mepc = 0, mtval = 0;
      iss_.read_csr(csr::kMcause, mcause);
      iss_.read_csr(csr::kMepc, mepc);
      iss_.read_csr(csr::kMtval, mtval);
      char b[200];
      if (rr.reason == StopReason::kDoubleFault)
        std::snprintf(b, sizeof b,
                      "trap handler at 0x%08x cannot be fetched; the trap was mcause 0x%08x at "
                      "mepc 0x%08x, mtval 0x%08x",
                      iss_.pc(), mcause, mepc, mtval);
      else
        std::snprintf(b, sizeof b, "core stopped: %s at pc 0x%08x", stop_reason_name(rr.reason),
                      iss_.pc());
      qk_.sync();
      stop(b);
      c.stopped = true;
      break;
    }
  }
  return c;
}

BusResult MgmtCore::read(uint32_t addr, unsigned size, uint32_t& data) {
  data = 0;
  return access(tlm::TLM_READ_COMMAND, addr, size, data);
}

BusResult MgmtCore::write(uint32_t addr, unsigned size, uint32_t data) {
  return access(tlm::TLM_WRITE_COMMAND, addr, size, data);
}

BusResult MgmtCore::access(tlm::tlm_command cmd, uint32_t addr, unsigned size, uint32_t& data) {
  if (in_run_) account();
  ++bus_accesses_;
  unsigned char buf[4] = {};
  std::memcpy(buf, &data, size);  // little-endian host and target
  set_payload(gp_, cmd, addr, buf, size);
  sc_time delay = qk_.get_local_time();
  socket->b_transport(gp_, delay);
  qk_.set(delay);
  const bool ok = gp_.is_response_ok();
  if (ok && cmd == tlm::TLM_READ_COMMAND) std::memcpy(&data, buf, size);
  if (ok && gp_.is_dmi_allowed()) {
    tlm::tlm_dmi dmi;
    set_payload(gp_, tlm::TLM_READ_COMMAND, addr, buf, size);
    if (socket->get_direct_mem_ptr(gp_, dmi) && dmi.is_read_allowed()) {
      const uint64_t lo = dmi.get_start_address();
      const uint64_t hi = std::min<uint64_t>(dmi.get_end_address(), 0xFFFFFFFFull);
      if (lo <= addr && addr <= hi && hi - lo < 0xFFFFFFFFull)
        iss_.add_ram(static_cast<uint32_t>(lo), static_cast<uint32_t>(hi - lo + 1),
                     dmi.get_dmi_ptr(), dmi.is_write_allowed());
    }
  } else if (ok && cmd == tlm::TLM_WRITE_COMMAND && in_run_) {
    iss_.request_stop();  // a device write: synchronise before the next instruction
  }
  return ok ? BusResult::kOk : BusResult::kError;
}

unsigned MgmtCore::debug_transport(tlm::tlm_command cmd, uint32_t addr, unsigned size,
                                   uint32_t& data) {
  unsigned char buf[4] = {};
  std::memcpy(buf, &data, size);
  tlm::tlm_generic_payload gp;
  set_payload(gp, cmd, addr, buf, size);
  const unsigned n = socket->transport_dbg(gp);
  if (n == size && cmd == tlm::TLM_READ_COMMAND) std::memcpy(&data, buf, size);
  return n;
}

BusResult MgmtCore::debug_read(uint32_t addr, unsigned size, uint32_t& data) {
  data = 0;
  return debug_transport(tlm::TLM_READ_COMMAND, addr, size, data) == size ? BusResult::kOk
                                                                           : BusResult::kError;
}

BusResult MgmtCore::debug_write(uint32_t addr, unsigned size, uint32_t data) {
  if (debug_transport(tlm::TLM_WRITE_COMMAND, addr, size, data) == size) return BusResult::kOk;
  return access(tlm::TLM_WRITE_COMMAND, addr, size, data);
}

void MgmtCore::invalidate_dmi(sc_dt::uint64, sc_dt::uint64) { iss_.clear_rams(); }

}  // namespace trnsim::mgmt
