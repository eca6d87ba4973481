// The generated tensor register file (tensor_csr) behind the AXI4-Lite adapter
// (common_axil_reg_adapter), driven through AXI-Lite and checked against a
// model built only from the generated C++ register table.
#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

// Verilator's runtime headers do not build cleanly with our warning set.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "Vtb_tensor_csr_top.h"
#include "verilated.h"
#pragma GCC diagnostic pop

#include "axil_master.h"
#include "tensor_regs.hpp"

namespace {

namespace regs = trnsim::regs;
namespace tr = trnsim::regs::tensor;
using trnsim::tb::AxilMaster;
using trnsim::tb::AxilReadResult;
using trnsim::tb::AxilResp;
using Top = Vtb_tensor_csr_top;

// Seed of the randomized tests: TRNSIM_SEED from the environment, else 1.
std::uint64_t test_seed() {
  const char* s = std::getenv("TRNSIM_SEED");
  return s ? std::strtoull(s, nullptr, 0) : 1;
}

// What software sees, from the table alone (the behaviour a C++ model of any
// generated register file must have).
class RegFileModel {
 public:
  RegFileModel() { reset(); }

  void reset() {
    for (std::size_t i = 0; i < tr::NUM_REGS; ++i) {
      const regs::RegisterDesc& r = tr::kRegisters[i];
      stored_[i] = r.reset & (r.rw_mask | r.w1c_mask);
      hw_in_[i] = 0;
    }
  }

  AxilReadResult read(std::uint32_t addr) const {
    const int i = index(addr);
    if (i < 0) return {0, AxilResp::kSlvErr};
    const regs::RegisterDesc& r = tr::kRegisters[i];
    return {(stored_[i] & (r.rw_mask | r.w1c_mask)) | (hw_in_[i] & r.hw_in_mask) |
                (r.reset & r.const_mask),
            AxilResp::kOkay};
  }

  AxilResp write(std::uint32_t addr, std::uint32_t data, std::uint8_t strb) {
    const int i = index(addr);
    if (i < 0) return AxilResp::kSlvErr;
    const regs::RegisterDesc& r = tr::kRegisters[i];
    const std::uint32_t m = regs::strobe_to_mask(strb);
    stored_[i] = (stored_[i] & ~(r.rw_mask & m)) | (data & r.rw_mask & m);
    stored_[i] &= ~(data & r.w1c_mask & m);
    return AxilResp::kOkay;
  }

  void set_hw_in(std::uint32_t offset, std::uint32_t value) { hw_in_[index(offset)] = value; }
  void hw_set(std::uint32_t offset, std::uint32_t bits) {
    const int i = index(offset);
    stored_[i] |= bits & tr::kRegisters[i].w1c_mask;
  }
  std::uint32_t stored(std::uint32_t offset) const { return stored_[index(offset)]; }

 private:
  static int index(std::uint32_t addr) {
    for (std::size_t i = 0; i < tr::NUM_REGS; ++i) {
      if (tr::kRegisters[i].offset == addr) return static_cast<int>(i);
    }
    return -1;
  }
  std::array<std::uint32_t, tr::NUM_REGS> stored_{};
  std::array<std::uint32_t, tr::NUM_REGS> hw_in_{};
};

#define FIELD(REG_FIELD, v) regs::field_set(0, tr::REG_FIELD##_LSB, tr::REG_FIELD##_MASK, (v))
#define GET(REG_FIELD, reg) regs::field_get((reg), tr::REG_FIELD##_LSB, tr::REG_FIELD##_MASK)

// Values on the ro/in ports.
struct HwInputs {
  std::uint32_t rows = 0, cols = 0, log2_depth = 0;
  std::uint32_t busy = 0, queue_full = 0, queue_count = 0, loading = 0, streaming = 0;
  std::uint32_t err_code = 0, err_count = 0;
  std::uint32_t cmds_done = 0, busy_cycles = 0, stall_cycles = 0, macs = 0;

  static HwInputs random(std::mt19937_64& rng) {
    HwInputs in;
    auto r = [&](std::uint32_t mask) { return static_cast<std::uint32_t>(rng()) & mask; };
    in.rows = r(tr::GEOMETRY_ROWS_MASK);
    in.cols = r(tr::GEOMETRY_COLS_MASK);
    in.log2_depth = r(tr::GEOMETRY_LOG2_PSUM_DEPTH_MASK);
    in.busy = r(tr::STATUS_BUSY_MASK);
    in.queue_full = r(tr::STATUS_QUEUE_FULL_MASK);
    in.queue_count = r(tr::STATUS_QUEUE_COUNT_MASK);
    in.loading = r(tr::STATUS_WEIGHTS_LOADING_MASK);
    in.streaming = r(tr::STATUS_STREAMING_MASK);
    in.err_code = r(tr::ERR_CODE_CODE_MASK);
    in.err_count = r(tr::ERR_CODE_COUNT_MASK);
    in.cmds_done = r(tr::CMDS_DONE_COUNT_MASK);
    in.busy_cycles = r(tr::BUSY_CYCLES_COUNT_MASK);
    in.stall_cycles = r(tr::STALL_CYCLES_COUNT_MASK);
    in.macs = r(tr::MACS_COUNT_MASK);
    return in;
  }

  void apply(Top& top) const {
    top.geometry_rows_i = static_cast<std::uint16_t>(rows);
    top.geometry_cols_i = static_cast<std::uint16_t>(cols);
    top.geometry_log2_psum_depth_i = static_cast<std::uint8_t>(log2_depth);
    top.status_busy_i = static_cast<std::uint8_t>(busy);
    top.status_queue_full_i = static_cast<std::uint8_t>(queue_full);
    top.status_queue_count_i = static_cast<std::uint8_t>(queue_count);
    top.status_weights_loading_i = static_cast<std::uint8_t>(loading);
    top.status_streaming_i = static_cast<std::uint8_t>(streaming);
    top.err_code_code_i = static_cast<std::uint8_t>(err_code);
    top.err_code_count_i = static_cast<std::uint16_t>(err_count);
    top.cmds_done_count_i = cmds_done;
    top.busy_cycles_count_i = busy_cycles;
    top.stall_cycles_count_i = stall_cycles;
    top.macs_count_i = macs;
  }

  void load(RegFileModel& m) const {
    m.set_hw_in(tr::GEOMETRY_OFFSET, FIELD(GEOMETRY_ROWS, rows) | FIELD(GEOMETRY_COLS, cols) |
                                         FIELD(GEOMETRY_LOG2_PSUM_DEPTH, log2_depth));
    m.set_hw_in(tr::STATUS_OFFSET,
                FIELD(STATUS_BUSY, busy) | FIELD(STATUS_QUEUE_FULL, queue_full) |
                    FIELD(STATUS_QUEUE_COUNT, queue_count) |
                    FIELD(STATUS_WEIGHTS_LOADING, loading) | FIELD(STATUS_STREAMING, streaming));
    m.set_hw_in(tr::ERR_CODE_OFFSET, FIELD(ERR_CODE_CODE, err_code) |
                                         FIELD(ERR_CODE_COUNT, err_count));
    m.set_hw_in(tr::CMDS_DONE_OFFSET, cmds_done);
    m.set_hw_in(tr::BUSY_CYCLES_OFFSET, busy_cycles);
    m.set_hw_in(tr::STALL_CYCLES_OFFSET, stall_cycles);
    m.set_hw_in(tr::MACS_OFFSET, macs);
  }
};

// The Verilated top, its clock, and the AXI-Lite master.
class Tb {
 public:
  Tb() : ctx_(std::make_unique<VerilatedContext>()),
         top_(std::make_unique<Top>(ctx_.get(), "top")),
         axi(*top_, [this] { tick(); }) {
    reset();
  }
  ~Tb() { top_->final(); }
  Tb(const Tb&) = delete;
  Tb& operator=(const Tb&) = delete;

  Top& top() { return *top_; }

  // Runs before every clock edge (after the AXI inputs are driven): a test's
  // per-cycle hardware stimulus.
  std::function<void()> on_cycle;

  // One clock cycle. Records the CTRL.START pulses seen after each edge.
  void tick() {
    if (on_cycle) on_cycle();
    top_->clk_i = 0;
    top_->eval();
    if (top_->reg_req_o) grants.push_back(top_->reg_we_o ? 'W' : 'R');
    top_->clk_i = 1;
    top_->eval();
    ctx_->timeInc(1);
    if (top_->ctrl_start_qe_o) {
      ++start_pulses;
      start_values.push_back(top_->ctrl_start_o);
      if (last_qe_) ++start_pulse_repeats;  // high two cycles in a row
    }
    last_qe_ = top_->ctrl_start_qe_o;
    top_->clk_i = 0;
    top_->eval();
    ctx_->timeInc(1);
  }

  void reset() {
    top_->rst_ni = 0;
    top_->clk_i = 0;
    top_->intr_state_done_set_i = 0;
    top_->intr_state_error_set_i = 0;
    HwInputs{}.apply(*top_);
    axi.reset();
    top_->eval();
    tick();
    tick();
    top_->rst_ni = 1;
    tick();
    grants.clear();
    start_pulses = 0;
    start_pulse_repeats = 0;
    start_values.clear();
  }

  // Reads every register and compares with the model.
  void check_all(const RegFileModel& model) {
    for (const regs::RegisterDesc& r : tr::kRegisters) {
      INFO("register " << r.name);
      const AxilReadResult got = axi.read(r.offset);
      const AxilReadResult want = model.read(r.offset);
      CHECK(got.resp == AxilResp::kOkay);
      CHECK(got.data == want.data);
    }
  }

  // The rw and w1c hardware outputs equal the stored values.
  void check_hw_outputs(const RegFileModel& m) {
    const std::uint32_t cfg = m.stored(tr::CMD_CFG_OFFSET);
    CHECK(top_->cmd_cfg_dtype_a_o == GET(CMD_CFG_DTYPE_A, cfg));
    CHECK(top_->cmd_cfg_dtype_w_o == GET(CMD_CFG_DTYPE_W, cfg));
    CHECK(top_->cmd_cfg_load_w_o == GET(CMD_CFG_LOAD_W, cfg));
    CHECK(top_->cmd_cfg_accumulate_o == GET(CMD_CFG_ACCUMULATE, cfg));
    CHECK(top_->cmd_cfg_emit_o == GET(CMD_CFG_EMIT, cfg));
    CHECK(top_->cmd_cfg_irq_o == GET(CMD_CFG_IRQ, cfg));
    const std::uint32_t shape = m.stored(tr::CMD_SHAPE_OFFSET);
    CHECK(top_->cmd_shape_m_rows_o == GET(CMD_SHAPE_M_ROWS, shape));
    CHECK(top_->cmd_shape_k_rows_o == GET(CMD_SHAPE_K_ROWS, shape));
    CHECK(top_->cmd_psum_addr_o == GET(CMD_PSUM_ADDR, m.stored(tr::CMD_PSUM_OFFSET)));
    const std::uint32_t ie = m.stored(tr::INTR_ENABLE_OFFSET);
    CHECK(top_->intr_enable_done_o == GET(INTR_ENABLE_DONE, ie));
    CHECK(top_->intr_enable_error_o == GET(INTR_ENABLE_ERROR, ie));
    const std::uint32_t is = m.stored(tr::INTR_STATE_OFFSET);
    CHECK(top_->intr_state_done_o == GET(INTR_STATE_DONE, is));
    CHECK(top_->intr_state_error_o == GET(INTR_STATE_ERROR, is));
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;
  bool last_qe_ = false;

 public:
  AxilMaster<Top> axi;
  std::vector<char> grants;  // register-bus accesses in order: 'W' or 'R'
  int start_pulses = 0;
  int start_pulse_repeats = 0;
  std::vector<int> start_values;
};

}  // namespace

TEST_CASE("reset values match the generated table", "[csr]") {
  Tb tb;
  RegFileModel model;
  // With the hardware inputs at 0 every register reads its table reset value.
  for (const regs::RegisterDesc& r : tr::kRegisters) {
    INFO("register " << r.name);
    const AxilReadResult got = tb.axi.read(r.offset);
    CHECK(got.resp == AxilResp::kOkay);
    CHECK(got.data == r.reset);
  }
  CHECK(tr::ID_RESET == (FIELD(ID_MAGIC, 0x7E45) | FIELD(ID_VERSION, 1)));
  tb.check_hw_outputs(model);
  CHECK(tb.top().ctrl_start_o == tr::CTRL_START_RESET);
  CHECK(tb.top().ctrl_start_qe_o == 0);
}

TEST_CASE("rw fields: write, read back, byte strobes", "[csr]") {
  Tb tb;
  RegFileModel model;
  std::mt19937_64 rng(test_seed());
  INFO("seed " << test_seed());
  for (const regs::RegisterDesc& r : tr::kRegisters) {
    if (r.rw_mask == 0) continue;
    INFO("register " << r.name);
    for (std::uint8_t strb = 0; strb <= 0xF; ++strb) {
      const auto data = static_cast<std::uint32_t>(rng());
      INFO("data 0x" << std::hex << data << " strb 0x" << int(strb));
      CHECK(tb.axi.write(r.offset, data, strb) == AxilResp::kOkay);
      model.write(r.offset, data, strb);
      const AxilReadResult got = tb.axi.read(r.offset);
      CHECK(got.resp == AxilResp::kOkay);
      CHECK(got.data == model.read(r.offset).data);
      tb.check_hw_outputs(model);
    }
  }
  // A full write of all ones and all zeros.
  CHECK(tb.axi.write(tr::CMD_SHAPE_OFFSET, 0xFFFFFFFFu) == AxilResp::kOkay);
  CHECK(tb.axi.read(tr::CMD_SHAPE_OFFSET).data ==
        (FIELD(CMD_SHAPE_M_ROWS, 0xFFFF) | FIELD(CMD_SHAPE_K_ROWS, 0x3FF)));
  CHECK(tb.top().cmd_shape_k_rows_o == 0x3FF);
  CHECK(tb.axi.write(tr::CMD_SHAPE_OFFSET, 0) == AxilResp::kOkay);
  CHECK(tb.axi.read(tr::CMD_SHAPE_OFFSET).data == 0);
  // Only byte 2 (K_ROWS[7:0]); K_ROWS[9:8] sits in byte 3 and keeps its value.
  CHECK(tb.axi.write(tr::CMD_SHAPE_OFFSET, 0xFFFFFFFFu, 0x4) == AxilResp::kOkay);
  CHECK(tb.top().cmd_shape_k_rows_o == 0xFF);
  CHECK(tb.top().cmd_shape_m_rows_o == 0);
}

TEST_CASE("ro fields read the hardware inputs, writes to them change nothing", "[csr]") {
  Tb tb;
  RegFileModel model;
  std::mt19937_64 rng(test_seed());
  INFO("seed " << test_seed());
  for (int round = 0; round < 4; ++round) {
    const HwInputs in = HwInputs::random(rng);
    in.apply(tb.top());
    in.load(model);
    tb.check_all(model);
  }
  // Writes to read-only registers are accepted (OKAY) and ignored.
  for (const regs::RegisterDesc& r : tr::kRegisters) {
    if (r.write_mask() != 0) continue;
    INFO("register " << r.name);
    CHECK(tb.axi.write(r.offset, 0xFFFFFFFFu) == AxilResp::kOkay);
  }
  tb.check_all(model);
  CHECK(tb.axi.read(tr::ID_OFFSET).data == tr::ID_RESET);
}

TEST_CASE("wo CTRL.START: one-cycle pulse with the value, reads 0, strobes", "[csr]") {
  Tb tb;
  CHECK(tb.axi.write(tr::CTRL_OFFSET, FIELD(CTRL_START, 1)) == AxilResp::kOkay);
  for (int i = 0; i < 4; ++i) tb.tick();
  CHECK(tb.start_pulses == 1);
  CHECK(tb.start_pulse_repeats == 0);
  REQUIRE(tb.start_values.size() == 1);
  CHECK(tb.start_values[0] == 1);
  CHECK(tb.axi.read(tr::CTRL_OFFSET).data == 0);

  // Writing 0 pulses too (the value goes with the pulse).
  CHECK(tb.axi.write(tr::CTRL_OFFSET, 0) == AxilResp::kOkay);
  for (int i = 0; i < 4; ++i) tb.tick();
  CHECK(tb.start_pulses == 2);
  CHECK(tb.start_values.back() == 0);

  // Byte 0 not strobed: no pulse.
  CHECK(tb.axi.write(tr::CTRL_OFFSET, 0xFFFFFFFFu, 0xE) == AxilResp::kOkay);
  for (int i = 0; i < 4; ++i) tb.tick();
  CHECK(tb.start_pulses == 2);

  // Back-to-back writes give one pulse each.
  for (int i = 0; i < 3; ++i) {
    CHECK(tb.axi.write(tr::CTRL_OFFSET, 1) == AxilResp::kOkay);
  }
  for (int i = 0; i < 4; ++i) tb.tick();
  CHECK(tb.start_pulses == 5);
  CHECK(tb.start_pulse_repeats == 0);
}

TEST_CASE("w1c INTR_STATE: hardware sets, software clears, set wins", "[csr]") {
  Tb tb;
  Top& top = tb.top();
  const std::uint32_t done = FIELD(INTR_STATE_DONE, 1);
  const std::uint32_t error = FIELD(INTR_STATE_ERROR, 1);
  auto state = [&] { return tb.axi.read(tr::INTR_STATE_OFFSET).data; };

  // A one-cycle set.
  top.intr_state_done_set_i = 1;
  tb.tick();
  top.intr_state_done_set_i = 0;
  tb.tick();
  CHECK(state() == done);
  CHECK(top.intr_state_done_o == 1);
  CHECK(top.intr_state_error_o == 0);
  top.intr_state_error_set_i = 1;
  tb.tick();
  top.intr_state_error_set_i = 0;
  CHECK(state() == (done | error));

  // Writing 0 changes nothing; writing 1 clears only that bit.
  CHECK(tb.axi.write(tr::INTR_STATE_OFFSET, 0) == AxilResp::kOkay);
  CHECK(state() == (done | error));
  CHECK(tb.axi.write(tr::INTR_STATE_OFFSET, done) == AxilResp::kOkay);
  CHECK(state() == error);
  CHECK(top.intr_state_done_o == 0);
  // Byte 0 not strobed: no clear.
  CHECK(tb.axi.write(tr::INTR_STATE_OFFSET, 0xFFFFFFFFu, 0xE) == AxilResp::kOkay);
  CHECK(state() == error);
  CHECK(tb.axi.write(tr::INTR_STATE_OFFSET, 0xFFFFFFFFu) == AxilResp::kOkay);
  CHECK(state() == 0);

  // A set in the very cycle of the clearing write wins.
  tb.on_cycle = [&] {
    const bool clearing = top.reg_req_o && top.reg_we_o && top.reg_addr_o == tr::INTR_STATE_OFFSET;
    top.intr_state_done_set_i = clearing ? 1 : 0;
  };
  CHECK(tb.axi.write(tr::INTR_STATE_OFFSET, done | error) == AxilResp::kOkay);
  tb.on_cycle = nullptr;
  top.intr_state_done_set_i = 0;
  CHECK(state() == done);
  // A level set holds the bit against clears.
  top.intr_state_error_set_i = 1;
  CHECK(tb.axi.write(tr::INTR_STATE_OFFSET, error) == AxilResp::kOkay);
  CHECK(state() == (done | error));
  top.intr_state_error_set_i = 0;
  CHECK(tb.axi.write(tr::INTR_STATE_OFFSET, done | error) == AxilResp::kOkay);
  CHECK(state() == 0);
}

TEST_CASE("unmapped and misaligned accesses: SLVERR, no side effect", "[csr]") {
  Tb tb;
  RegFileModel model;
  std::mt19937_64 rng(test_seed());
  INFO("seed " << test_seed());
  const HwInputs in = HwInputs::random(rng);
  in.apply(tb.top());
  in.load(model);
  // Make every writable register non-trivial first.
  for (const regs::RegisterDesc& r : tr::kRegisters) {
    if (r.rw_mask == 0) continue;
    const auto data = static_cast<std::uint32_t>(rng());
    CHECK(tb.axi.write(r.offset, data) == AxilResp::kOkay);
    model.write(r.offset, data, 0xF);
  }
  tb.top().intr_state_done_set_i = 1;
  tb.tick();
  tb.top().intr_state_done_set_i = 0;
  model.hw_set(tr::INTR_STATE_OFFSET, FIELD(INTR_STATE_DONE, 1));
  tb.check_all(model);
  const int pulses = tb.start_pulses;

  for (std::uint32_t addr = 0; addr < (1u << tr::ADDR_BITS); ++addr) {
    if (tr::find_register(addr) != nullptr) continue;
    INFO("address 0x" << std::hex << addr);
    CHECK(tb.axi.write(addr, 0xFFFFFFFFu) == AxilResp::kSlvErr);
    const AxilReadResult r = tb.axi.read(addr);
    CHECK(r.resp == AxilResp::kSlvErr);
    CHECK(r.data == 0);
  }
  for (int i = 0; i < 4; ++i) tb.tick();
  CHECK(tb.start_pulses == pulses);  // CTRL+1..3 did not pulse START
  tb.check_all(model);
  tb.check_hw_outputs(model);
}

TEST_CASE("AW and W in either order or together", "[csr]") {
  Tb tb;
  for (int skew : {0, 1, 3, 7, -1, -3, -7}) {
    INFO("W presented " << skew << " cycles after AW");
    tb.axi.set_write_skew(skew);
    const std::uint32_t data = 0x1000u * static_cast<std::uint32_t>(skew + 8) + 0x2A;
    CHECK(tb.axi.write(tr::CMD_PSUM_OFFSET, data) == AxilResp::kOkay);
    CHECK(tb.axi.read(tr::CMD_PSUM_OFFSET).data == (data & tr::CMD_PSUM_ADDR_MASK));
    CHECK(tb.axi.write(0x80, data) == AxilResp::kSlvErr);
  }
}

TEST_CASE("back-pressure on B and R holds the responses", "[csr]") {
  Tb tb;
  tb.axi.set_response_delay(6);  // the master checks B/R stay stable while held
  CHECK(tb.axi.write(tr::CMD_SHAPE_OFFSET, 0x00120034u) == AxilResp::kOkay);
  CHECK(tb.axi.write(0x84, 1) == AxilResp::kSlvErr);
  const AxilReadResult r = tb.axi.read(tr::CMD_SHAPE_OFFSET);
  CHECK(r.resp == AxilResp::kOkay);
  CHECK(r.data == 0x00120034u);
  CHECK(tb.axi.read(0x85).resp == AxilResp::kSlvErr);
  CHECK(tb.axi.max_b_wait() >= 6);
  CHECK(tb.axi.max_r_wait() >= 6);

  // While B is held, a second write is buffered but not performed.
  tb.axi.set_response_delay(10);
  const auto t1 = tb.axi.post_write(tr::CMD_PSUM_OFFSET, 0x1111);
  const auto t2 = tb.axi.post_write(tr::CMD_PSUM_OFFSET, 0x2222);
  for (int i = 0; i < 6; ++i) tb.axi.step();
  CHECK(tb.top().cmd_psum_addr_o == 0x1111);
  tb.axi.drain();
  CHECK(tb.axi.write_result(t1) == AxilResp::kOkay);
  CHECK(tb.axi.write_result(t2) == AxilResp::kOkay);
  CHECK(tb.top().cmd_psum_addr_o == 0x2222);
}

TEST_CASE("a read and a write ready together take turns", "[csr]") {
  Tb tb;
  // Each round presents a write and a read in the same cycle, so both reach
  // the adapter's arbiter together: the winner must alternate, starting with
  // the write.
  std::string first;
  for (int round = 0; round < 6; ++round) {
    tb.grants.clear();
    const auto w = tb.axi.post_write(tr::CMD_PSUM_OFFSET, static_cast<std::uint32_t>(round));
    const auto r = tb.axi.post_read(tr::CMD_PSUM_OFFSET);
    tb.axi.drain();
    REQUIRE(tb.grants.size() == 2);
    first += tb.grants[0];
    CHECK(tb.axi.write_result(w) == AxilResp::kOkay);
    // The read sees the write if the write went first.
    const std::uint32_t before = round == 0 ? 0u : static_cast<std::uint32_t>(round - 1);
    CHECK(tb.axi.read_result(r)->data ==
          (tb.grants[0] == 'W' ? static_cast<std::uint32_t>(round) : before));
  }
  CHECK(first == "WRWRWR");

  // Streams of both: everything completes.
  constexpr int kN = 8;
  std::vector<std::size_t> writes, reads;
  for (int i = 0; i < kN; ++i) {
    writes.push_back(tb.axi.post_write(tr::CMD_PSUM_OFFSET, static_cast<std::uint32_t>(i + 1)));
    reads.push_back(tb.axi.post_read(tr::ID_OFFSET));
  }
  tb.axi.drain();
  for (int i = 0; i < kN; ++i) {
    CHECK(tb.axi.write_result(writes[i]) == AxilResp::kOkay);
    REQUIRE(tb.axi.read_result(reads[i]).has_value());
    CHECK(tb.axi.read_result(reads[i])->data == tr::ID_RESET);
  }
  CHECK(tb.top().cmd_psum_addr_o == kN);
}

TEST_CASE("random traffic matches the table-driven model", "[csr]") {
  const std::uint64_t seed = test_seed();
  INFO("seed " << seed << " (set TRNSIM_SEED to change)");
  Tb tb;
  RegFileModel model;
  std::mt19937_64 rng(seed);
  tb.axi.set_random_delays(seed, 4);
  const HwInputs in = HwInputs::random(rng);
  in.apply(tb.top());
  in.load(model);
  int expected_pulses = 0;

  for (int op = 0; op < 600; ++op) {
    std::uint32_t addr;
    const unsigned kind = rng() % 10;
    if (kind < 7) {
      addr = tr::kRegisters[rng() % tr::NUM_REGS].offset;
    } else if (kind < 9) {
      addr = static_cast<std::uint32_t>(rng()) & ((1u << tr::ADDR_BITS) - 1);
    } else {
      addr = tr::kRegisters[rng() % tr::NUM_REGS].offset + 1 + rng() % 3;
    }
    INFO("op " << op << " address 0x" << std::hex << addr);
    if (rng() % 2) {
      const auto data = static_cast<std::uint32_t>(rng());
      const auto strb = static_cast<std::uint8_t>(rng() % 16);
      CHECK(tb.axi.write(addr, data, strb) == model.write(addr, data, strb));
      if (addr == tr::CTRL_OFFSET && (strb & 1)) ++expected_pulses;
    } else {
      const AxilReadResult want = model.read(addr);
      const AxilReadResult got = tb.axi.read(addr);
      CHECK(got.resp == want.resp);
      CHECK(got.data == want.data);
    }
    if (rng() % 8 == 0) {  // a hardware interrupt event between accesses
      const auto bits = static_cast<std::uint32_t>(rng()) & tr::find_register(tr::INTR_STATE_OFFSET)->w1c_mask;
      tb.top().intr_state_done_set_i = GET(INTR_STATE_DONE, bits);
      tb.top().intr_state_error_set_i = GET(INTR_STATE_ERROR, bits);
      tb.tick();
      tb.top().intr_state_done_set_i = 0;
      tb.top().intr_state_error_set_i = 0;
      model.hw_set(tr::INTR_STATE_OFFSET, bits);
    }
  }
  for (int i = 0; i < 4; ++i) tb.tick();
  CHECK(tb.start_pulses == expected_pulses);
  tb.check_all(model);
  tb.check_hw_outputs(model);
}

TEST_CASE("the master times out instead of hanging", "[csr]") {
  Tb tb;
  tb.top().rst_ni = 0;  // held in reset, the slave never answers
  tb.axi.set_timeout_cycles(50);
  CHECK_THROWS_AS(tb.axi.write(tr::CMD_PSUM_OFFSET, 1), trnsim::tb::AxilError);
  CHECK_THROWS_AS(tb.axi.read(tr::CMD_PSUM_OFFSET), trnsim::tb::AxilError);
  tb.reset();
  CHECK(tb.axi.write(tr::CMD_PSUM_OFFSET, 7) == AxilResp::kOkay);
  CHECK(tb.axi.read(tr::CMD_PSUM_OFFSET).data == 7);
}
