// NeuronCore tests: the core with the fast tensor and DMA models, a
// trnsim::Memory as HBM behind a tiny router (HBM + the core's local window).
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "chip/chip_map.h"
#include "common/tlm_util.h"
#include "chip/neuron_core.h"
#include "dma/dma_tlm.h"
#include "dma_regs.hpp"
#include "isa/isa.h"
#include "isa/semantics.h"
#include "mem/memory.h"
#include "numerics/numerics.h"
#include "tensor/tensor_tlm.h"

using namespace trnsim;
using namespace trnsim::chip;
using isa::Dtype;
using isa::Engine;
using isa::Instruction;
using isa::Opcode;
using sc_core::sc_time;
using sc_core::SC_NS;

namespace {

constexpr uint64_t kHbmSize = 1 << 20;
constexpr uint64_t kProgBase = 0x80000;  // streams: + e x 0x4000

// HBM [0, kHbmSize) and core c's window; anything else: address error.
struct Router : sc_core::sc_module {
  tlm_utils::multi_passthrough_target_socket<Router> in;
  tlm_utils::simple_initiator_socket<Router> hbm, core;
  unsigned core_index;
  Router(sc_core::sc_module_name n, unsigned c) : sc_module(n), in("in"), hbm("hbm"), core("core"), core_index(c) {
    in.register_b_transport(this, &Router::b_transport);
  }
  void b_transport(int, tlm::tlm_generic_payload& gp, sc_time& d) {
    const uint64_t a = gp.get_address(), len = gp.get_data_length();
    if (a + len <= kHbmSize) {
      d += sc_time(2, SC_NS);
      hbm->b_transport(gp, d);
    } else if (a >= core_base(core_index) && a + len <= core_base(core_index) + kCoreStride) {
      gp.set_address(a - core_base(core_index));
      d += sc_time(2, SC_NS);
      core->b_transport(gp, d);
      gp.set_address(a);
    } else {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }
  }
};

NeuronCoreConfig small_config(bool functional) {
  NeuronCoreConfig c;
  c.core.partitions = 32;
  c.core.sbuf_partition_bytes = 1024;
  c.core.psum_banks = 2;
  c.core.psum_bank_bytes = 256;
  c.core.semaphores = 16;
  c.core.pe_rows = 8;
  c.core.pe_cols = 8;
  c.num_dma = 1;
  c.dma.num_queues = 4;
  c.core.dma_queues = 4;
  c.tensor.cmd_depth = 4;
  c.tensor.period = sc_time(1, SC_NS);
  c.dma.period = sc_time(1, SC_NS);
  for (auto& e : c.engines) e = EngineTiming{sc_time(1, SC_NS), 10, 2.0, 1.0, 1, 1};
  c.engines[unsigned(Engine::SCALAR)].period = sc_time(2, SC_NS);
  c.functional = functional;
  return c;
}

// One core with its HBM and router.
struct Rig {
  Memory hbm;
  Router router;
  NeuronCore core;
  sc_core::sc_signal<bool> irq;
  explicit Rig(const std::string& n, const NeuronCoreConfig& cfg)
      : hbm((n + "_hbm").c_str(), MemoryConfig{0, kHbmSize, sc_time(20, SC_NS), 0, sc_core::SC_ZERO_TIME,
                                                sc_time(1, SC_NS), 1, false}),
        router((n + "_router").c_str(), cfg.core_index),
        core((n + "_core").c_str(), cfg,
             [](const char* name, const tensor::TensorBlockConfig& tc) {
               return std::make_unique<tensor::TensorTlm>(name, tc);
             },
             [](const char* name, const dma::DmaBlockConfig& dc) {
               return std::make_unique<dma::DmaTlm>(name, dc);
             }),
        irq((n + "_irq").c_str()) {
    router.hbm.bind(hbm.socket);
    router.core.bind(core.local);
    core.fetch.bind(router.in);
    for (unsigned d = 0; d < cfg.num_dma; ++d) core.dma_mem(d).bind(router.in);
    core.irq.bind(irq);
  }
  // Streams into HBM at kProgBase + e x 0x4000; returns the stream table.
  std::array<NeuronCore::Stream, isa::kNumEngines> load(const isa::Program& p) {
    std::array<NeuronCore::Stream, isa::kNumEngines> s{};
    for (unsigned e = 0; e < isa::kNumEngines; ++e) {
      if (p.streams[e].empty()) continue;
      const auto bytes = isa::to_bytes(p.streams[e]);
      const uint64_t a = kProgBase + e * 0x4000;
      hbm.write_bytes(a, bytes.data(), bytes.size());
      s[e] = {a, uint32_t(p.streams[e].size())};
    }
    return s;
  }
};

// Runs `body` in an SC_THREAD; fails the test if it did not finish.
struct Body : sc_core::sc_module {
  SC_HAS_PROCESS(Body);
  std::function<void()> fn;
  bool finished = false;
  explicit Body(sc_core::sc_module_name n, std::function<void()> f) : sc_module(n), fn(std::move(f)) {
    SC_THREAD(run);
  }
  void run() {
    fn();
    finished = true;
    sc_core::sc_stop();
  }
};

void run_world(std::function<void()> f) {
  Body b("body", std::move(f));
  sc_core::sc_start(sc_time(10, sc_core::SC_MS));
  REQUIRE(b.finished);
}

// A DMA descriptor (layout "desc" of rtl/regs/dma.json).
std::array<uint8_t, 32> desc(uint64_t src, uint64_t dst, uint32_t len, uint32_t rows, uint32_t sstride,
                             uint32_t dstride) {
  namespace d = regs::dma;
  std::array<uint8_t, 32> b{};
  auto put = [&](uint32_t off, uint32_t v) { std::memcpy(&b[off], &v, 4); };
  put(d::DESC_SRC_LO_OFFSET, uint32_t(src));
  put(d::DESC_SRC_HI_OFFSET, uint32_t(src >> 32));
  put(d::DESC_DST_LO_OFFSET, uint32_t(dst));
  put(d::DESC_DST_HI_OFFSET, uint32_t(dst >> 32));
  put(d::DESC_LEN_OFFSET, len);
  put(d::DESC_CTRL_OFFSET, (rows & d::DESC_CTRL_ROWS_MASK) << d::DESC_CTRL_ROWS_LSB);
  put(d::DESC_SRC_STRIDE_OFFSET, sstride);
  put(d::DESC_DST_STRIDE_OFFSET, dstride);
  return b;
}

// The functional DMA for isa::run: executes descriptors on a host image of
// HBM and the core state (core 0's window).
struct HostDma {
  std::vector<uint8_t>& hbm;
  uint8_t* at(isa::CoreState& st, uint64_t a) {
    if (a < kHbmSize) return &hbm[a];
    const uint64_t off = a - core_base(0);
    if (off >= kPsumOffset) {
      const uint64_t p = (off - kPsumOffset) / kPsumPartitionStride, in = (off - kPsumOffset) % kPsumPartitionStride;
      const uint32_t bb = st.config().psum_bank_bytes;
      return st.psum(unsigned(in / bb), unsigned(p), uint32_t(in % bb));
    }
    return st.sbuf(unsigned(off / kSbufPartitionStride), uint32_t(off % kSbufPartitionStride));
  }
  void operator()(const isa::DmaRequest& r, isa::CoreState& st) {
    for (unsigned i = 0; i < r.desc_count; ++i) {
      uint32_t w[8];
      std::memcpy(w, &hbm[r.desc_addr + 32 * i], 32);
      const uint64_t src = w[0] | uint64_t(w[1]) << 32, dst = w[2] | uint64_t(w[3]) << 32;
      const uint32_t len = w[4], rows = w[5] & 0xFFFF;
      for (uint32_t row = 0; row < rows; ++row)
        for (uint32_t b = 0; b < len; ++b) *at(st, dst + uint64_t(row) * w[7] + b) = *at(st, src + uint64_t(row) * w[6] + b);
    }
    if (r.done_en) st.sem(r.done_sem) += 1;
  }
};

Instruction dma_start(unsigned q, uint64_t addr, unsigned count, int done_sem) {
  Instruction in;
  in.op = Opcode::DMA_START;
  in.queue = uint8_t(q);
  in.desc_addr = addr;
  in.desc_count = uint16_t(count);
  if (done_sem >= 0) {
    in.done_en = true;
    in.done_sem = uint8_t(done_sem);
  }
  return in;
}
Instruction op(Opcode o) {
  Instruction in;
  in.op = o;
  return in;
}
Instruction wait_on(Instruction in, unsigned sem, uint32_t v) {
  in.wait_en = true;
  in.wait_sem = uint8_t(sem);
  in.wait_value = v;
  return in;
}
Instruction signal_to(Instruction in, unsigned sem) {
  in.signal_en = true;
  in.signal_sem = uint8_t(sem);
  return in;
}
Instruction alu(Engine, isa::Operand d, isa::Operand a, isa::Operand b, isa::AluOp o) {
  Instruction in;
  in.op = Opcode::ALU;
  in.d = d;
  in.a = a;
  in.b = b;
  in.alu = o;
  return in;
}

// The GEMM + relu kernel: K = 20 in two MATMULs (12 then 8, accumulate),
// each split by the core into tiles of pe_rows = 8.
constexpr unsigned kK = 20, kN = 8, kM = 12;
constexpr uint64_t kA = 0x1000, kB = 0x2000, kOut = 0x3000, kDesc = 0x4000;

isa::Program gemm_program() {
  using isa::psum;
  using isa::sbuf;
  isa::Program p;
  auto& sy = p[Engine::SYNC];
  sy.push_back(dma_start(0, kDesc, 1, 0));
  sy.push_back(dma_start(1, kDesc + 32, 1, 1));
  sy.push_back(wait_on(dma_start(2, kDesc + 64, 1, 4), 3, 1));
  sy.push_back(wait_on(op(Opcode::WAIT), 0, 0));
  sy.back().sem = 4;
  sy.back().value = 1;
  sy.back().wait_en = false;
  sy.push_back(op(Opcode::END));
  auto& te = p[Engine::TENSOR];
  Instruction w = op(Opcode::WAIT);
  w.sem = 0;
  w.value = 1;
  te.push_back(w);
  Instruction mm1 = op(Opcode::MATMUL);
  mm1.d = psum(0, Dtype::FP32, 0, kN, 0, kM);
  mm1.a = sbuf(Dtype::BF16, 0, 12, 0, kN);
  mm1.b = sbuf(Dtype::BF16, 0, 12, 64, kM);
  te.push_back(wait_on(mm1, 1, 1));
  Instruction mm2 = mm1;
  mm2.a = sbuf(Dtype::BF16, 12, 8, 0, kN);
  mm2.b = sbuf(Dtype::BF16, 12, 8, 64, kM);
  mm2.accumulate = true;
  mm2.wait_en = false;
  te.push_back(signal_to(mm2, 2));
  te.push_back(op(Opcode::END));
  auto& sc = p[Engine::SCALAR];
  Instruction act = op(Opcode::ACTIVATE);
  act.d = sbuf(Dtype::BF16, 0, kN, 256, kM);
  act.a = psum(0, Dtype::FP32, 0, kN, 0, kM);
  act.func = isa::ActFunc::RELU;
  act.bias = isa::imm(0.0f);
  act.scale = isa::imm(1.0f);
  sc.push_back(signal_to(wait_on(act, 2, 1), 3));
  sc.push_back(op(Opcode::END));
  return p;
}

// Random BF16 operands and the three descriptors in an HBM image.
std::vector<uint8_t> gemm_hbm(uint64_t seed, unsigned core) {
  std::vector<uint8_t> img(kHbmSize, 0);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  auto bf16 = [&]() {
    float f = u(rng);
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return uint16_t(b >> 16);
  };
  for (unsigned i = 0; i < kK * kN; ++i) {
    const uint16_t v = bf16();
    std::memcpy(&img[kA + 2 * i], &v, 2);
  }
  for (unsigned i = 0; i < kK * kM; ++i) {
    const uint16_t v = bf16();
    std::memcpy(&img[kB + 2 * i], &v, 2);
  }
  const uint64_t cb = core_base(core);
  auto put = [&](uint64_t at, const std::array<uint8_t, 32>& d) { std::memcpy(&img[at], d.data(), 32); };
  put(kDesc, desc(kA, cb + kSbufOffset, kN * 2, kK, kN * 2, uint32_t(kSbufPartitionStride)));
  put(kDesc + 32, desc(kB, cb + kSbufOffset + 64, kM * 2, kK, kM * 2, uint32_t(kSbufPartitionStride)));
  put(kDesc + 64, desc(cb + kSbufOffset + 256, kOut, kM * 2, kN, uint32_t(kSbufPartitionStride), kM * 2));
  return img;
}

void load_image(Memory& m, const std::vector<uint8_t>& img) { m.write_bytes(0, img.data(), 0x5000); }

std::string err_text(const NeuronCore& c) { return c.error() ? c.error()->message : std::string("(no error)"); }

}  // namespace

TEST_CASE("neuron core: GEMM with DMA in and out and relu equals isa::run and gemm_ref bit for bit") {
  const uint64_t seed = 20240501;
  CAPTURE(seed);
  Rig rig("r", small_config(true));
  const isa::Program prog = gemm_program();
  const std::vector<uint8_t> img = gemm_hbm(seed, 0);
  load_image(rig.hbm, img);
  const auto streams = rig.load(prog);
  bool ok = false;
  run_world([&] {
    rig.core.load_and_start(streams);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  INFO(err_text(rig.core));
  REQUIRE(ok);
  REQUIRE(rig.irq.read() == false);  // INTR_ENABLE is 0

  // Reference: the functional interpreter on the same program.
  std::vector<uint8_t> ref_hbm = img;
  isa::CoreState ref(small_config(true).core);
  isa::run(prog, ref, HostDma{ref_hbm});
  std::vector<uint8_t> out(kN * kM * 2);
  rig.hbm.read_bytes(kOut, out.data(), out.size());
  CHECK(std::memcmp(out.data(), &ref_hbm[kOut], out.size()) == 0);
  const isa::Operand ps = isa::psum(0, Dtype::FP32, 0, kN, 0, kM);
  unsigned diffs = 0;
  for (unsigned n = 0; n < kN; ++n)
    for (unsigned m = 0; m < kM; ++m) diffs += rig.core.state().read(ps, n, m) != ref.read(ps, n, m);
  CHECK(diffs == 0);
  for (unsigned p = 0; p < 32; ++p)
    CHECK(std::memcmp(rig.core.state().sbuf(p), ref.sbuf(p), 1024) == 0);
  CHECK(rig.core.state().sem(4) == 1);

  // gemm_ref: C[m][n] over K = 12 then K = 8 accumulated, tile_rows 8.
  std::vector<uint16_t> a(kM * kK), b(kK * kN);  // a = B^T (moving), b = A (weights)
  for (unsigned k = 0; k < kK; ++k) {
    for (unsigned m = 0; m < kM; ++m) std::memcpy(&a[m * kK + k], &img[kB + 2 * (k * kM + m)], 2);
    for (unsigned n = 0; n < kN; ++n) std::memcpy(&b[k * kN + n], &img[kA + 2 * (k * kN + n)], 2);
  }
  std::vector<uint16_t> a1(kM * 12), a2(kM * 8);
  for (unsigned m = 0; m < kM; ++m)
    for (unsigned k = 0; k < kK; ++k) (k < 12 ? a1[m * 12 + k] : a2[m * 8 + k - 12]) = a[m * kK + k];
  std::vector<uint32_t> c(kM * kN, 0);
  numerics::GemmShape s1{kM, 12, kN, 8}, s2{kM, 8, kN, 8};
  numerics::gemm_ref(s1, numerics::Dtype::kBf16, a1.data(), numerics::Dtype::kBf16, b.data(), c.data(), false);
  numerics::gemm_ref(s2, numerics::Dtype::kBf16, a2.data(), numerics::Dtype::kBf16, b.data() + 12 * kN, c.data(), true);
  diffs = 0;
  for (unsigned n = 0; n < kN; ++n)
    for (unsigned m = 0; m < kM; ++m) diffs += rig.core.state().read(ps, n, m) != c[m * kN + n];
  CHECK(diffs == 0);

  // Counters and timing sanity.
  CHECK(rig.core.counters(Engine::TENSOR).instructions == 4);
  CHECK(rig.core.matmul_tiles() == 3);
  CHECK(rig.core.counters(Engine::SCALAR).stall_sem > 0);
  CHECK(rig.core.dma_counters(0).triggers == 1);
  CHECK(rig.core.finish_time() > rig.core.start_time());
}

TEST_CASE("neuron core: timing-only mode gives the same cycle counts as functional mode") {
  // Two independent cores in one world: core 0 functional, core 1 timing only.
  NeuronCoreConfig f = small_config(true), t = small_config(false);
  t.core_index = 1;
  Rig r0("f", f), r1("t", t);
  const isa::Program prog = gemm_program();
  load_image(r0.hbm, gemm_hbm(7, 0));
  load_image(r1.hbm, gemm_hbm(7, 1));
  const auto s0 = r0.load(prog), s1 = r1.load(prog);
  bool ok0 = false, ok1 = false;
  run_world([&] {
    r0.core.load_and_start(s0);
    r1.core.load_and_start(s1);
    ok0 = r0.core.wait_done(sc_time(1, sc_core::SC_MS));
    ok1 = r1.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  INFO(err_text(r0.core) << " / " << err_text(r1.core));
  REQUIRE(ok0);
  REQUIRE(ok1);
  CHECK(r0.core.finish_time() == r1.core.finish_time());
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    CAPTURE(e);
    const auto &a = r0.core.counters(Engine(e)), &b = r1.core.counters(Engine(e));
    CHECK(a.instructions == b.instructions);
    CHECK(a.busy_cycles == b.busy_cycles);
    CHECK(a.stall_sem == b.stall_sem);
    CHECK(a.stall_tensor == b.stall_tensor);
  }
  // Timing only computed nothing: the output in HBM stayed zero.
  std::vector<uint8_t> out(kN * kM * 2, 0xAA);
  r1.hbm.read_bytes(kOut, out.data(), out.size());
  CHECK(std::all_of(out.begin(), out.end(), [](uint8_t x) { return x == 0; }));
}

namespace {
// Vector and gpsimd each run one ALU of 512 FP32 elements per partition;
// `dependent`: gpsimd waits for vector's signal.
isa::Program two_engine_program(bool dependent) {
  using isa::sbuf;
  isa::Program p;
  const auto v = alu(Engine::VECTOR, sbuf(Dtype::FP32, 0, 16, 0, 64), sbuf(Dtype::FP32, 0, 16, 256, 64),
                     isa::imm(1.5f), isa::AluOp::ADD);
  const auto g = alu(Engine::GPSIMD, sbuf(Dtype::FP32, 16, 16, 0, 64), sbuf(Dtype::FP32, 16, 16, 256, 64),
                     isa::imm(2.0f), isa::AluOp::MUL);
  p[Engine::VECTOR] = {signal_to(v, 1), op(Opcode::END)};
  p[Engine::GPSIMD] = {dependent ? wait_on(g, 1, 1) : g, op(Opcode::END)};
  return p;
}
}  // namespace

TEST_CASE("neuron core: two independent engines overlap") {
  Rig rig("r", small_config(true));
  const auto s = rig.load(two_engine_program(false));
  bool ok = false;
  run_world([&] {
    rig.core.load_and_start(s);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  INFO(err_text(rig.core));
  REQUIRE(ok);
  const uint64_t bv = rig.core.counters(Engine::VECTOR).busy_cycles, bg = rig.core.counters(Engine::GPSIMD).busy_cycles;
  CHECK(bv == 11 + 64);  // startup 10 + 64 elements at 1 FP32 / cycle, END 1
  CHECK(bg == 11 + 64);
  const double total = (rig.core.finish_time() - rig.core.start_time()) / sc_time(1, SC_NS);
  CAPTURE(total, bv, bg);
  CHECK(total < double(bv + bg));
  CHECK(rig.core.counters(Engine::GPSIMD).stall_sem == 0);
}

TEST_CASE("neuron core: a semaphore dependency serialises two engines") {
  Rig rig("r", small_config(true));
  const auto s = rig.load(two_engine_program(true));
  bool ok = false;
  run_world([&] {
    rig.core.load_and_start(s);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  INFO(err_text(rig.core));
  REQUIRE(ok);
  const uint64_t bv = rig.core.counters(Engine::VECTOR).busy_cycles, bg = rig.core.counters(Engine::GPSIMD).busy_cycles;
  const double total = (rig.core.finish_time() - rig.core.start_time()) / sc_time(1, SC_NS);
  CAPTURE(total, bv, bg);
  CHECK(total >= double(bv + bg - 1));  // vector's END overlaps gpsimd's ALU
  CHECK(rig.core.counters(Engine::GPSIMD).stall_sem >= 74);
  // The data: gpsimd's result is 2 x (its input), computed after vector's.
  CHECK(rig.core.state().sem(1) == 1);
}

TEST_CASE("neuron core: a semaphore deadlock stops the core with a message naming every blocked engine") {
  Rig rig("r", small_config(true));
  isa::Program p;
  Instruction w1 = op(Opcode::WAIT);
  w1.sem = 1;
  w1.value = 1;
  Instruction w2 = w1;
  w2.sem = 2;
  w2.value = 3;
  p[Engine::VECTOR] = {op(Opcode::NOP), w1, signal_to(op(Opcode::NOP), 2), op(Opcode::END)};
  p[Engine::GPSIMD] = {w2, signal_to(op(Opcode::NOP), 1), op(Opcode::END)};
  const auto s = rig.load(p);
  bool ok = true;
  run_world([&] {
    rig.core.load_and_start(s);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  REQUIRE_FALSE(ok);
  REQUIRE_FALSE(rig.core.timed_out());
  REQUIRE(rig.core.error());
  const CoreError& e = *rig.core.error();
  INFO(e.message);
  CHECK(e.code == ErrCode::DEADLOCK);
  CHECK(e.message.find("core 0") != std::string::npos);
  CHECK(e.message.find("vector engine instruction 1 (wait) waits for semaphore 1 >= 1") != std::string::npos);
  CHECK(e.message.find("gpsimd engine instruction 0 (wait) waits for semaphore 2 >= 3") != std::string::npos);
}

TEST_CASE("neuron core: an unknown opcode stops the core naming core engine and instruction") {
  Rig rig("r", small_config(true));
  isa::Program p;
  p[Engine::GPSIMD] = {op(Opcode::NOP), op(Opcode::NOP), op(Opcode::END)};
  auto s = rig.load(p);
  // Overwrite instruction 1's opcode byte with 0x7F.
  const uint8_t bad = 0x7F;
  rig.hbm.write_bytes(s[unsigned(Engine::GPSIMD)].addr + 64, &bad, 1);
  bool ok = true;
  uint32_t err_code_reg = 0, err_index_reg = 0;
  run_world([&] {
    rig.core.load_and_start(s);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  REQUIRE_FALSE(ok);
  REQUIRE(rig.core.error());
  const CoreError& e = *rig.core.error();
  INFO(e.message);
  CHECK(e.code == ErrCode::UNKNOWN_OPCODE);
  CHECK(e.engine == int(Engine::GPSIMD));
  CHECK(e.index == 1);
  CHECK(e.message.find("core 0") != std::string::npos);
  CHECK(e.message.find("gpsimd engine, instruction 1") != std::string::npos);
  CHECK(e.message.find("0x7f") != std::string::npos);
  (void)err_code_reg;
  (void)err_index_reg;
}

TEST_CASE("neuron core: an SBUF operand out of range stops the core with SBUF_RANGE") {
  Rig rig("r", small_config(true));
  isa::Program p;
  p[Engine::VECTOR] = {op(Opcode::NOP),
                       alu(Engine::VECTOR, isa::sbuf(Dtype::FP32, 0, 4, 1000, 16), isa::sbuf(Dtype::FP32, 0, 4, 0, 16),
                           isa::imm(1.0f), isa::AluOp::ADD),
                       op(Opcode::END)};
  const auto s = rig.load(p);
  bool ok = true;
  run_world([&] {
    rig.core.load_and_start(s);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  REQUIRE_FALSE(ok);
  const CoreError& e = *rig.core.error();
  INFO(e.message);
  CHECK(e.code == ErrCode::SBUF_RANGE);
  CHECK(e.engine == int(Engine::VECTOR));
  CHECK(e.index == 1);
  CHECK(e.message.find("core 0") != std::string::npos);
  CHECK(e.message.find("vector") != std::string::npos);
  CHECK(e.message.find("instruction 1") != std::string::npos);
}

TEST_CASE("neuron core: a DMA descriptor outside the queue windows surfaces as a core DMA_ERROR") {
  Rig rig("r", small_config(true));
  // Source in the link range: in no window of the queue.
  const auto d = desc(kLinkBase, core_base(0) + kSbufOffset, 64, 1, 0, 0);
  rig.hbm.write_bytes(kDesc, d.data(), 32);
  isa::Program p;
  Instruction w = op(Opcode::WAIT);
  w.sem = 0;
  w.value = 1;
  p[Engine::SYNC] = {dma_start(3, kDesc, 1, 0), w, op(Opcode::END)};
  const auto s = rig.load(p);
  bool ok = true;
  run_world([&] {
    rig.core.load_and_start(s);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  REQUIRE_FALSE(ok);
  const CoreError& e = *rig.core.error();
  INFO(e.message);
  CHECK(e.code == ErrCode::DMA_ERROR);
  CHECK(e.engine == int(Engine::SYNC));
  CHECK(e.index == 0);
  CHECK(e.message.find("SRC_WINDOW") != std::string::npos);
  CHECK(e.message.find("sync engine, instruction 0") != std::string::npos);
}

TEST_CASE("neuron core: control registers start the engines and report status and errors through local") {
  Rig rig("r", small_config(true));
  isa::Program p;
  p[Engine::VECTOR] = {op(Opcode::NOP), op(Opcode::END)};
  const auto s = rig.load(p);
  struct Init : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Init> sock;
    explicit Init(sc_core::sc_module_name n) : sc_module(n), sock("sock") {}
  };
  // A second initiator on the router would need a socket: use the router's
  // multi socket.
  Init host("host");
  host.sock.bind(rig.router.in);
  uint32_t status = 0, intr = 0;
  bool irq_seen = false;
  run_world([&] {
    auto acc = [&](bool wr, uint64_t off, uint32_t v) {
      tlm::tlm_generic_payload gp;
      set_payload(gp, wr ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, core_base(0) + kCoreCtrlOffset + off,
                  reinterpret_cast<unsigned char*>(&v), 4);
      sc_time d = sc_core::SC_ZERO_TIME;
      host.sock->b_transport(gp, d);
      sc_core::wait(d);
      REQUIRE(gp.get_response_status() == tlm::TLM_OK_RESPONSE);
      return v;
    };
    const unsigned ve = unsigned(Engine::VECTOR);
    acc(true, regs::core::E0_PROG_LO_OFFSET + 0x10 * ve, uint32_t(s[ve].addr));
    acc(true, regs::core::E0_COUNT_OFFSET + 0x10 * ve, s[ve].count);
    acc(true, regs::core::INTR_ENABLE_OFFSET, 3);
    acc(true, regs::core::CTRL_OFFSET, 1u << ve);
    rig.core.wait_done(sc_time(100, sc_core::SC_US));
    sc_core::wait(sc_time(1, SC_NS));
    irq_seen = rig.irq.read();
    status = acc(false, regs::core::STATUS_OFFSET, 0);
    intr = acc(false, regs::core::INTR_STATE_OFFSET, 0);
    // A tensor CSR through the core window: ID magic.
    tlm::tlm_generic_payload gp;
    uint32_t id = 0;
    set_payload(gp, tlm::TLM_READ_COMMAND, core_base(0) + kTensorCsrOffset, reinterpret_cast<unsigned char*>(&id), 4);
    sc_time d = sc_core::SC_ZERO_TIME;
    host.sock->b_transport(gp, d);
    CHECK((id & 0xFFFF) == 0x7E45);
  });
  CHECK(rig.core.done());
  CHECK(irq_seen);
  CHECK(((status >> regs::core::STATUS_DONE_LSB) & 0x1F) == (1u << unsigned(Engine::VECTOR)));
  CHECK(((status >> regs::core::STATUS_RUNNING_LSB) & 0x1F) == 0);
  CHECK((intr & 1) == 1);
}

// --- the issue-time model of MATMUL, the fixed DMA latency (docs/chip.md
// "MATMUL timing", "DMA_START") --------------------------------------------------

namespace {

// K = 8 (one tile of the 8x8 array), N = 8, M moving rows: weights at SBUF
// offset 0, moving data at offset 64, D = PSUM bank 0. `count` MATMULs back
// to back (the first loads the weights, the others reuse them), then END.
isa::Program matmul_program(Dtype dt, unsigned m, unsigned count) {
  isa::Program p;
  auto& te = p[Engine::TENSOR];
  for (unsigned i = 0; i < count; ++i) {
    Instruction mm = op(Opcode::MATMUL);
    mm.d = isa::psum(0, Dtype::FP32, 0, 8, 0, m);
    if (i == 0) mm.a = isa::sbuf(dt, 0, 8, 0, 8);  // else `_`: reuse_weights
    mm.b = isa::sbuf(dt, 0, 8, 64, m);
    mm.load_weights = i == 0;
    te.push_back(mm);
  }
  te.push_back(op(Opcode::END));
  return p;
}

// Random codes of `dt` (FP8: no NaN codes) into the program's A and B.
void fill_operands(isa::CoreState& st, Dtype dt, unsigned m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const isa::Operand a = isa::sbuf(dt, 0, 8, 0, 8), b = isa::sbuf(dt, 0, 8, 64, m);
  auto code = [&]() -> uint32_t {
    if (dt == Dtype::BF16) return uint32_t(0x3E00 + rng() % 0x200) | uint32_t(rng() & 1) << 15;  // |x| in [0.125, 2)
    return uint32_t(rng() & 0xF7);  // bit 3 clear: never the NaN code 0x7F / 0xFF
  };
  for (unsigned k = 0; k < 8; ++k) {
    for (unsigned n = 0; n < 8; ++n) st.write(a, k, n, code());
    for (unsigned i = 0; i < m; ++i) st.write(b, k, i, code());
  }
}

// PSUM D of matmul_program against numerics::gemm_ref on the SBUF operands.
unsigned psum_mismatches(const isa::CoreState& st, Dtype dt, unsigned m) {
  const isa::Operand a = isa::sbuf(dt, 0, 8, 0, 8), b = isa::sbuf(dt, 0, 8, 64, m);
  const isa::Operand d = isa::psum(0, Dtype::FP32, 0, 8, 0, m);
  std::vector<uint16_t> mov(std::size_t(m) * 8), w(64);
  for (unsigned k = 0; k < 8; ++k) {
    for (unsigned i = 0; i < m; ++i) mov[std::size_t(i) * 8 + k] = uint16_t(st.read(b, k, i));
    for (unsigned n = 0; n < 8; ++n) w[k * 8 + n] = uint16_t(st.read(a, k, n));
  }
  const numerics::Dtype nd = dt == Dtype::BF16 ? numerics::Dtype::kBf16 : numerics::Dtype::kFp8E4m3;
  std::vector<uint32_t> c(std::size_t(m) * 8, 0);
  numerics::gemm_ref(numerics::GemmShape{m, 8, 8, 8}, nd, mov.data(), nd, w.data(), c.data(), false);
  unsigned bad = 0;
  for (unsigned n = 0; n < 8; ++n)
    for (unsigned i = 0; i < m; ++i) bad += st.read(d, n, i) != c[std::size_t(i) * 8 + n];
  return bad;
}

}  // namespace

TEST_CASE("neuron core: a short MATMUL holds the tensor engine for matmul_min_cycles") {
  // Two MATMULs of M = 4 moving rows on the 8x8 array (1 ns tensor cycle).
  // With matmul_min_cycles = 64 each holds the engine 64 cycles: the second
  // issues at t1 + 64, its results are in PSUM at t1 + 128 + (rows + cols + 1
  // = 17), END (1 cycle) follows, so the tensor engine is busy exactly
  // 64 + 64 + 17 + 1 = 146 cycles from the first issue. The block's own time
  // (CSR writes, 8 weight rows, 4 moving rows, 17 cycles of fill and drain) is
  // shorter, so the floor decides. Without the floor the same program is faster
  // and the data is the same.
  const uint64_t seed = 31;
  CAPTURE(seed);
  NeuronCoreConfig floored = small_config(true), plain = small_config(true);
  floored.matmul_min_cycles = 64;
  plain.core_index = 1;
  Rig rf("f", floored), rp("p", plain);
  const isa::Program prog = matmul_program(Dtype::BF16, 4, 2);
  fill_operands(rf.core.state(), Dtype::BF16, 4, seed);
  fill_operands(rp.core.state(), Dtype::BF16, 4, seed);
  const auto sf = rf.load(prog), sp = rp.load(prog);
  bool okf = false, okp = false;
  run_world([&] {
    rf.core.load_and_start(sf);
    rp.core.load_and_start(sp);
    okf = rf.core.wait_done(sc_time(1, sc_core::SC_MS));
    okp = rp.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  INFO(err_text(rf.core) << " / " << err_text(rp.core));
  REQUIRE(okf);
  REQUIRE(okp);
  const uint64_t bf = rf.core.counters(Engine::TENSOR).busy_cycles, bp = rp.core.counters(Engine::TENSOR).busy_cycles;
  CAPTURE(bf, bp, rf.core.matmul_model_cycles());
  CHECK(bf == 146);
  CHECK(bp < 146 - 40);  // two short MATMULs pipeline in well under 2 x 64 cycles
  CHECK(rf.core.matmul_model_cycles() > 0);
  CHECK(rp.core.matmul_model_cycles() == 0);
  CHECK(psum_mismatches(rf.core.state(), Dtype::BF16, 4) == 0);
  CHECK(psum_mismatches(rp.core.state(), Dtype::BF16, 4) == 0);
}

TEST_CASE("neuron core: MATMUL times follow macs_per_pe_cycle per dtype") {
  // trn2's rates: FP8 2, BF16 1, FP32 0.25 moving rows per tensor cycle; the
  // tensor block then runs at 2x the tensor clock (0.5 ns). Four MATMULs of
  // M = 64 rows (one loads the weights, three reuse them), then END:
  //   BF16: each holds the engine ceil(64 / 1) = 64 cycles; the block streams
  //         64 rows in 32 ns, so the model decides: busy = 4 x 64 + 17 + 1 = 274.
  //   FP8:  ceil(64 / 2) = 32 cycles each; here the block is the bound: its
  //         32 ns of rows plus, in 0.5 ns block cycles, the first MATMUL's
  //         four CSR writes (3 cycles each) and 8 weight rows, and each later
  //         MATMUL's START write (3) and command start (kStartDelay 2, queue
  //         head 1): 4 x 32 + 18 = 146 <= busy <= 146 + 24 (measured 162).
  //   a class at 0.25 rows per cycle (FP32's rate; the ISA has no FP32 MATMUL
  //         inputs, so BF16 is given that rate on a third core): 4 x 256 + 18.
  const uint64_t seed = 4242;
  CAPTURE(seed);
  NeuronCoreConfig c = small_config(true);
  c.matmul_rate_fp8 = 2;
  c.matmul_rate_bf16 = 1;
  c.matmul_rate_fp32 = 0.25;
  CHECK(c.block_speedup() == 2.0);
  CHECK(c.matmul_rate(Dtype::FP8E4M3, Dtype::FP8E5M2) == 2.0);
  CHECK(c.matmul_rate(Dtype::BF16, Dtype::FP8E4M3) == 1.0);  // mixed: the slower class
  CHECK(c.matmul_rate(Dtype::FP32, Dtype::FP32) == 0.25);
  NeuronCoreConfig c8 = c, cs = c;
  c8.core_index = 1;
  cs.core_index = 2;
  cs.matmul_rate_bf16 = 0.25;
  Rig rb("b", c), r8("e", c8), rs("s", cs);
  const unsigned m = 64;
  fill_operands(rb.core.state(), Dtype::BF16, m, seed);
  fill_operands(r8.core.state(), Dtype::FP8E4M3, m, seed + 1);
  fill_operands(rs.core.state(), Dtype::BF16, m, seed);
  const auto sb = rb.load(matmul_program(Dtype::BF16, m, 4));
  const auto s8 = r8.load(matmul_program(Dtype::FP8E4M3, m, 4));
  const auto ss = rs.load(matmul_program(Dtype::BF16, m, 4));
  bool ok[3] = {false, false, false};
  run_world([&] {
    rb.core.load_and_start(sb);
    r8.core.load_and_start(s8);
    rs.core.load_and_start(ss);
    ok[0] = rb.core.wait_done(sc_time(1, sc_core::SC_MS));
    ok[1] = r8.core.wait_done(sc_time(1, sc_core::SC_MS));
    ok[2] = rs.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  INFO(err_text(rb.core) << " / " << err_text(r8.core) << " / " << err_text(rs.core));
  REQUIRE(ok[0]);
  REQUIRE(ok[1]);
  REQUIRE(ok[2]);
  const uint64_t bb = rb.core.counters(Engine::TENSOR).busy_cycles;
  const uint64_t b8 = r8.core.counters(Engine::TENSOR).busy_cycles;
  const uint64_t bs = rs.core.counters(Engine::TENSOR).busy_cycles;
  CAPTURE(bb, b8, bs);
  CHECK(bb == 4 * 64 + 18);
  CHECK(b8 >= 4 * 32 + 18);
  CHECK(b8 <= 4 * 32 + 18 + 24);
  CHECK(double(b8) < 0.65 * double(bb));  // FP8 at 2 MACs/PE/cycle: close to twice as fast
  CHECK(bs == 4 * 256 + 18);
  // The data path is the block's, whatever the timing.
  CHECK(psum_mismatches(rb.core.state(), Dtype::BF16, m) == 0);
  CHECK(psum_mismatches(r8.core.state(), Dtype::FP8E4M3, m) == 0);
  CHECK(psum_mismatches(rs.core.state(), Dtype::BF16, m) == 0);
}

TEST_CASE("neuron core: a MATMUL of a dtype class with rate 0 stops the core with TENSOR_ERROR") {
  NeuronCoreConfig c = small_config(true);
  c.matmul_rate_fp8 = 0;
  Rig rig("r", c);
  const auto s = rig.load(matmul_program(Dtype::FP8E5M2, 4, 1));
  bool ok = true;
  run_world([&] {
    rig.core.load_and_start(s);
    ok = rig.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  REQUIRE_FALSE(ok);
  REQUIRE(rig.core.error());
  INFO(rig.core.error()->message);
  CHECK(rig.core.error()->code == ErrCode::TENSOR_ERROR);
  CHECK(rig.core.error()->message.find("fp8e5m2") != std::string::npos);
}

TEST_CASE("neuron core: the fixed DMA latency delays a DMA's completion by exactly its value") {
  // One DMA_START (one descriptor, 8 rows of 32 B HBM -> SBUF) on two
  // identical cores in one world, one with dma_fixed_latency = 300 ns. The
  // queue is programmed 300 ns after the trigger instead of at once, and the
  // transfer, the completion polls (64 DMA cycles, phased from the
  // programming) and the WAIT on its semaphore all shift by the same 300 ns.
  NeuronCoreConfig a = small_config(true), b = small_config(true);
  b.core_index = 1;
  b.dma_fixed_latency = sc_time(300, SC_NS);
  Rig ra("a", a), rb("b", b);
  for (unsigned c = 0; c < 2; ++c) {
    Rig& r = c ? rb : ra;
    std::vector<uint8_t> src(256);
    for (unsigned i = 0; i < 256; ++i) src[i] = uint8_t(i * 3 + 1);
    r.hbm.write_bytes(kA, src.data(), src.size());
    const auto d = desc(kA, core_base(c) + kSbufOffset + 128, 32, 8, 32, uint32_t(kSbufPartitionStride));
    r.hbm.write_bytes(kDesc, d.data(), 32);
  }
  isa::Program p;
  Instruction w = op(Opcode::WAIT);
  w.sem = 0;
  w.value = 1;
  p[Engine::SYNC] = {dma_start(1, kDesc, 1, 0), w, op(Opcode::END)};
  const auto sa = ra.load(p), sb = rb.load(p);
  bool oka = false, okb = false;
  run_world([&] {
    ra.core.load_and_start(sa);
    rb.core.load_and_start(sb);
    oka = ra.core.wait_done(sc_time(1, sc_core::SC_MS));
    okb = rb.core.wait_done(sc_time(1, sc_core::SC_MS));
  });
  INFO(err_text(ra.core) << " / " << err_text(rb.core));
  REQUIRE(oka);
  REQUIRE(okb);
  CHECK(ra.core.start_time() == rb.core.start_time());
  CHECK(rb.core.finish_time() - ra.core.finish_time() == sc_time(300, SC_NS));
  // Programmed -> done is the same transfer.
  CHECK(ra.core.dma_counters(1).busy == rb.core.dma_counters(1).busy);
  CHECK(ra.core.dma_counters(1).triggers == 1);
  CHECK(rb.core.dma_counters(1).triggers == 1);
  // The issuing engine does not program the queue itself when it must wait.
  CHECK(ra.core.counters(Engine::SYNC).stall_dma > 0);
  CHECK(rb.core.counters(Engine::SYNC).stall_dma == 0);
  for (unsigned row = 0; row < 8; ++row)
    for (unsigned i = 0; i < 32; ++i) {
      CHECK(ra.core.state().sbuf(row, 128)[i] == uint8_t((row * 32 + i) * 3 + 1));
      CHECK(rb.core.state().sbuf(row, 128)[i] == uint8_t((row * 32 + i) * 3 + 1));
    }
}
