// The management firmware (mgmt_boot.elf) on the FULL chip model (tiny
// preset), docs/firmware.md "On the chip": it boots, passes its self-tests
// with core 0's tensor engine and DMA at tlm and rtl fidelity, and serves
// KERNEL_LAUNCH: a GEMM placed in HBM by the host runs on NeuronCore 0 and is
// bit-exact against numerics::gemm_ref; a faulting kernel is reported with
// the core's error code and the firmware keeps serving.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "chip/chip_cosim.h"
#include "chip/chip_main.h"
#include "chip/kernel_run.h"
#include "mailbox_regs.hpp"
#include "mgmt/mgmt_launch.h"
#include "mgmt/mgmt_map.h"

using namespace trnsim;
using namespace trnsim::chip;
namespace MB = trnsim::regs::mailbox;
using sc_core::sc_time;

namespace {

std::string fw(const std::string& name) { return std::string(TRNSIM_FW_DIR) + "/" + name + ".elf"; }

config::ChipConfig tiny() { return config::load_config("tiny", {"core.psum.bank_bytes=128"}); }

ChipOptions options(const config::ChipConfig& cfg, Fidelity f) {
  ChipOptions opt;
  opt.mgmt_elf = fw("mgmt_boot");
  opt.tensor_fidelity = f;
  opt.dma_fidelity = f;
  if (f != Fidelity::kTlm) use_cosim_blocks(cfg, opt);
  return opt;
}

struct Reply {
  bool ok = false;
  mgmt::MailboxReply r;
};

// One mailbox call from the host thread; 50 ms of simulated time at most.
Reply call(Chip& chip, MB::Cmd cmd, uint32_t a0 = 0, uint32_t a1 = 0, uint32_t a2 = 0) {
  Reply x;
  x.ok = chip.mgmt().mailbox().call(x.r, static_cast<uint8_t>(cmd), a0, a1, a2, sc_time(50, sc_core::SC_MS));
  return x;
}

uint32_t st(MB::Status s) { return static_cast<uint32_t>(s); }

void boot_and_selftest(Fidelity f) {
  const config::ChipConfig cfg = tiny();
  Chip chip("chip0", cfg, options(cfg, f));
  REQUIRE(std::string(chip.core(0).tensor_block().fidelity()) == to_string(f));
  REQUIRE(std::string(chip.core(0).dma_block(0).fidelity()) == to_string(f));
  std::vector<Reply> r;
  const bool done = chip.run_host(
      [&] {
        r.push_back(call(chip, MB::Cmd::PING));
        r.push_back(call(chip, MB::Cmd::READ_COUNTER, static_cast<uint32_t>(MB::Counter::SELFTESTS)));
        r.push_back(call(chip, MB::Cmd::DMA_SELFTEST, 1));  // fault injection
        r.push_back(call(chip, MB::Cmd::DMA_SELFTEST));
        r.push_back(call(chip, MB::Cmd::TENSOR_SELFTEST));
        r.push_back(call(chip, MB::Cmd::TENSOR_SELFTEST, 1));  // refusal
        r.push_back(call(chip, MB::Cmd::READ_COUNTER, static_cast<uint32_t>(MB::Counter::SELFTESTS)));
      },
      sc_time(200, sc_core::SC_MS));
  const std::string out = chip.mgmt().uart().text();
  INFO(out);
  REQUIRE(done);
  REQUIRE(r.size() == 7);
  for (std::size_t i = 0; i < r.size(); ++i) {
    CAPTURE(i);
    CHECK(r[i].ok);
  }
  CHECK(out.find("dma: engine at 0x20020000") != std::string::npos);
  CHECK(out.find("tensor: engine at 0x20010000, 8x8 array") != std::string::npos);
  CHECK(out.find("tensor: known-answer test PASS") != std::string::npos);
  CHECK(out.find("self-tests: 3 passed, 0 failed") != std::string::npos);
  CHECK(r[0].r.status == st(MB::Status::OK));
  CHECK(r[0].r.data[0] == 0x504f4e47u);
  CHECK(r[1].r.data[0] == 3);  // devmem, DMA loopback, tensor KAT
  CHECK(r[1].r.data[1] == 0);
  CHECK(r[2].r.status == st(MB::Status::HW_ERROR));
  CHECK(r[2].r.data == std::array<uint32_t, 3>{6, 0x00100100u, 1});  // DST_WINDOW at the chip address
  CHECK(r[3].r.status == st(MB::Status::OK));
  CHECK(r[3].r.data[0] == 1000);
  CHECK(r[4].r.status == st(MB::Status::OK));
  CHECK(r[4].r.data[0] == 16);
  CHECK(r[5].r.status == st(MB::Status::HW_ERROR));
  CHECK(r[5].r.data[0] == 2);  // BAD_K
  CHECK(r[5].r.data[2] == 2);
  CHECK(r[6].r.data[0] == 5);
  CHECK(r[6].r.data[1] == 0);
  // The copy the DMA made in HBM (management 0x6000_1000 -> 0x6000_2003 = HBM 0x1000 -> 0x2003).
  std::vector<uint8_t> src(1000), dst(1000);
  chip.hbm_read(0x1000, src.data(), src.size());
  chip.hbm_read(0x2003, dst.data(), dst.size());
  CHECK(src == dst);
  // The core was not disturbed: no error.
  CHECK_FALSE(chip.core(0).error());
}

}  // namespace

TEST_CASE("chip mgmt: firmware boots on the tiny chip and passes its self-tests at tlm fidelity") {
  boot_and_selftest(Fidelity::kTlm);
}

TEST_CASE("chip mgmt: firmware boots on the tiny chip and passes its self-tests at rtl fidelity") {
  boot_and_selftest(Fidelity::kRtl);
}

TEST_CASE("chip mgmt: a GEMM kernel launched through the mailbox completes on the chip and is bit-exact") {
  const config::ChipConfig cfg = tiny();
  Chip chip("chip0", cfg, options(cfg, Fidelity::kTlm));
  WorkloadSpec s;
  s.kernel = "gemm";
  s.m = 16;
  s.k = 24;
  s.n = 20;
  s.seed = 6100;
  CAPTURE(s.seed);
  Workload w = prepare_workload(chip, 0, s);
  const uint64_t block = chip.place_launch_block(0, w.kernel);
  INFO("launch block at 0x" << std::hex << block);
  std::vector<Reply> r;
  const bool done = chip.run_host(
      [&] {
        r.push_back(call(chip, MB::Cmd::KERNEL_LAUNCH, 0, uint32_t(block)));
        r.push_back(call(chip, MB::Cmd::KERNEL_LAUNCH, 0, uint32_t(block) + 4));  // misaligned block
        r.push_back(call(chip, MB::Cmd::KERNEL_LAUNCH, 1, uint32_t(block)));      // no core 1
        // The firmware's self-tests after the kernel used the same blocks, then the kernel again.
        r.push_back(call(chip, MB::Cmd::DMA_SELFTEST, 1));
        r.push_back(call(chip, MB::Cmd::DMA_SELFTEST));
        r.push_back(call(chip, MB::Cmd::TENSOR_SELFTEST));
        r.push_back(call(chip, MB::Cmd::KERNEL_LAUNCH, 0, uint32_t(block)));
      },
      sc_time(200, sc_core::SC_MS));
  const std::string out = chip.mgmt().uart().text();
  INFO(out);
  REQUIRE(done);
  REQUIRE(r.size() == 7);
  REQUIRE(r[0].ok);
  CHECK(r[0].r.status == st(MB::Status::OK));
  const uint64_t cycles = r[0].r.data[0] | uint64_t(r[0].r.data[1]) << 32;
  CHECK(cycles > 100);
  CHECK(r[0].r.data[2] != 0);  // STATUS.DONE: the engines that ran
  std::printf("gemm 16x24x20 through the mailbox: %llu management-core cycles\n", (unsigned long long)cycles);
  CHECK(r[1].r.status == st(MB::Status::BAD_ARG));
  CHECK(r[2].r.status == st(MB::Status::NO_DEVICE));
  CHECK(r[3].r.status == st(MB::Status::HW_ERROR));
  CHECK(r[3].r.data[0] == 6);  // DST_WINDOW: the firmware's window again, not the kernel's
  CHECK(r[4].r.status == st(MB::Status::OK));
  CHECK(r[5].r.status == st(MB::Status::OK));
  CHECK(r[6].r.status == st(MB::Status::OK));  // the core reloads the weights the KAT replaced
  CHECK_FALSE(chip.core(0).error());
  const CheckResult c = w.check(chip);
  INFO(c.message);
  REQUIRE(c.checked);
  CHECK(c.passed);
}

TEST_CASE("chip mgmt: a kernel fault launched through the mailbox is reported with the core's error code") {
  const config::ChipConfig cfg = tiny();
  Chip chip("chip0", cfg, options(cfg, Fidelity::kTlm));
  // One tensor-engine instruction of all ones: not an instruction.
  const uint64_t prog = chip.hbm_alloc(isa::kInstrBytes, 64);
  const std::vector<uint8_t> junk(isa::kInstrBytes, 0xFF);
  chip.hbm_write(prog, junk.data(), junk.size());
  mgmt_launch_block b{};
  b.magic = MGMT_LAUNCH_MAGIC;
  b.zero_sems = 4;
  b.engine[0].prog_lo = uint32_t(prog);
  b.engine[0].count = 1;
  const uint64_t block = chip.hbm_alloc(sizeof b, 64);
  chip.hbm_write(block, &b, sizeof b);
  mgmt_launch_block bad = b;
  bad.magic = 0;
  const uint64_t bad_block = chip.hbm_alloc(sizeof bad, 64);
  chip.hbm_write(bad_block, &bad, sizeof bad);
  std::vector<Reply> r;
  const bool done = chip.run_host(
      [&] {
        r.push_back(call(chip, MB::Cmd::KERNEL_LAUNCH, 0, uint32_t(bad_block)));
        r.push_back(call(chip, MB::Cmd::KERNEL_LAUNCH, 0, uint32_t(block)));
        r.push_back(call(chip, MB::Cmd::PING));
        r.push_back(call(chip, MB::Cmd::DMA_SELFTEST));
        r.push_back(call(chip, MB::Cmd::KERNEL_LAUNCH, 0, uint32_t(block)));  // the core stays stopped
      },
      sc_time(200, sc_core::SC_MS));
  const std::string out = chip.mgmt().uart().text();
  INFO(out);
  REQUIRE(done);
  REQUIRE(r.size() == 5);
  for (std::size_t i = 0; i < r.size(); ++i) {
    CAPTURE(i);
    CHECK(r[i].ok);
  }
  CHECK(r[0].r.status == st(MB::Status::BAD_ARG));
  REQUIRE(chip.core(0).error());
  INFO(chip.core(0).error()->message);
  const uint32_t code = static_cast<uint32_t>(chip.core(0).error()->code);
  CHECK(code == static_cast<uint32_t>(ErrCode::UNKNOWN_OPCODE));
  CHECK(r[1].r.status == st(MB::Status::HW_ERROR));
  CHECK(r[1].r.data[0] == code);
  CHECK(r[1].r.data[1] == 0);                          // instruction 0
  CHECK(r[1].r.data[2] == (MGMT_ENGINE_CORE | 0u << 8));  // the core, tensor engine
  CHECK(r[2].r.status == st(MB::Status::OK));          // still serving
  CHECK(r[3].r.status == st(MB::Status::OK));          // the DMA self-test still works
  CHECK(r[4].r.status == st(MB::Status::HW_ERROR));
  CHECK(r[4].r.data[0] == code);
  CHECK(out.find("kernel: core 0 stopped: error") != std::string::npos);
}

TEST_CASE("chip mgmt: trnsim chip --elf boots the firmware and launches the GEMM through the mailbox at rtl") {
  std::ostringstream out, err;
  const int rc = chip_main_with({"--preset", "tiny", "--set", "core.psum.bank_bytes=128", "--set", "fidelity.tensor=rtl",
                                 "--set", "fidelity.dma=rtl", "--elf", fw("mgmt_boot"), "--kernel", "gemm", "--m",
                                 "16", "--k", "24", "--n", "20", "--seed", "6101"},
                                [](const config::ChipConfig& c, ChipOptions& o) { use_cosim_blocks(c, o); }, out,
                                err);
  INFO(out.str() << err.str());
  CHECK(rc == 0);
  CHECK(out.str().find("mailbox: counter selftests -> OK seq 2 data 0x00000003 0x00000000") != std::string::npos);
  CHECK(out.str().find("mailbox: kernel -> OK seq 3") != std::string::npos);
  CHECK(out.str().find("gemm: check passed") != std::string::npos);
  CHECK(out.str().find("result PASS") != std::string::npos);
  // Bad usage: --elf with several cores.
  std::ostringstream out2, err2;
  CHECK(chip_main_with({"--elf", fw("mgmt_boot"), "--cores", "2"}, {}, out2, err2) == 2);
  CHECK(err2.str().find("--elf runs the kernel on core 0 only") != std::string::npos);
}
