// MgmtMailbox: the host mailbox (rtl/regs/mailbox.json, protocol in
// docs/firmware.md). The host side of the simulation calls post() /
// wait_reply() (or call()) from an SC_THREAD; firmware sees the message in
// H2F_*, an interrupt on irq_o (intc source 0) while the H2F doorbell is
// pending and enabled, and answers in F2H_* with the F2H doorbell. EXIT ends
// the run: exit_code() is set and on_exit (if any) is called.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "common/reg_file.h"

namespace trnsim::mgmt {

struct MgmtMailboxConfig {
  sc_core::sc_time latency = sc_core::sc_time(10, sc_core::SC_NS);  // per register access
};

struct MailboxReply {
  uint32_t status = 0;  // F2H_STATUS.CODE (mailbox_regs.hpp: Status)
  uint32_t seq = 0;     // F2H_STATUS.SEQ
  std::array<uint32_t, 3> data{};
};

class MgmtMailbox : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MgmtMailbox> socket;  // offsets 0..63
  sc_core::sc_out<bool> irq_o;

  MgmtMailbox(sc_core::sc_module_name name, const MgmtMailboxConfig& cfg);
  SC_HAS_PROCESS(MgmtMailbox);

  // Host side. post() fills H2F_* and sets the doorbell; std::logic_error if
  // the previous message is still pending (firmware has not taken it).
  void post(uint8_t cmd, uint32_t arg0 = 0, uint32_t arg1 = 0, uint32_t arg2 = 0);
  bool pending() const;  // H2F doorbell still set
  // From an SC_THREAD: waits for the F2H doorbell (false after timeout or
  // if the firmware exits first).
  bool wait_reply(MailboxReply& r, const sc_core::sc_time& timeout);
  // post() then wait_reply(); the sequence number is chosen here.
  bool call(MailboxReply& r, uint8_t cmd, uint32_t arg0, uint32_t arg1, uint32_t arg2,
            const sc_core::sc_time& timeout);
  uint32_t scratch() const;
  uint32_t replies() const { return replies_; }

  std::optional<int> exit_code() const { return exit_code_; }
  void set_on_exit(std::function<void(int)> f) { on_exit_ = std::move(f); }
  const sc_core::sc_event& exit_event() const { return exit_event_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  void update();

  MgmtMailboxConfig cfg_;
  RegFile regs_;
  std::array<uint32_t, 4> h2f_{};  // CMD (with SEQ), ARG0..2
  uint16_t seq_ = 0;
  uint32_t replies_ = 0;
  MailboxReply last_reply_;
  sc_core::sc_event changed_, reply_event_, exit_event_;
  std::optional<int> exit_code_;
  std::function<void(int)> on_exit_;
};

}  // namespace trnsim::mgmt
