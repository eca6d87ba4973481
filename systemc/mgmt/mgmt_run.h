// `trnsim mgmt`: the management subsystem running a firmware ELF, with a
// scripted host mailbox sequence (docs/firmware.md). Also built as the
// stand-alone test driver trnsim_mgmt_run.
#pragma once

#include <systemc>

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

namespace trnsim::mgmt {

struct MgmtUsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One host mailbox command: "ping", "echo A [B [C]]", "counter NAME|N",
// "dma-selftest", "tensor-selftest", "kernel [A [B [C]]]", "exit N", or
// "raw CMD [A [B [C]]]" (numbers decimal or 0x hex).
struct MailboxCommand {
  std::string text;
  uint8_t cmd = 0;
  uint32_t args[3] = {0, 0, 0};
};
// "ping;echo 42" -> commands; MgmtUsageError naming the bad item.
std::vector<MailboxCommand> parse_mailbox_script(const std::string& script);

class MgmtMailbox;
struct MailboxReply;

// The host side of a script, from an SC_THREAD: posts each command, waits
// for its reply (at most `timeout` each) and prints "mailbox: TEXT -> STATUS
// seq N data D0 D1 D2". Returns false if a command got no reply (timeout, or
// the firmware exited before an EXIT). Replies go to *replies if given.
// Used by `trnsim mgmt` and `trnsim chip --elf`.
bool run_mailbox_script(MgmtMailbox& mb, const std::vector<MailboxCommand>& script,
                        const sc_core::sc_time& timeout, std::ostream& out,
                        std::vector<MailboxReply>* replies = nullptr);

// Parses "10ms", "250us", "1s", "5000ns" (MgmtUsageError otherwise); in ps.
uint64_t parse_time_ps(const std::string& text);

// The whole command: options as after "trnsim mgmt". Returns the exit
// status (the firmware's EXIT code; 1 if the run stopped otherwise; 0 for
// --help). Throws MgmtUsageError for bad options, other exceptions for
// errors (ELF, files).
int mgmt_command(const std::vector<std::string>& args, std::ostream& out);

extern const char* const kMgmtHelp;

}  // namespace trnsim::mgmt
