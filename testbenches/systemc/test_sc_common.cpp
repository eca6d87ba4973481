// The shared SystemC foundations: the register-file model against the
// generated table semantics, the TLM memory's timing and errors, and the
// Perfetto trace writer's output.
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "common/fidelity.h"
#include "common/reg_file.h"
#include "common/tlm_util.h"
#include "common/trace.h"
#include "mem/memory.h"
#include "tensor_regs.hpp"

using namespace trnsim;
namespace tr = trnsim::regs::tensor;
using sc_core::sc_time;
using sc_core::SC_NS;

TEST_CASE("sc common: register file follows the generated table") {
  RegFile rf(tr::kRegisters);
  uint32_t hw_status = 0x31;
  rf.set_hw_in([&](uint32_t off) { return off == tr::STATUS_OFFSET ? hw_status : 0u; });
  uint32_t wo_seen = 0;
  rf.set_on_write([&](uint32_t off, uint32_t v, uint32_t) {
    if (off == tr::CTRL_OFFSET) wo_seen = v;
  });
  uint32_t v = 0;
  REQUIRE(rf.read(tr::ID_OFFSET, v));
  CHECK(v == tr::ID_RESET);                  // CONST fields
  REQUIRE(rf.read(tr::CMD_CFG_OFFSET, v));
  CHECK(v == tr::CMD_CFG_RESET);             // RW reset values
  REQUIRE(rf.read(tr::STATUS_OFFSET, v));
  CHECK(v == (0x31u & tr::kRegisters[3].hw_in_mask));  // hw IN bits
  CHECK(rf.write(tr::CTRL_OFFSET, 1));
  CHECK(wo_seen == 1);
  REQUIRE(rf.read(tr::CTRL_OFFSET, v));
  CHECK(v == 0);                             // WO reads 0
  // W1C: hardware sets, software clears only the bits written 1.
  rf.hw_set(tr::INTR_STATE_OFFSET, 3);
  REQUIRE(rf.read(tr::INTR_STATE_OFFSET, v));
  CHECK(v == 3);
  rf.write(tr::INTR_STATE_OFFSET, 1);
  REQUIRE(rf.read(tr::INTR_STATE_OFFSET, v));
  CHECK(v == 2);
  // Byte strobes: only byte 2 of CMD_SHAPE changes.
  rf.write(tr::CMD_SHAPE_OFFSET, 0xFFFFFFFF, 0x4);
  REQUIRE(rf.read(tr::CMD_SHAPE_OFFSET, v));
  CHECK(v == (0x00FF0000u & tr::kRegisters[8].rw_mask));
  // Not a register: error, nothing changes.
  CHECK_FALSE(rf.read(0x2, v));
  CHECK_FALSE(rf.write(0xFC, 1));
}

TEST_CASE("sc common: fidelity names parse and bad ones are refused") {
  CHECK(parse_fidelity("rtl") == Fidelity::kRtl);
  CHECK(parse_fidelity("tlm") == Fidelity::kTlm);
  CHECK(parse_fidelity("lockstep") == Fidelity::kLockstep);
  CHECK(std::string(to_string(Fidelity::kLockstep)) == "lockstep");
  CHECK_THROWS_WITH(parse_fidelity("fast", "--tensor"),
                    "--tensor: unknown fidelity 'fast' (expected rtl, tlm or lockstep)");
}

namespace {
struct Probe : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Probe> socket{"socket"};
  std::function<void(Probe&)> body;
  SC_HAS_PROCESS(Probe);
  explicit Probe(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() { body(*this); }
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len,
                                  sc_time& delay, unsigned char* be = nullptr) {
    tlm::tlm_generic_payload gp;
    set_payload(gp, cmd, addr, static_cast<unsigned char*>(data), len, be, be ? len : 0);
    socket->b_transport(gp, delay);
    return gp.get_response_status();
  }
};
}  // namespace

TEST_CASE("sc common: memory latency jitter errors and byte enables") {
  MemoryConfig mc;
  mc.base = 0x1000;
  mc.size = 0x1000;
  mc.latency = sc_time(10, SC_NS);
  mc.bytes_per_ns = 4;
  mc.jitter_max = sc_time(3, SC_NS);
  mc.seed = 7;
  Probe p("p");
  Memory m("m", mc);
  p.socket.bind(m.socket);
  std::vector<sc_time> delays;
  int checks = 0;
  p.body = [&](Probe& pr) {
    uint32_t w = 0x11223344, r = 0;
    sc_time d = sc_core::SC_ZERO_TIME;
    CHECK(pr.access(tlm::TLM_WRITE_COMMAND, 0x1000, &w, 4, d) == tlm::TLM_OK_RESPONSE);
    delays.push_back(d);
    // 4 bytes at 4 B/ns = 1 ns of transfer; latency 10 ns; jitter 0..3 ns.
    CHECK(d >= sc_time(11, SC_NS));
    CHECK(d <= sc_time(14, SC_NS));
    d = sc_core::SC_ZERO_TIME;
    unsigned char be[4] = {0xFF, 0, 0xFF, 0};
    uint32_t w2 = 0xAABBCCDD;
    CHECK(pr.access(tlm::TLM_WRITE_COMMAND, 0x1000, &w2, 4, d, be) == tlm::TLM_OK_RESPONSE);
    d = sc_core::SC_ZERO_TIME;
    CHECK(pr.access(tlm::TLM_READ_COMMAND, 0x1000, &r, 4, d) == tlm::TLM_OK_RESPONSE);
    CHECK(r == 0x11BB33DDu);
    d = sc_core::SC_ZERO_TIME;
    CHECK(pr.access(tlm::TLM_READ_COMMAND, 0x1FFE, &r, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    m.add_error_range(0x1800, 0x1900, tlm::TLM_GENERIC_ERROR_RESPONSE);
    d = sc_core::SC_ZERO_TIME;
    CHECK(pr.access(tlm::TLM_WRITE_COMMAND, 0x18FC, &w, 4, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    checks = 1;
  };
  sc_core::sc_start();
  CHECK(checks == 1);
  uint32_t host = 0;
  m.read_bytes(0x18FC, &host, 4);
  CHECK(host == 0);  // the refused write changed nothing
  CHECK_THROWS_WITH(m.read_bytes(0x2000, &host, 4),
                    Catch::Contains("0x2000") && Catch::Contains("outside the memory"));
}

TEST_CASE("sc common: trace writer emits Chrome trace JSON and renames on close") {
  const std::string path = "sc_common_trace.json";
  std::remove(path.c_str());
  {
    TraceWriter t(path);
    const int a = t.track("chip0.tensor0", "commands");
    const int b = t.track("chip0.tensor0", "irq");
    CHECK(t.track("chip0.tensor0", "commands") == a);
    t.slice(a, "matmul \"k\"", sc_time(1, SC_NS), sc_time(2500, sc_core::SC_PS), "\"m\":4");
    t.instant(b, "irq 1", sc_time(3, SC_NS));
    t.counter(b, "queue", sc_time(4, SC_NS), 2);
    CHECK(std::ifstream(path + ".tmp").good());
    CHECK_FALSE(std::ifstream(path).good());
  }
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  CHECK(s.rfind("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 0) == 0);
  CHECK(s.find("\"name\":\"process_name\",\"pid\":1,\"args\":{\"name\":\"chip0.tensor0\"}") != std::string::npos);
  CHECK(s.find("\"ph\":\"X\",\"name\":\"matmul \\\"k\\\"\",\"pid\":1,\"tid\":1,\"ts\":0.001000,\"dur\":0.001500,\"args\":{\"m\":4}") != std::string::npos);
  CHECK(s.find("\"ph\":\"i\"") != std::string::npos);
  CHECK(s.find("\"ph\":\"C\"") != std::string::npos);
  CHECK(s.substr(s.size() - 4) == "\n]}\n");
}
