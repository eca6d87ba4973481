// The management rig (systemc/mgmt/mgmt_rig.h): the boot firmware's engine
// drivers and self-tests against the tensor and DMA engines at tlm and rtl
// fidelity, driven through the host mailbox from a C++ SC_THREAD, with the
// results checked in device memory; the tensor known-answer constants
// embedded in the firmware checked against the golden numerics; the stream
// port. Each test case elaborates one rig.
#include <catch2/catch.hpp>

#include <systemc>

#include <array>
#include <cstring>
#include <sstream>
#include <vector>

#include "mailbox_regs.hpp"
#include "mgmt/mgmt_rig.h"
#include "numerics/numerics.h"
#include "tensor_kat.h"  // firmware/boot: the firmware's known-answer tables

using namespace sc_core;
using trnsim::Fidelity;
using trnsim::mgmt::MailboxReply;
using trnsim::mgmt::MgmtRig;
using trnsim::mgmt::MgmtRigConfig;
namespace MB = trnsim::regs::mailbox;

namespace {

std::string fw(const std::string& name) { return std::string(TRNSIM_FW_DIR) + "/" + name + ".elf"; }

MgmtRigConfig rig_config(std::ostringstream& console, Fidelity f) {
  MgmtRigConfig cfg;
  cfg.mgmt.uart.console = &console;
  cfg.blocks.fidelity = f;
  sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);
  return cfg;
}

struct Host : sc_module {
  SC_HAS_PROCESS(Host);
  MgmtRig& rig;
  std::vector<MailboxReply> replies;
  std::vector<uint8_t> src_after_ok, dst_after_ok;
  bool ok = true;
  Host(sc_module_name n, MgmtRig& r) : sc_module(n), rig(r) { SC_THREAD(run); }
  void call(MB::Cmd c, uint32_t a0 = 0) {
    MailboxReply r;
    ok = ok && rig.mgmt().mailbox().call(r, static_cast<uint8_t>(c), a0, 0, 0, sc_time(10, SC_MS));
    replies.push_back(r);
  }
  void run() {
    while (rig.mgmt().mailbox().scratch() != 0x600DB007u) wait(10, SC_US);
    call(MB::Cmd::PING);
    call(MB::Cmd::DMA_SELFTEST, 1);  // fault: descriptor outside the window
    call(MB::Cmd::DMA_SELFTEST);     // the queue was reset: a good copy works
    // The copy the firmware checked, checked here too (device memory offsets
    // of firmware/boot/selftest.c: ST_SRC, ST_DST).
    src_after_ok.resize(1000);
    dst_after_ok.resize(1000);
    rig.devmem().read_bytes(0x1000, src_after_ok.data(), 1000);
    rig.devmem().read_bytes(0x2003, dst_after_ok.data(), 1000);
    call(MB::Cmd::TENSOR_SELFTEST);
    call(MB::Cmd::TENSOR_SELFTEST, 1);  // fault: K_ROWS = 0
    call(MB::Cmd::READ_COUNTER, static_cast<uint32_t>(MB::Counter::DMA_ERRORS));
    call(MB::Cmd::READ_COUNTER, static_cast<uint32_t>(MB::Counter::SELFTESTS));
    call(MB::Cmd::EXIT, 0);
  }
};

void run_rig(Fidelity f) {
  std::ostringstream console;
  MgmtRig rig("rig", rig_config(console, f));
  Host host("host", rig);
  rig.mgmt().load_elf(fw("mgmt_boot"));
  sc_start(50, SC_MS);
  const std::string out = console.str();
  INFO(out);
  REQUIRE(host.ok);
  REQUIRE(rig.mgmt().exit_code() == 0);
  CHECK(std::string(rig.tensor().fidelity()) == trnsim::to_string(f));
  CHECK(std::string(rig.dma().fidelity()) == trnsim::to_string(f));
  // Boot self-tests.
  CHECK(out.find("[fw] dma: self-test PASS") != std::string::npos);
  CHECK(out.find("[fw] tensor: known-answer test PASS") != std::string::npos);
  CHECK(out.find("[fw] self-tests: 3 passed, 0 failed") != std::string::npos);
  const auto& r = host.replies;
  REQUIRE(r.size() == 8);
  CHECK(r[0].status == static_cast<uint32_t>(MB::Status::OK));
  // DMA error: DST_WINDOW (6) at the bad destination, from the DMA (engine 1).
  CHECK(r[1].status == static_cast<uint32_t>(MB::Status::HW_ERROR));
  CHECK(r[1].data == std::array<uint32_t, 3>{6, 0x00100100u, 1});  // chip (DMA) address
  CHECK(out.find("[fw] dma: queue 3 stopped: error 6 (DST_WINDOW) at 0x00100100; resetting the queue") !=
        std::string::npos);
  // Recovered: the next copy completes and is right.
  CHECK(r[2].status == static_cast<uint32_t>(MB::Status::OK));
  CHECK(r[2].data[0] == 1000);
  CHECK(host.dst_after_ok == host.src_after_ok);
  CHECK(host.src_after_ok != std::vector<uint8_t>(1000, 0));
  CHECK(r[3].status == static_cast<uint32_t>(MB::Status::OK));
  CHECK(r[3].data[0] == 16);
  CHECK(r[3].data[2] == 2 * 64);  // MACS: two 4x4x4 GEMMs (boot and this one)
  CHECK(r[4].status == static_cast<uint32_t>(MB::Status::HW_ERROR));
  CHECK(r[4].data == std::array<uint32_t, 3>{2, 1, 2});  // BAD_K, 1 refusal, tensor
  CHECK(r[5].data[0] == 1);                                // DMA ERRORS counter
  CHECK(r[6].data[0] == 5);                                // self-tests passed
  CHECK(r[6].data[1] == 0);                                // and failed
  // The tensor results in the result window are the known answers.
  std::array<uint32_t, KAT_M * KAT_N> c{};
  rig.results().read_bytes(0, c.data(), sizeof c);
  for (unsigned i = 0; i < KAT_M * KAT_N; ++i) CHECK(c[i] == kat_c[i / KAT_N][i % KAT_N]);
}

}  // namespace

TEST_CASE("mgmt.rig tensor KAT constants match numerics", "[mgmt][rig]") {
  // The firmware's expected results = the golden model's GEMM of its inputs.
  std::vector<uint16_t> a(&kat_a[0][0], &kat_a[0][0] + KAT_M * KAT_K);
  std::vector<uint16_t> w(&kat_w[0][0], &kat_w[0][0] + KAT_K * KAT_N);
  std::vector<uint32_t> c(KAT_M * KAT_N, 0xFFFFFFFFu);
  trnsim::numerics::GemmShape s;
  s.m = KAT_M;
  s.k = KAT_K;
  s.n = KAT_N;
  s.tile_rows = 4;
  trnsim::numerics::gemm_ref(s, trnsim::numerics::Dtype::kBf16, a.data(), trnsim::numerics::Dtype::kBf16,
                             w.data(), c.data(), false);
  for (unsigned i = 0; i < KAT_M * KAT_N; ++i) {
    CAPTURE(i);
    CHECK(c[i] == kat_c[i / KAT_N][i % KAT_N]);
  }
}

TEST_CASE("mgmt.rig firmware self-tests and DMA fault recovery at tlm fidelity", "[mgmt][rig]") {
  run_rig(Fidelity::kTlm);
}

TEST_CASE("mgmt.rig firmware self-tests and DMA fault recovery at rtl fidelity", "[mgmt][rig]") {
  run_rig(Fidelity::kRtl);
}

// The stream port alone against a recording target: rows are forwarded whole,
// partial rows are held (STATUS), a refused row sets STATUS.ERROR and W1 clears.
namespace {
struct StreamSink : sc_module {
  tlm_utils::simple_target_socket<StreamSink> t;
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> got;
  bool refuse = false;
  explicit StreamSink(sc_module_name n) : sc_module(n), t("t") {
    t.register_b_transport(this, &StreamSink::bt);
  }
  void bt(tlm::tlm_generic_payload& gp, sc_time& d) {
    d += sc_time(4, SC_NS);
    if (refuse) {
      gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    got.emplace_back(gp.get_address(),
                     std::vector<uint8_t>(gp.get_data_ptr(), gp.get_data_ptr() + gp.get_data_length()));
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};
struct Driver : sc_module {
  SC_HAS_PROCESS(Driver);
  tlm_utils::simple_initiator_socket<Driver> i;
  StreamSink* sink = nullptr;
  std::vector<uint32_t> status;
  std::vector<tlm::tlm_response_status> resp;
  explicit Driver(sc_module_name n) : sc_module(n), i("i") { SC_THREAD(run); }
  uint32_t access(bool write, uint64_t a, uint32_t v) {
    tlm::tlm_generic_payload gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(a);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    sc_time d = SC_ZERO_TIME;
    i->b_transport(gp, d);
    resp.push_back(gp.get_response_status());
    return v;
  }
  void run() {
    access(true, MGMT_STREAM_WEIGHT, 0x22221111);  // 3x5 port: weights 5 lanes (3 words)
    status.push_back(access(false, MGMT_STREAM_STATUS, 0));
    access(true, MGMT_STREAM_WEIGHT, 0x44443333);
    access(true, MGMT_STREAM_WEIGHT, 0xFFFF5555);  // lane 5 is padding: row complete
    access(true, MGMT_STREAM_ACT, 0x0002'0001);
    access(true, MGMT_STREAM_ACT, 0x0000'0003);  // 3 lanes: row complete
    status.push_back(access(false, MGMT_STREAM_STATUS, 0));
    sink->refuse = true;
    access(true, MGMT_STREAM_ACT, 0x0002'0001);
    access(true, MGMT_STREAM_ACT, 0x0000'0003);
    status.push_back(access(false, MGMT_STREAM_STATUS, 0));
    access(true, MGMT_STREAM_STATUS, 1);
    status.push_back(access(false, MGMT_STREAM_STATUS, 0));
    status.push_back(access(false, MGMT_STREAM_ROWS_FED, 0));
    access(false, MGMT_STREAM_WEIGHT, 0);  // read of a write-only register
    access(true, 0x40, 0);                 // nothing there
  }
};
}  // namespace

TEST_CASE("mgmt.rig stream port forwards whole rows and reports refusals", "[mgmt][rig]") {
  trnsim::mgmt::RigStreamPort port("port", 3, 5);
  StreamSink sink("sink");
  Driver drv("drv");
  drv.sink = &sink;
  drv.i.bind(port.target);
  port.out.bind(sink.t);
  sc_start();
  REQUIRE(sink.got.size() == 2);
  CHECK(sink.got[0].first == trnsim::tensor::kWeightStreamAddr);
  CHECK(sink.got[0].second == std::vector<uint8_t>{0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55});
  CHECK(sink.got[1].first == trnsim::tensor::kActStreamAddr);
  CHECK(sink.got[1].second == std::vector<uint8_t>{1, 0, 2, 0, 3, 0});
  REQUIRE(drv.status.size() == 5);
  CHECK(drv.status[0] == (2u << 8));  // two weight lanes held
  CHECK(drv.status[1] == 0);
  CHECK(drv.status[2] == 1);          // refused row: ERROR
  CHECK(drv.status[3] == 0);          // cleared
  CHECK(drv.status[4] == 2);          // rows forwarded
  CHECK(drv.resp[drv.resp.size() - 2] == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(drv.resp.back() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
}
