// The management subsystem running real firmware (firmware/, built as
// trnsim_firmware): timer and external interrupts, WFI sleeping, the boot
// program's mailbox command loop, the fault report, ISS speed. Each test
// case elaborates one MgmtSubsystem.
#include <catch2/catch.hpp>

#include <systemc>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "mailbox_regs.hpp"
#include "mgmt/mgmt_subsystem.h"

using namespace sc_core;
using trnsim::mgmt::MailboxReply;
using trnsim::mgmt::MgmtSubsystem;
using trnsim::mgmt::MgmtSubsystemConfig;
namespace MB = trnsim::regs::mailbox;

namespace {

std::string fw(const std::string& name) { return std::string(TRNSIM_FW_DIR) + "/" + name + ".elf"; }

MgmtSubsystemConfig quiet_config(std::ostringstream& console) {
  MgmtSubsystemConfig cfg;
  cfg.uart.console = &console;
  sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
  return cfg;
}

uint32_t csr(MgmtSubsystem& m, uint16_t n) {
  uint32_t v = 0;
  m.core().iss().read_csr(n, v);
  return v;
}

}  // namespace

TEST_CASE("mgmt.subsystem timer interrupt wakes WFI without spinning", "[mgmt][subsystem]") {
  std::ostringstream console;
  MgmtSubsystem mgmt("mgmt", quiet_config(console));
  mgmt.load_elf(fw("mgmt_timer_test"));
  sc_start(10, SC_MS);
  INFO(console.str());
  REQUIRE(mgmt.exit_code() == 0);
  CHECK(console.str().find("timer test: PASS") != std::string::npos);
  // Three ticks 100 us apart: at least 300 us simulated, almost all asleep.
  CHECK(sc_time_stamp() >= sc_time(300, SC_US));
  CHECK(sc_time_stamp() < sc_time(400, SC_US));
  CHECK(mgmt.core().wfi_sleeps() >= 3);
  CHECK(mgmt.core().sleep_time() >= sc_time(290, SC_US));
  CHECK(mgmt.core().instructions() < 50000);  // 300 us at 1 GHz would be 300000 if it spun
  // mcycle counts the sleep as core cycles.
  CHECK(mgmt.core().iss().cycles() >= 290000);
}

namespace {
struct LineDriver : sc_module {
  SC_HAS_PROCESS(LineDriver);
  sc_signal<bool> line{"line"};
  explicit LineDriver(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    wait(50, SC_US);
    line.write(true);
  }
};
}  // namespace

TEST_CASE("mgmt.subsystem external interrupt through intc", "[mgmt][subsystem]") {
  std::ostringstream console;
  MgmtSubsystem mgmt("mgmt", quiet_config(console));
  LineDriver drv("drv");
  mgmt.irq_in(7).bind(drv.line);
  mgmt.load_elf(fw("mgmt_irq_test"));
  sc_start(10, SC_MS);
  INFO(console.str());
  REQUIRE(mgmt.exit_code() == 0);
  const std::string out = console.str();
  CHECK(out.find("msip: software interrupt taken") != std::string::npos);
  CHECK(out.find("intc: forced source 5 taken, claim now -1") != std::string::npos);
  CHECK(out.find("irq test: PASS") != std::string::npos);
  // Source 7 rose at 50 us = mtime 500; the firmware saw it no earlier.
  const auto p = out.find("source 7 taken at mtime ");
  REQUIRE(p != std::string::npos);
  const unsigned long mt = std::stoul(out.substr(p + 24));
  CHECK(mt >= 500);
  CHECK(mt < 520);  // within a quantum (1 us = 10 ticks) plus the handler
  CHECK(out.find("raw 0x00000080") != std::string::npos);
}

namespace {
// The host side of the boot-program test: a scripted exchange.
struct Host : sc_module {
  SC_HAS_PROCESS(Host);
  MgmtSubsystem& m;
  std::vector<MailboxReply> replies;
  uint64_t instr_before_sleep = 0, instr_after_sleep = 0;
  bool ok = true;
  Host(sc_module_name n, MgmtSubsystem& mgmt) : sc_module(n), m(mgmt) { SC_THREAD(run); }
  void call(MB::Cmd c, uint32_t a0 = 0, uint32_t a1 = 0, uint32_t a2 = 0) {
    MailboxReply r;
    ok = ok && m.mailbox().call(r, static_cast<uint8_t>(c), a0, a1, a2, sc_time(10, SC_MS));
    replies.push_back(r);
  }
  void run() {
    // Let the firmware reach its loop, then stay idle for 1 ms: it must sleep.
    while (m.mailbox().scratch() != 0x600DB007u) wait(10, SC_US);
    wait(10, SC_US);
    instr_before_sleep = m.core().instructions();
    wait(1, SC_MS);
    instr_after_sleep = m.core().instructions();
    call(MB::Cmd::PING);
    call(MB::Cmd::ECHO, 42, 0xdeadbeef, 7);
    call(MB::Cmd::READ_COUNTER, static_cast<uint32_t>(MB::Counter::MTIME));
    call(MB::Cmd::READ_COUNTER, static_cast<uint32_t>(MB::Counter::COMMANDS));
    call(MB::Cmd::READ_COUNTER, 99);
    call(MB::Cmd::DMA_SELFTEST);
    call(MB::Cmd::KERNEL_LAUNCH, 0, 0x1000, 0);  // no NeuronCore on the bare subsystem
    call(static_cast<MB::Cmd>(77));
    call(MB::Cmd::EXIT, 0);
  }
};
}  // namespace

TEST_CASE("mgmt.subsystem boot program memtest and mailbox commands", "[mgmt][subsystem]") {
  std::ostringstream console;
  MgmtSubsystem mgmt("mgmt", quiet_config(console));
  Host host("host", mgmt);
  mgmt.load_elf(fw("mgmt_boot"));
  sc_start(50, SC_MS);
  const std::string out = console.str();
  INFO(out);
  REQUIRE(host.ok);
  REQUIRE(mgmt.exit_code() == 0);
  CHECK(out.find("[fw] trnsim management firmware 1.1.0") != std::string::npos);
  // No engines in the bare subsystem: probed without a fault, self-tests skipped.
  CHECK(out.find("[fw] dma: no engine at 0x20020000") != std::string::npos);
  CHECK(out.find("[fw] tensor: no engine at 0x20010000") != std::string::npos);
  CHECK(out.find("[fw] memtest: 16 KiB at 0x8003c000: PASS") != std::string::npos);
  CHECK(out.find("[fw] ready: serving the host mailbox") != std::string::npos);
  // Idle for 1 ms in the command loop: asleep, a handful of instructions at most.
  CHECK(host.instr_after_sleep - host.instr_before_sleep < 100);
  REQUIRE(host.replies.size() == 9);
  const auto& r = host.replies;
  CHECK(r[0].status == static_cast<uint32_t>(MB::Status::OK));
  CHECK(r[0].data[0] == 0x504f4e47u);
  CHECK(r[0].seq == 1);
  CHECK(r[1].data == std::array<uint32_t, 3>{42, 0xdeadbeef, 7});
  CHECK(r[1].seq == 2);
  // mtime at the command: past the 1 ms idle (10 MHz: > 10000 ticks).
  CHECK(r[2].data[0] > 10000);
  CHECK(r[2].data[1] == 0);
  CHECK(r[3].data[0] == 4);  // commands served, this one included
  CHECK(r[4].status == static_cast<uint32_t>(MB::Status::BAD_ARG));
  CHECK(r[5].status == static_cast<uint32_t>(MB::Status::NO_DEVICE));  // DMA self-test, no DMA
  CHECK(r[6].status == static_cast<uint32_t>(MB::Status::NO_DEVICE));
  CHECK(r[7].status == static_cast<uint32_t>(MB::Status::UNKNOWN_CMD));
  CHECK(r[7].data[0] == 77);
  CHECK(r[8].status == static_cast<uint32_t>(MB::Status::OK));
}

TEST_CASE("mgmt.subsystem illegal instruction gives the UART fault report", "[mgmt][subsystem]") {
  std::ostringstream console;
  MgmtSubsystem mgmt("mgmt", quiet_config(console));
  mgmt.load_elf(fw("mgmt_fault_test"));
  sc_start(10, SC_MS);
  const std::string out = console.str();
  INFO(out);
  REQUIRE(mgmt.exit_code() == 128 + 2);
  CHECK(out.find("*** FAULT: illegal instruction") != std::string::npos);
  char want[96];
  std::snprintf(want, sizeof want, "*** mcause 0x00000002  mepc (pc) 0x%08x  mtval 0xffffffff",
                csr(mgmt, 0x341));
  CHECK(out.find(want) != std::string::npos);
  CHECK(csr(mgmt, 0x341) >= MGMT_ROM_BASE);
  CHECK(csr(mgmt, 0x341) < MGMT_ROM_BASE + MGMT_ROM_SIZE);
  CHECK(out.find("still running") == std::string::npos);
}

TEST_CASE("mgmt.subsystem unmapped access is an access fault", "[mgmt][subsystem]") {
  // No firmware: a one-instruction program in ROM loads from an unmapped
  // address with mtvec pointing at unmapped space too: the core reports a
  // double fault instead of a simulator error.
  std::ostringstream console;
  MgmtSubsystem mgmt("mgmt", quiet_config(console));
  const uint32_t prog[] = {0x00002503u /* lw a0, 0(zero) */};
  mgmt.rom().write_bytes(0, prog, sizeof prog);
  sc_start(1, SC_MS);
  REQUIRE(mgmt.core_stopped());
  CHECK_THAT(mgmt.core().stop_message(),
             Catch::Contains("mcause 0x00000005 at mepc 0x00010000, mtval 0x00000000"));
}

TEST_CASE("mgmt.subsystem ISS speed", "[mgmt][subsystem][speed]") {
  std::ostringstream console;
  MgmtSubsystem mgmt("mgmt", quiet_config(console));
  mgmt.load_elf(fw("mgmt_speed_test"));
  const auto t0 = std::chrono::steady_clock::now();
  sc_start(1, SC_SEC);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO(console.str());
  REQUIRE(mgmt.exit_code() == 0);
  const uint64_t n = mgmt.core().instructions();
  std::printf("mgmt ISS speed: %llu instructions in %.3f host s: %.1f MIPS (%.1f MIPS in the ISS), "
              "simulated %.3f ms\n",
              static_cast<unsigned long long>(n), secs, n / secs / 1e6,
              n / mgmt.core().host_seconds() / 1e6, sc_time_stamp().to_seconds() * 1e3);
  CHECK(n > 10000000);
  CHECK(n / secs > 1e6);  // sanity only: the figure goes to docs/performance.md
}
