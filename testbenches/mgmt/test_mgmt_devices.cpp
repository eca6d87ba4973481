// The management subsystem's peripherals and router at the TLM level, each
// in its own SystemC world: CSR behaviour from the generated register maps,
// interrupt outputs, the mailbox host API, address decoding and DMI.
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "clint_regs.hpp"
#include "common/tlm_util.h"
#include "intc_regs.hpp"
#include "mailbox_regs.hpp"
#include "mem/memory.h"
#include "mgmt/mgmt_clint.h"
#include "mgmt/mgmt_intc.h"
#include "mgmt/mgmt_mailbox.h"
#include "mgmt/mgmt_router.h"
#include "mgmt/mgmt_uart.h"
#include "uart_regs.hpp"

using namespace sc_core;
using trnsim::mgmt::MailboxReply;

namespace {

// A test initiator: 32-bit accesses from the test body (targets never wait).
struct Bus : sc_module {
  tlm_utils::simple_initiator_socket<Bus> socket{"socket"};
  explicit Bus(sc_module_name n) : sc_module(n) {}
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint32_t& data,
                                  sc_time* delay_io = nullptr, unsigned len = 4) {
    tlm::tlm_generic_payload gp;
    unsigned char buf[4];
    std::memcpy(buf, &data, 4);
    trnsim::set_payload(gp, cmd, addr, buf, len);
    sc_time d = delay_io ? *delay_io : SC_ZERO_TIME;
    socket->b_transport(gp, d);
    if (delay_io) *delay_io = d;
    if (gp.is_response_ok() && cmd == tlm::TLM_READ_COMMAND) std::memcpy(&data, buf, 4);
    return gp.get_response_status();
  }
  uint32_t rd(uint64_t addr, sc_time* d = nullptr) {
    uint32_t v = 0;
    REQUIRE(access(tlm::TLM_READ_COMMAND, addr, v, d) == tlm::TLM_OK_RESPONSE);
    return v;
  }
  void wr(uint64_t addr, uint32_t v, sc_time* d = nullptr) {
    REQUIRE(access(tlm::TLM_WRITE_COMMAND, addr, v, d) == tlm::TLM_OK_RESPONSE);
  }
};

}  // namespace

TEST_CASE("mgmt.clint CSRs mtime and compare interrupt", "[mgmt][clint]") {
  namespace R = trnsim::regs::clint;
  trnsim::mgmt::MgmtClint clint("clint", {});  // 100 ns tick
  Bus bus("bus");
  sc_signal<bool> msip("msip"), mtip("mtip");
  bus.socket.bind(clint.socket);
  clint.msip_o(msip);
  clint.mtip_o(mtip);
  sc_start(SC_ZERO_TIME);
  CHECK(bus.rd(R::MTIMECMP_LO_OFFSET) == 0xFFFFFFFFu);
  CHECK(bus.rd(R::MTIMECMP_HI_OFFSET) == 0xFFFFFFFFu);
  CHECK(bus.rd(R::FREQ_KHZ_OFFSET) == 10000);
  CHECK(bus.rd(R::MSIP_OFFSET) == 0);
  sc_start(1, SC_US);
  CHECK(bus.rd(R::MTIME_LO_OFFSET) == 10);
  sc_time d(500, SC_NS);  // an initiator 500 ns ahead of simulated time
  CHECK(bus.rd(R::MTIME_LO_OFFSET, &d) == 15);
  CHECK(d == sc_time(510, SC_NS));  // + the access latency
  uint32_t v = 7;
  bus.access(tlm::TLM_WRITE_COMMAND, R::MTIME_LO_OFFSET, v);  // read-only: ignored
  CHECK(bus.rd(R::MTIME_LO_OFFSET) == 10);
  // Compare at mtime 20 (2 us): MTIP rises exactly then.
  bus.wr(R::MTIMECMP_LO_OFFSET, 20);
  bus.wr(R::MTIMECMP_HI_OFFSET, 0);
  sc_start(999, SC_NS);
  CHECK_FALSE(mtip.read());
  sc_start(1, SC_NS);
  sc_start(SC_ZERO_TIME);
  CHECK(mtip.read());
  CHECK(sc_time_stamp() == sc_time(2, SC_US));
  // Raising the compare drops it again.
  bus.wr(R::MTIMECMP_LO_OFFSET, 1000);
  sc_start(20, SC_NS);
  CHECK_FALSE(mtip.read());
  bus.wr(R::MSIP_OFFSET, 1);
  sc_start(20, SC_NS);
  CHECK(msip.read());
  CHECK(bus.rd(R::MSIP_OFFSET) == 1);
  // Not a register / not a word access: errors.
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x04, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x40, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x10, v, nullptr, 1) == tlm::TLM_BURST_ERROR_RESPONSE);
}

TEST_CASE("mgmt.intc CSRs levels enable claim force and MEIP", "[mgmt][intc]") {
  namespace R = trnsim::regs::intc;
  trnsim::mgmt::MgmtIntc intc("intc", {});
  Bus bus("bus");
  sc_signal<bool> s3("s3"), s9("s9"), meip("meip");
  bus.socket.bind(intc.socket);
  intc.irq_i[3].bind(s3);
  intc.irq_i[9].bind(s9);  // every other source stays unbound (low)
  intc.meip_o(meip);
  sc_start(SC_ZERO_TIME);
  CHECK(bus.rd(R::RAW_OFFSET) == 0);
  CHECK(bus.rd(R::CLAIM_OFFSET) == 0);
  s9.write(true);
  sc_start(20, SC_NS);
  CHECK(bus.rd(R::RAW_OFFSET) == (1u << 9));
  CHECK(bus.rd(R::PENDING_OFFSET) == 0);  // not enabled
  CHECK_FALSE(meip.read());
  bus.wr(R::ENABLE_OFFSET, (1u << 9) | (1u << 3));
  sc_start(20, SC_NS);
  CHECK(meip.read());
  CHECK(bus.rd(R::CLAIM_OFFSET) == (0x80000000u | 9));
  s3.write(true);
  sc_start(20, SC_NS);
  CHECK(bus.rd(R::PENDING_OFFSET) == ((1u << 9) | (1u << 3)));
  CHECK(bus.rd(R::CLAIM_OFFSET) == (0x80000000u | 3));  // lowest first, no side effect
  CHECK(bus.rd(R::CLAIM_OFFSET) == (0x80000000u | 3));
  s3.write(false);
  s9.write(false);
  sc_start(20, SC_NS);
  CHECK_FALSE(meip.read());
  // FORCE asserts a source by software (self-test path).
  bus.wr(R::FORCE_OFFSET, 1u << 20);
  sc_start(20, SC_NS);
  CHECK_FALSE(meip.read());  // not enabled
  bus.wr(R::ENABLE_OFFSET, 1u << 20);
  sc_start(20, SC_NS);
  CHECK(meip.read());
  CHECK(bus.rd(R::RAW_OFFSET) == 0);  // RAW is the lines only
  CHECK(bus.rd(R::CLAIM_OFFSET) == (0x80000000u | 20));
  bus.wr(R::FORCE_OFFSET, 0);
  sc_start(20, SC_NS);
  CHECK_FALSE(meip.read());
}

TEST_CASE("mgmt.uart TX to console prefix text and log file", "[mgmt][uart]") {
  namespace R = trnsim::regs::uart;
  std::ostringstream console;
  const std::string log = "mgmt_uart_test.log";
  trnsim::mgmt::MgmtUartConfig cfg;
  cfg.console = &console;
  cfg.prefix = "[fw0] ";
  cfg.log_path = log;
  {
    trnsim::mgmt::MgmtUart uart("uart", cfg);
    Bus bus("bus");
    bus.socket.bind(uart.socket);
    sc_start(SC_ZERO_TIME);
    CHECK(bus.rd(R::STATUS_OFFSET) == 1);
    CHECK(bus.rd(R::TXDATA_OFFSET) == 0);  // write-only: reads 0
    for (char c : std::string("hi\r\nthere\npart")) bus.wr(R::TXDATA_OFFSET, static_cast<uint8_t>(c));
    CHECK(console.str() == "[fw0] hi\n[fw0] there\n");  // line-buffered, CR dropped
    CHECK(uart.text() == "hi\r\nthere\npart");
    uart.flush();
    CHECK(console.str() == "[fw0] hi\n[fw0] there\n[fw0] part\n");
    uint32_t v = 0;
    CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x8, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
  std::ifstream f(log, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  CHECK(ss.str() == "hi\r\nthere\npart");  // the raw bytes, no prefix
  std::remove(log.c_str());
}

namespace {
// Plays firmware on the mailbox registers from a thread, and host from another.
struct MailboxBench : sc_module {
  SC_HAS_PROCESS(MailboxBench);
  trnsim::mgmt::MgmtMailbox mb{"mb", {}};
  Bus fw{"fw"};
  sc_signal<bool> irq{"irq"};
  MailboxReply reply;
  bool got = false, threw = false;
  sc_time reply_at;
  explicit MailboxBench(sc_module_name n) : sc_module(n) {
    fw.socket.bind(mb.socket);
    mb.irq_o(irq);
    SC_THREAD(host);
    SC_THREAD(firmware);
  }
  void host() {
    wait(1, SC_US);
    mb.post(static_cast<uint8_t>(trnsim::regs::mailbox::Cmd::ECHO), 11, 22, 33);
    try {
      mb.post(1);
    } catch (const std::logic_error&) {
      threw = true;
    }
    got = mb.wait_reply(reply, sc_time(1, SC_MS));
    reply_at = sc_time_stamp();
  }
  void firmware() {
    namespace R = trnsim::regs::mailbox;
    fw.wr(R::IRQ_ENABLE_OFFSET, 1);
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == sc_time(1, SC_US));
    const uint32_t cmd = fw.rd(R::H2F_CMD_OFFSET);
    CHECK((cmd & 0xFF) == static_cast<uint32_t>(R::Cmd::ECHO));
    const uint32_t seq = cmd >> 16;
    CHECK(seq == 1);
    CHECK(fw.rd(R::H2F_ARG0_OFFSET) == 11);
    CHECK(fw.rd(R::H2F_ARG2_OFFSET) == 33);
    fw.wr(R::H2F_DOORBELL_OFFSET, 1);  // w1c: taken
    wait(5, SC_US);
    CHECK_FALSE(irq.read());
    fw.wr(R::F2H_DATA0_OFFSET, 11);
    fw.wr(R::F2H_DATA1_OFFSET, 22);
    fw.wr(R::F2H_DATA2_OFFSET, 33);
    fw.wr(R::F2H_STATUS_OFFSET, seq << 16);
    fw.wr(R::F2H_DOORBELL_OFFSET, 1);
    wait(1, SC_US);
    fw.wr(R::SCRATCH_OFFSET, 0x600DB007u);
    fw.wr(R::EXIT_OFFSET, 42);
  }
};
}  // namespace

TEST_CASE("mgmt.mailbox host post reply doorbells irq and exit", "[mgmt][mailbox]") {
  MailboxBench tb("tb");
  int exited = -1;
  tb.mb.set_on_exit([&](int c) { exited = c; });
  sc_start(1, SC_MS);
  CHECK(tb.threw);
  REQUIRE(tb.got);
  CHECK(tb.reply.status == 0);
  CHECK(tb.reply.seq == 1);
  CHECK(tb.reply.data == std::array<uint32_t, 3>{11, 22, 33});
  CHECK(tb.reply_at >= sc_time(6, SC_US));
  CHECK(tb.mb.scratch() == 0x600DB007u);
  CHECK(exited == 42);
  CHECK(tb.mb.exit_code() == 42);
  CHECK_FALSE(tb.mb.pending());
}

namespace {
struct ExtTarget : sc_module {
  tlm_utils::simple_target_socket<ExtTarget> socket{"socket"};
  uint64_t last_addr = 0;
  explicit ExtTarget(sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &ExtTarget::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_time&) {
    last_addr = gp.get_address();
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};
}  // namespace

TEST_CASE("mgmt.router decode errors read-only ROM external window and DMI", "[mgmt][router]") {
  trnsim::mgmt::MgmtRouter router("router", 0x20000000, 0x10000000);
  Bus bus("bus");
  trnsim::MemoryConfig mc;
  mc.base = 0;
  mc.size = 0x1000;
  trnsim::Memory rom("rom", mc), ram("ram", mc);
  ExtTarget ext("ext");
  bus.socket.bind(router.target);
  router.add_target("rom", 0x10000, 0x1000, true);
  router.dev.bind(rom.socket);
  router.add_target("ram", 0x80000000, 0x1000, false);
  router.dev.bind(ram.socket);
  router.ext.bind(ext.socket);
  CHECK_THROWS_WITH(router.add_target("bad", 0x10800, 0x1000, false),
                    Catch::Contains("bad at 0x10800 overlaps rom"));
  sc_start(SC_ZERO_TIME);
  rom.write_bytes(0x10, "\x78\x56\x34\x12", 4);
  CHECK(bus.rd(0x10010) == 0x12345678u);
  uint32_t v = 1;
  CHECK(bus.access(tlm::TLM_WRITE_COMMAND, 0x10010, v) == tlm::TLM_COMMAND_ERROR_RESPONSE);
  bus.wr(0x80000ffc, 0xCAFEF00Du);
  CHECK(bus.rd(0x80000ffc) == 0xCAFEF00Du);
  uint32_t r = 0;
  ram.read_bytes(0xffc, &r, 4);
  CHECK(r == 0xCAFEF00Du);
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x80001000, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x0, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x80000ffe, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);  // straddles the end
  bus.wr(0x2abc0000, 5);
  CHECK(ext.last_addr == 0x2abc0000u);  // global address
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x30000000, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  // DMI: global addresses, ROM read-only.
  tlm::tlm_generic_payload gp;
  unsigned char b[4];
  trnsim::set_payload(gp, tlm::TLM_READ_COMMAND, 0x10004, b, 4);
  tlm::tlm_dmi dmi;
  REQUIRE(bus.socket->get_direct_mem_ptr(gp, dmi));
  CHECK(dmi.get_start_address() == 0x10000);
  CHECK(dmi.get_end_address() == 0x10fff);
  CHECK(dmi.is_read_allowed());
  CHECK_FALSE(dmi.is_write_allowed());
  CHECK(dmi.get_dmi_ptr()[0x10] == 0x78);
  trnsim::set_payload(gp, tlm::TLM_READ_COMMAND, 0x80000000, b, 4);
  tlm::tlm_dmi dmi2;
  REQUIRE(bus.socket->get_direct_mem_ptr(gp, dmi2));
  CHECK(dmi2.get_start_address() == 0x80000000u);
  CHECK(dmi2.is_write_allowed());
}

TEST_CASE("mgmt.router external window unbound is an address error", "[mgmt][router]") {
  trnsim::mgmt::MgmtRouter router("router", 0x20000000, 0x10000000);
  Bus bus("bus");
  bus.socket.bind(router.target);
  sc_start(SC_ZERO_TIME);
  uint32_t v = 0;
  CHECK(bus.access(tlm::TLM_READ_COMMAND, 0x20000000, v) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
}
