// GdbStub at the packet level: a raw RSP client over loopback against the
// stub serving crc_test.elf in a thread (acks, checksums, registers, memory
// errors, breakpoints, step, Ctrl-C, kill). The gdb-multiarch session test is
// mgmt.gdb.crc_test (gdb_session.sh).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include "mgmt/gdb_stub.h"

using namespace trnsim::mgmt;

namespace {
const std::string kElf = std::string(TRNSIM_FW_DIR) + "/crc_test.elf";

struct Client {
  int fd = -1;
  explicit Client(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~Client() { ::close(fd); }
  void raw(const std::string& s) { REQUIRE(::send(fd, s.data(), s.size(), 0) == (ssize_t)s.size()); }
  char byte() {
    pollfd p{fd, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);  // never hang the test
    char c = 0;
    REQUIRE(::recv(fd, &c, 1, 0) == 1);
    return c;
  }
  static std::string frame(const std::string& d) {
    unsigned sum = 0;
    for (char c : d) sum += static_cast<uint8_t>(c);
    char cs[4];
    std::snprintf(cs, sizeof cs, "%02x", sum & 0xFF);
    return "$" + d + "#" + cs;
  }
  std::string reply() {
    char c;
    while ((c = byte()) != '$') {
    }
    std::string d;
    unsigned sum = 0;
    while ((c = byte()) != '#') {
      d += c;
      sum += static_cast<uint8_t>(c);
    }
    std::string cs{byte(), byte()};
    CHECK(std::stoul(cs, nullptr, 16) == (sum & 0xFF));
    raw("+");
    return d;
  }
  std::string cmd(const std::string& d) {
    raw(frame(d));
    CHECK(byte() == '+');
    return reply();
  }
};
}  // namespace

TEST_CASE("gdb stub: registers, memory, breakpoints, step, Ctrl-C, kill", "[gdb]") {
  IssStandalone iss(kElf);
  std::ostringstream console, log;
  GdbStub stub(iss, console, log);
  stub.listen(0);
  REQUIRE(stub.port() != 0);
  CHECK(log.str().find("listening on 127.0.0.1:") != std::string::npos);
  StandaloneResult res;
  std::thread server([&] { res = stub.serve(10000, 100000000); });
  {
    Client c(stub.port());
    // A bad checksum is refused with '-'; the resent packet is served.
    c.raw("$?#00");
    CHECK(c.byte() == '-');
    CHECK(c.cmd("?") == "T05");
    CHECK(c.cmd("qSupported:multiprocess+").find("PacketSize=") == 0);
    CHECK(c.cmd("qAttached") == "1");
    CHECK(c.cmd("vMustReplyEmpty") == "");
    const std::string g = c.cmd("g");
    REQUIRE(g.size() == 33 * 8);
    CHECK(g.substr(32 * 8) == "00000080");  // pc = 0x80000000, little-endian
    CHECK(c.cmd("p20") == "00000080");
    CHECK(c.cmd("P5=78563412") == "OK");
    CHECK(c.cmd("p5") == "78563412");  // 0x12345678, target byte order
    CHECK(c.cmd("p0") == "00000000");
    CHECK(c.cmd("p3a6") == c.cmd("p3a6"));  // misa (65 + 0x301)
    CHECK(c.cmd("p21") == "E01");           // f0: no FPU
    CHECK(c.cmd("m10,4") == "E01");          // unmapped
    CHECK(c.cmd("M80001000,4:deadbeef") == "OK");
    CHECK(c.cmd("m80001000,4") == "deadbeef");
    CHECK(c.cmd("M10,1:00") == "E01");
    CHECK(c.cmd("Z2,80001000,4") == "OK");  // set and removed again
    CHECK(c.cmd("z2,80001000,4") == "OK");
    CHECK(c.cmd("Z2,80001000,0") == "E01");
    CHECK(c.cmd("Z5,80001000,4") == "");  // no such type
    // Breakpoint at main (0x800000b6 in crc_test), continue, step.
    CHECK(c.cmd("Z1,800000b6,2") == "OK");
    CHECK(c.cmd("c") == "T05");
    CHECK(c.cmd("p20") == "b6000080");
    CHECK(c.cmd("z1,800000b6,2") == "OK");
    CHECK(c.cmd("s") == "T05");
    CHECK(c.cmd("p20") != "b6000080");
    // An endless loop (j .) at the pc, then continue and Ctrl-C.
    const std::string pc = c.cmd("p20");
    const uint32_t addr = static_cast<uint32_t>(std::stoul(pc.substr(6, 2) + pc.substr(4, 2) +
                                                           pc.substr(2, 2) + pc.substr(0, 2), nullptr, 16));
    char m[64];
    std::snprintf(m, sizeof m, "M%x,4:6f000000", addr);
    CHECK(c.cmd(m) == "OK");
    c.raw(Client::frame("c"));
    CHECK(c.byte() == '+');
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.raw("\x03");
    CHECK(c.reply() == "T02");
    CHECK(c.cmd("p20") == pc);
    c.raw(Client::frame("k"));
    CHECK(c.byte() == '+');
  }
  server.join();
  CHECK(res.kind == StandaloneResult::Kind::kStopped);
  CHECK(res.message == "killed by the debugger");
}

TEST_CASE("gdb stub: watchpoints report watch rwatch awatch with the address", "[gdb]") {
  IssStandalone iss(kElf);
  const auto& sym = iss.image().symbols;
  REQUIRE(sym.count("table"));
  const uint32_t table = sym.at("table");
  std::ostringstream console, log;
  GdbStub stub(iss, console, log);
  stub.listen(0);
  StandaloneResult res;
  std::thread server([&] { res = stub.serve(10000, 100000000); });
  {
    Client c(stub.port());
    char z[64], hit[64];
    // table[1] is written twice: crt0 clears .bss, then the table is built;
    // the CRC then reads the table.
    std::snprintf(z, sizeof z, "%x,4", table + 4);
    std::snprintf(hit, sizeof hit, "%x;", table + 4);
    CHECK(c.cmd(std::string("Z2,") + z) == "OK");
    CHECK(c.cmd("c") == std::string("T05watch:") + hit);  // crt0
    CHECK(c.cmd("c") == std::string("T05watch:") + hit);  // the table
    const std::string pc = c.cmd("p20");
    uint32_t before = 0;
    REQUIRE(iss.core().debug_read(table + 4, &before, 4));
    CHECK(before == 0);  // stopped before the store
    CHECK(c.cmd("s") == "T05");  // the store itself: no second stop there
    CHECK(c.cmd("p20") != pc);
    uint32_t after = 0;
    REQUIRE(iss.core().debug_read(table + 4, &after, 4));
    CHECK(after == 0x77073096u);
    CHECK(c.cmd(std::string("z2,") + z) == "OK");
    // Read and access watchpoints on the whole table: the CRC's lookups.
    auto in_table = [&](const std::string& reply, const std::string& kind) {
      INFO(reply);
      REQUIRE(reply.rfind("T05" + kind + ":", 0) == 0);
      REQUIRE(reply.back() == ';');
      const uint32_t a = static_cast<uint32_t>(std::stoul(reply.substr(4 + kind.size()), nullptr, 16));
      CHECK(a - table < 0x400);
    };
    std::snprintf(z, sizeof z, "%x,400", table);
    CHECK(c.cmd(std::string("Z3,") + z) == "OK");
    in_table(c.cmd("c"), "rwatch");
    CHECK(c.cmd(std::string("z3,") + z) == "OK");
    CHECK(c.cmd(std::string("Z4,") + z) == "OK");
    in_table(c.cmd("c"), "awatch");  // the next lookup
    CHECK(c.cmd(std::string("z4,") + z) == "OK");
    CHECK(c.cmd("c") == "W00");
  }
  server.join();
  CHECK(res.kind == StandaloneResult::Kind::kPass);
}

TEST_CASE("gdb stub: the program's exit ends the session with W", "[gdb]") {
  IssStandalone iss(kElf);
  std::ostringstream console, log;
  GdbStub stub(iss, console, log);
  stub.listen(0);
  StandaloneResult res;
  std::thread server([&] { res = stub.serve(10000, 100000000); });
  {
    Client c(stub.port());
    CHECK(c.cmd("c") == "W00");
  }
  server.join();
  CHECK(res.kind == StandaloneResult::Kind::kPass);
}

TEST_CASE("gdb stub: a port in use is a clean error, no debugger times out", "[gdb]") {
  IssStandalone iss(kElf);
  std::ostringstream console, log;
  GdbStub a(iss, console, log);
  a.listen(0);
  GdbStub b(iss, console, log);
  CHECK_THROWS_WITH(b.listen(a.port()), Catch::Contains("cannot listen on 127.0.0.1:"));
  CHECK_THROWS_WITH(a.serve(100, 1000), Catch::Contains("no debugger connected"));
}
