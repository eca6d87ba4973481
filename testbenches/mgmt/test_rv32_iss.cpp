// Rv32Iss unit tests with hand-encoded instructions (docs/mgmt.md). Each
// program is placed at 0x80000000 in a small RAM; an MMIO bus stub answers
// 0x10000000..0x10000fff and records writes, everything else is a bus error.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "mgmt/rv32_iss.h"

using namespace trnsim::mgmt;

namespace {

constexpr uint32_t kBase = 0x80000000u;
constexpr uint32_t kData = kBase + 0x1000;  // a data area in the same RAM

// Encoders for the base formats (checked against GNU as in the compressed test).
uint32_t r_type(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
uint32_t i_type(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op) {
  return ((static_cast<uint32_t>(imm) & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
uint32_t s_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 31) << 7) | 0x23;
}
uint32_t b_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) |
         (f3 << 12) | (((u >> 1) & 0xF) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
uint32_t jal(uint32_t rd, int32_t imm) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3FF) << 21) | (((u >> 11) & 1) << 20) |
         (((u >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F;
}
uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
uint32_t lui(uint32_t rd, uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
uint32_t op(uint32_t f7, uint32_t f3, uint32_t rd, uint32_t rs1, uint32_t rs2) {
  return r_type(f7, rs2, rs1, f3, rd, 0x33);
}
uint32_t csr_op(uint32_t f3, uint32_t rd, uint32_t csr, uint32_t rs1) {
  return (csr << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x73;
}
uint32_t amo(uint32_t f5, uint32_t rd, uint32_t rs1, uint32_t rs2) {
  return r_type(f5 << 2, rs2, rs1, 2, rd, 0x2F);
}
constexpr uint32_t kEcall = 0x00000073, kEbreak = 0x00100073, kMret = 0x30200073,
                   kWfi = 0x10500073, kNop = 0x00000013;

struct MmioBus : Rv32Bus {
  std::vector<std::pair<uint32_t, uint32_t>> writes;
  std::function<void(uint32_t, uint32_t)> on_write;  // a device's side effect
  BusResult read(uint32_t addr, unsigned, uint32_t& data) override {
    data = 0xA5A5A5A5u;
    return addr - 0x10000000u < 0x1000 ? BusResult::kOk : BusResult::kError;
  }
  BusResult write(uint32_t addr, unsigned, uint32_t data) override {
    if (addr - 0x10000000u >= 0x1000) return BusResult::kError;
    writes.emplace_back(addr, data);
    if (on_write) on_write(addr, data);
    return BusResult::kOk;
  }
};

struct Fixture {
  MmioBus bus;
  std::vector<uint8_t> ram = std::vector<uint8_t>(64 * 1024, 0);
  Rv32Iss core{bus};
  Fixture() {
    core.add_ram(kBase, static_cast<uint32_t>(ram.size()), ram.data());
    core.reset(kBase);
  }
  void load(const std::vector<uint32_t>& words, uint32_t at = kBase) {
    std::memcpy(ram.data() + (at - kBase), words.data(), words.size() * 4);
  }
  void load16(const std::vector<uint16_t>& halves, uint32_t at = kBase) {
    std::memcpy(ram.data() + (at - kBase), halves.data(), halves.size() * 2);
  }
  uint32_t csr(uint16_t n) const {
    uint32_t v = 0;
    REQUIRE(core.read_csr(n, v));
    return v;
  }
  uint32_t word(uint32_t addr) const {
    uint32_t v;
    std::memcpy(&v, ram.data() + (addr - kBase), 4);
    return v;
  }
  // Runs n instructions, which must all retire.
  void exec(uint64_t n) {
    const auto r = core.run(n);
    REQUIRE(r.reason == StopReason::kLimit);
  }
};

}  // namespace

TEST_CASE("RV32I arithmetic, logic and x0", "[iss]") {
  Fixture f;
  f.load({addi(1, 0, -5), addi(2, 0, 3), op(0, 0, 3, 1, 2), op(0x20, 0, 4, 1, 2),
          op(0, 2, 5, 1, 2), op(0, 3, 6, 1, 2), op(0, 1, 7, 2, 2), op(0x20, 5, 8, 1, 2),
          op(0, 5, 9, 1, 2), addi(0, 0, 7), lui(10, 0xABCDE), i_type(0x765, 10, 4, 11, 0x13),
          0x00000617 /* auipc x12, 0 */, i_type(-1, 1, 3, 13, 0x13) /* sltiu x13 = (-5 < 0xfff..f) */});
  f.exec(14);
  CHECK(f.core.reg(3) == static_cast<uint32_t>(-2));
  CHECK(f.core.reg(4) == static_cast<uint32_t>(-8));
  CHECK(f.core.reg(5) == 1);  // slt -5 < 3
  CHECK(f.core.reg(6) == 0);  // sltu 0xfffffffb < 3 is false
  CHECK(f.core.reg(7) == 24);
  CHECK(f.core.reg(8) == static_cast<uint32_t>(-1));  // sra -5 >> 3
  CHECK(f.core.reg(9) == 0x1FFFFFFFu);                 // srl
  CHECK(f.core.reg(0) == 0);
  CHECK(f.core.reg(11) == (0xABCDE000u ^ 0x765u));
  CHECK(f.core.reg(12) == kBase + 48);
  CHECK(f.core.reg(13) == 1);
  CHECK(f.core.instret() == 14);
}

TEST_CASE("M extension including division by zero and overflow", "[iss]") {
  Fixture f;
  struct Case { uint32_t f3, a, b, want; };
  const Case cases[] = {
      {0, 0xFFFFFFFFu, 0xFFFFFFFFu, 1},           // mul
      {1, 0x80000000u, 0x80000000u, 0x40000000u},  // mulh
      {1, 0xFFFFFFFFu, 0x00000002u, 0xFFFFFFFFu},  // mulh -1*2
      {2, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu},  // mulhsu -1 * (2^32-1)
      {3, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFEu},  // mulhu
      {4, static_cast<uint32_t>(-7), 2, static_cast<uint32_t>(-3)},
      {4, 5, 0, 0xFFFFFFFFu},                      // div by zero -> -1
      {4, 0x80000000u, 0xFFFFFFFFu, 0x80000000u},  // overflow -> INT_MIN
      {5, 5, 0, 0xFFFFFFFFu},                      // divu by zero -> all ones
      {5, 0xFFFFFFF0u, 3, 0x55555550u},
      {6, static_cast<uint32_t>(-7), 2, static_cast<uint32_t>(-1)},
      {6, 5, 0, 5},                                // rem by zero -> dividend
      {6, 0x80000000u, 0xFFFFFFFFu, 0},            // overflow -> 0
      {7, 7, 0, 7},                                // remu by zero -> dividend
      {7, 0xFFFFFFF0u, 7, 0xFFFFFFF0u % 7},
  };
  for (const Case& c : cases) {
    f.core.reset(kBase);
    f.load({op(1, c.f3, 3, 1, 2)});
    f.core.set_reg(1, c.a);
    f.core.set_reg(2, c.b);
    f.exec(1);
    INFO("funct3 " << c.f3 << " a " << c.a << " b " << c.b);
    CHECK(f.core.reg(3) == c.want);
  }
}

TEST_CASE("loads and stores of every width, with sign extension", "[iss]") {
  Fixture f;
  f.core.set_reg(1, kData);
  f.core.set_reg(2, 0x8899AABBu);
  f.load({s_type(0, 2, 1, 2), s_type(4, 2, 1, 1), s_type(8, 2, 1, 0),
          i_type(0, 1, 0, 3, 0x03), i_type(0, 1, 4, 4, 0x03), i_type(2, 1, 1, 5, 0x03),
          i_type(2, 1, 5, 6, 0x03), i_type(0, 1, 2, 7, 0x03), i_type(4, 1, 2, 8, 0x03),
          i_type(8, 1, 2, 9, 0x03), i_type(-4, 1, 2, 10, 0x03)});
  f.exec(11);
  CHECK(f.word(kData) == 0x8899AABBu);
  CHECK(f.word(kData + 4) == 0x0000AABBu);
  CHECK(f.word(kData + 8) == 0x000000BBu);
  CHECK(f.core.reg(3) == 0xFFFFFFBBu);  // lb
  CHECK(f.core.reg(4) == 0xBBu);        // lbu
  CHECK(f.core.reg(5) == 0xFFFF8899u);  // lh
  CHECK(f.core.reg(6) == 0x8899u);      // lhu
  CHECK(f.core.reg(7) == 0x8899AABBu);
  CHECK(f.core.reg(8) == 0xAABBu);
  CHECK(f.core.reg(9) == 0xBBu);
  CHECK(f.core.reg(10) == 0);
}

TEST_CASE("loads and stores through the bus outside RAM", "[iss]") {
  Fixture f;
  f.core.set_reg(1, 0x10000000u);
  f.core.set_reg(2, 0x1234);
  f.load({s_type(8, 2, 1, 1), i_type(0, 1, 0, 3, 0x03)});
  f.exec(2);
  REQUIRE(f.bus.writes.size() == 1);
  CHECK(f.bus.writes[0].first == 0x10000008u);
  CHECK(f.bus.writes[0].second == 0x1234u);
  CHECK(f.core.reg(3) == 0xFFFFFFA5u);  // lb of 0xa5, sign-extended
}

TEST_CASE("branches and jumps", "[iss]") {
  Fixture f;
  f.core.set_reg(1, static_cast<uint32_t>(-1));
  f.core.set_reg(2, 1);
  SECTION("each branch condition") {
    struct Case { uint32_t f3; bool taken; };
    // x1 = -1, x2 = 1: beq bne blt bge bltu bgeu
    const Case cases[] = {{0, false}, {1, true}, {4, true}, {5, false}, {6, false}, {7, true}};
    for (const Case& c : cases) {
      f.core.set_pc(kBase);
      f.load({b_type(-8 + 16, 2, 1, c.f3)});
      f.exec(1);
      INFO("funct3 " << c.f3);
      CHECK(f.core.pc() == (c.taken ? kBase + 8 : kBase + 4));
    }
  }
  SECTION("jal and jalr link and land") {
    f.load({jal(5, 12), kNop, kNop, i_type(-11, 5, 0, 6, 0x67)});  // jalr x6, -11(x5): bit 0 cleared
    f.exec(1);
    CHECK(f.core.reg(5) == kBase + 4);
    CHECK(f.core.pc() == kBase + 12);
    f.exec(1);
    CHECK(f.core.reg(6) == kBase + 16);
    CHECK(f.core.pc() == kBase - 8);
  }
  SECTION("backward branch loop counts down") {
    f.core.set_reg(3, 10);
    f.load({addi(3, 3, -1), b_type(-4, 0, 3, 1)});
    f.exec(20);
    CHECK(f.core.reg(3) == 0);
    CHECK(f.core.pc() == kBase + 8);
  }
}

TEST_CASE("compressed instructions expand to their 32-bit forms", "[iss]") {
  // 16-bit words and 32-bit expansions both from GNU as (rv32imac).
  CHECK(rv32_expand_compressed(0x41C8) == 0x0045A503u);  // c.lw a0,4(a1)
  CHECK(rv32_expand_compressed(0xC606) == 0x00112623u);  // c.swsp ra,12(sp)
  CHECK(rv32_expand_compressed(0x0028) == 0x00810513u);  // c.addi4spn a0,sp,8
  CHECK(rv32_expand_compressed(0xC509) == 0x00050563u);  // c.beqz a0,+10
  CHECK(rv32_expand_compressed(0x3FF5) == 0xFFDFF0EFu);  // c.jal -4
  CHECK(rv32_expand_compressed(0x858D) == 0x4035D593u);  // c.srai a1,3
  CHECK(rv32_expand_compressed(0x67FD) == 0x0001F7B7u);  // c.lui a5,0x1f
  CHECK(rv32_expand_compressed(0x9002) == kEbreak);      // c.ebreak
  CHECK(rv32_expand_compressed(0x0000) == 0);            // defined illegal
  CHECK(rv32_expand_compressed(0x2000) == 0);            // c.fld: no FPU
  CHECK(rv32_expand_compressed(0x9C21) == 0);            // c.subw: RV64 only
}

TEST_CASE("compressed instructions execute with 2-byte pc steps", "[iss]") {
  Fixture f;
  f.core.set_reg(11, kData);
  // c.li a0,-5; c.addi a0,7; c.sw a0,4(a1); c.lw a3,4(a1); c.mv a2,a0; c.add a2,a0;
  // then a 32-bit addi at pc % 4 == 2.
  f.load16({0x556D, 0x051D, 0xC1C8, 0x41D4, 0x862A, 0x962A});
  f.load({addi(13, 0, 99)}, kBase + 12);
  f.exec(7);
  CHECK(f.core.reg(10) == 2);
  CHECK(f.word(kData + 4) == 2);  // c.sw a0,4(a1)
  CHECK(f.core.reg(13) == 99);    // the 32-bit addi (after c.lw a3 loaded 2)
  CHECK(f.core.reg(12) == 4);
  CHECK(f.core.pc() == kBase + 16);
}

TEST_CASE("CSR instructions and counters", "[iss]") {
  Fixture f;
  f.core.set_reg(1, 0x12345678u);
  f.load({csr_op(1, 2, csr::kMscratch, 1),   // csrrw x2, mscratch, x1
          csr_op(2, 3, csr::kMscratch, 0),   // csrr  x3, mscratch (no write)
          csr_op(7, 4, csr::kMscratch, 8),   // csrrci x4, mscratch, 8
          csr_op(6, 0, csr::kMie, 31),       // csrsi mie, 31: only MSIE (bit 3) sticks
          csr_op(2, 5, csr::kMisa, 0), csr_op(2, 6, csr::kMhartid, 0),
          csr_op(1, 0, csr::kMinstret, 0),   // csrw minstret, 0
          csr_op(2, 7, csr::kMinstret, 0),   // reads 1? no: the write retires nothing
          csr_op(2, 8, csr::kMtvec, 0)});
  f.exec(9);
  CHECK(f.core.reg(2) == 0);
  CHECK(f.core.reg(3) == 0x12345678u);
  CHECK(f.core.reg(4) == 0x12345678u);
  CHECK(f.csr(csr::kMscratch) == 0x12345670u);
  CHECK(f.csr(csr::kMie) == csr::kMsip);
  CHECK(f.core.reg(5) == 0x40001105u);  // RV32 IMAC
  CHECK(f.core.reg(6) == 0);
  CHECK(f.core.reg(7) == 0);  // the csrw retired nothing extra
  CHECK(f.core.instret() == 2);
  CHECK(f.core.cycles() == 9);
}

TEST_CASE("illegal instructions trap with mcause 2 and the bits in mtval", "[iss]") {
  Fixture f;
  const uint32_t handler = kBase + 0x100;
  f.core.write_csr(csr::kMtvec, handler);
  SECTION("unknown opcode") {
    f.load({0xFFFFFFFFu});
    f.core.step();
    CHECK(f.csr(csr::kMcause) == cause::kIllegal);
    CHECK(f.csr(csr::kMtval) == 0xFFFFFFFFu);
    CHECK(f.csr(csr::kMepc) == kBase);
    CHECK(f.core.pc() == handler);
    CHECK(f.core.instret() == 0);
  }
  SECTION("write to a read-only CSR") {
    f.load({csr_op(1, 0, csr::kMhartid, 1)});
    f.core.step();
    CHECK(f.csr(csr::kMcause) == cause::kIllegal);
    CHECK(f.csr(csr::kMtval) == csr_op(1, 0, csr::kMhartid, 1));
  }
  SECTION("an absent CSR (satp)") {
    f.load({csr_op(2, 1, 0x180, 0)});
    f.core.step();
    CHECK(f.csr(csr::kMcause) == cause::kIllegal);
  }
  SECTION("16-bit illegal: mtval holds 16 bits") {
    f.load16({0x0000});
    f.core.step();
    CHECK(f.csr(csr::kMcause) == cause::kIllegal);
    CHECK(f.csr(csr::kMtval) == 0);
  }
}

TEST_CASE("ECALL, EBREAK, MRET and mstatus", "[iss]") {
  Fixture f;
  const uint32_t handler = kBase + 0x100;
  f.core.write_csr(csr::kMtvec, handler);
  f.core.write_csr(csr::kMstatus, csr::kMstatusMie);
  f.load({kEcall, kEbreak});
  f.load({kMret}, handler);
  f.core.step();
  CHECK(f.csr(csr::kMcause) == cause::kEcallM);
  CHECK(f.csr(csr::kMepc) == kBase);
  CHECK(f.csr(csr::kMstatus) == (csr::kMstatusMpie | csr::kMstatusMpp));
  f.core.write_csr(csr::kMepc, kBase + 4);
  f.core.step();  // mret
  CHECK(f.core.pc() == kBase + 4);
  CHECK(f.csr(csr::kMstatus) == (csr::kMstatusMie | csr::kMstatusMpie | csr::kMstatusMpp));
  f.core.step();  // ebreak
  CHECK(f.csr(csr::kMcause) == cause::kBreakpoint);
  CHECK(f.csr(csr::kMtval) == kBase + 4);
  SECTION("ebreak as a debugger breakpoint stops instead") {
    f.core.set_pc(kBase + 4);
    f.core.set_ebreak_stops(true);
    const auto r = f.core.run(10);
    CHECK(r.reason == StopReason::kEbreak);
    CHECK(f.core.pc() == kBase + 4);
  }
}

TEST_CASE("misaligned accesses trap, access faults come from the bus", "[iss]") {
  Fixture f;
  f.core.write_csr(csr::kMtvec, kBase + 0x100);
  f.core.set_reg(1, kData);
  struct Case { uint32_t insn, cause, tval; };
  const Case cases[] = {
      {i_type(1, 1, 2, 3, 0x03), cause::kLoadMisaligned, kData + 1},   // lw
      {i_type(3, 1, 1, 3, 0x03), cause::kLoadMisaligned, kData + 3},   // lh
      {s_type(2, 3, 1, 2), cause::kStoreMisaligned, kData + 2},        // sw
      {s_type(1, 3, 1, 1), cause::kStoreMisaligned, kData + 1},        // sh
      {i_type(-4, 0, 2, 3, 0x03), cause::kLoadAccess, 0xFFFFFFFCu},    // lw from unmapped
      {s_type(-8, 3, 0, 2), cause::kStoreAccess, 0xFFFFFFF8u},         // sw to unmapped
  };
  for (const Case& c : cases) {
    f.core.set_pc(kBase);
    f.load({c.insn});
    f.core.step();
    INFO("insn " << std::hex << c.insn);
    CHECK(f.csr(csr::kMcause) == c.cause);
    CHECK(f.csr(csr::kMtval) == c.tval);
    CHECK(f.csr(csr::kMepc) == kBase);
    CHECK(f.core.pc() == kBase + 0x100);
  }
  SECTION("fetch from unmapped memory: instruction access fault") {
    f.load({jal(0, 0x800)});  // to kBase + 0x800: inside RAM, fine
    f.core.set_pc(0x20000000u);
    f.core.step();
    CHECK(f.csr(csr::kMcause) == cause::kInsnAccess);
    CHECK(f.csr(csr::kMtval) == 0x20000000u);
  }
  SECTION("a handler that cannot be fetched is a double fault, not a loop") {
    f.core.write_csr(csr::kMtvec, 0x20000000u);
    f.load({0xFFFFFFFFu});
    f.core.set_pc(kBase);
    const auto r = f.core.run(100);
    CHECK(r.reason == StopReason::kDoubleFault);
    CHECK(f.csr(csr::kMcause) == cause::kIllegal);  // the first trap is kept
    CHECK(f.csr(csr::kMepc) == kBase);
  }
}

TEST_CASE("interrupts: mie/MIE gating, priority, vectored mtvec, WFI wake-up", "[iss]") {
  Fixture f;
  const uint32_t vec = kBase + 0x100;
  f.core.write_csr(csr::kMtvec, vec | 1);  // vectored
  f.load({kNop, kNop, kWfi, kNop, kNop});
  f.core.set_irq(Irq::kTimer, true);
  SECTION("pending but not enabled: nothing happens") {
    f.exec(2);
    CHECK(f.core.pc() == kBase + 8);
    f.core.write_csr(csr::kMie, csr::kMtip);
    f.exec(1);  // WFI: timer pending and enabled (though MIE=0) -> no-op
    CHECK(f.core.pc() == kBase + 12);
    CHECK_FALSE(f.core.in_wfi());
  }
  SECTION("enabled: taken before the next instruction, vectored") {
    f.core.write_csr(csr::kMie, csr::kMtip | csr::kMeip);
    f.core.write_csr(csr::kMstatus, csr::kMstatusMie);
    f.core.set_irq(Irq::kExternal, true);
    f.core.run(1);
    CHECK(f.csr(csr::kMcause) == (cause::kInterrupt | cause::kMei));  // external first
    CHECK(f.core.pc() == vec + 4 * cause::kMei);
    CHECK(f.csr(csr::kMepc) == kBase);
    CHECK((f.csr(csr::kMstatus) & csr::kMstatusMie) == 0);
    CHECK(f.core.instret() == 0);
  }
  SECTION("WFI sleeps until an enabled interrupt is pending") {
    f.core.set_irq(Irq::kTimer, false);
    f.core.write_csr(csr::kMie, csr::kMtip);
    f.core.write_csr(csr::kMstatus, csr::kMstatusMie);
    auto r = f.core.run(100);
    CHECK(r.reason == StopReason::kWfi);
    CHECK(r.executed == 3);
    CHECK(f.core.in_wfi());
    r = f.core.run(100);  // still nothing
    CHECK(r.reason == StopReason::kWfi);
    CHECK(r.executed == 0);
    f.core.set_irq(Irq::kTimer, true);
    f.core.run(1);
    CHECK(f.csr(csr::kMcause) == (cause::kInterrupt | cause::kMti));
    CHECK(f.csr(csr::kMepc) == kBase + 12);  // the instruction after WFI
    CHECK(f.core.pc() == vec + 4 * cause::kMti);
  }
  SECTION("WFI with MIE clear wakes and continues without trapping") {
    f.core.set_irq(Irq::kTimer, false);
    f.core.write_csr(csr::kMie, csr::kMtip);
    CHECK(f.core.run(100).reason == StopReason::kWfi);
    f.core.set_irq(Irq::kTimer, true);
    f.exec(1);
    CHECK(f.core.pc() == kBase + 16);
    CHECK(f.csr(csr::kMcause) == 0);
  }
}

TEST_CASE("LR/SC and AMOs", "[iss]") {
  Fixture f;
  f.core.set_reg(1, kData);
  f.core.set_reg(2, 5);
  std::memcpy(f.ram.data() + 0x1000, "\x0a\0\0\0", 4);
  SECTION("LR then SC succeeds once") {
    f.load({amo(2, 3, 1, 0), amo(3, 4, 1, 2), amo(3, 5, 1, 2)});
    f.exec(3);
    CHECK(f.core.reg(3) == 10);
    CHECK(f.core.reg(4) == 0);  // success
    CHECK(f.core.reg(5) == 1);  // reservation gone
    CHECK(f.word(kData) == 5);
  }
  SECTION("SC without reservation, or after invalidation, fails") {
    f.load({amo(2, 3, 1, 0), amo(3, 4, 1, 2)});
    f.exec(1);
    f.core.invalidate_reservation();
    f.exec(1);
    CHECK(f.core.reg(4) == 1);
    CHECK(f.word(kData) == 10);
  }
  SECTION("AMOs return the old value") {
    struct Case { uint32_t f5, operand, want; };
    const Case cases[] = {{0x00, 5, 15},  {0x01, 7, 7},  {0x04, 3, 9},  {0x0C, 6, 2},
                          {0x08, 5, 15},  {0x10, 0xFFFFFFFFu, 0xFFFFFFFFu},
                          {0x14, 0xFFFFFFFFu, 10}, {0x18, 0xFFFFFFFFu, 10},
                          {0x1C, 0xFFFFFFFFu, 0xFFFFFFFFu}};
    for (const Case& c : cases) {
      std::memcpy(f.ram.data() + 0x1000, "\x0a\0\0\0", 4);
      f.core.set_pc(kBase);
      f.core.set_reg(2, c.operand);
      f.load({amo(c.f5, 3, 1, 2)});
      f.exec(1);
      INFO("funct5 " << c.f5);
      CHECK(f.core.reg(3) == 10);
      CHECK(f.word(kData) == c.want);
    }
  }
  SECTION("misaligned AMO traps as a store") {
    f.core.write_csr(csr::kMtvec, kBase + 0x100);
    f.core.set_reg(1, kData + 2);
    f.load({amo(0, 3, 1, 2)});
    f.core.step();
    CHECK(f.csr(csr::kMcause) == cause::kStoreMisaligned);
  }
}

TEST_CASE("breakpoints, tohost, debugger access", "[iss]") {
  Fixture f;
  f.load({kNop, kNop, addi(1, 0, 1), s_type(0, 1, 2, 2), kNop});
  f.core.add_breakpoint(kBase + 8);
  auto r = f.core.run(100);
  CHECK(r.reason == StopReason::kBreakpoint);
  CHECK(r.executed == 2);
  CHECK(f.core.pc() == kBase + 8);
  f.core.set_reg(2, kData);
  f.core.set_tohost(kData);
  r = f.core.run(100);  // resumes past the breakpoint
  CHECK(r.reason == StopReason::kToHost);
  CHECK(f.core.tohost_value() == 1);
  CHECK(f.core.pc() == kBase + 16);
  uint32_t v = 0;
  CHECK(f.core.debug_read(kData, &v, 4));
  CHECK(v == 1);
  v = 0xDEADBEEF;
  CHECK(f.core.debug_write(kData + 8, &v, 4));
  CHECK(f.word(kData + 8) == 0xDEADBEEF);
  CHECK_FALSE(f.core.debug_read(0x30000000u, &v, 4));
  CHECK_FALSE(f.core.write_csr(0x180, 0));
}

TEST_CASE("watchpoints stop before the access and resume past it", "[iss]") {
  Fixture f;
  // x2 = kData; sw x1,0(x2); lw x3,4(x2); amoadd.w x4,x1,(x2); nop
  f.load({lui(2, kData >> 12), addi(1, 0, 7), s_type(0, 1, 2, 2), i_type(4, 2, 2, 3, 0x03),
          amo(0x00, 4, 2, 1), kNop, kNop});
  f.core.add_watchpoint(kData, 4, WatchKind::kWrite);
  auto r = f.core.run(100);
  CHECK(r.reason == StopReason::kWatchpoint);
  CHECK(r.executed == 2);
  CHECK(f.core.pc() == kBase + 8);  // at the store, not executed
  CHECK(f.word(kData) == 0);
  CHECK(f.core.watch_hit().kind == WatchKind::kWrite);
  CHECK(f.core.watch_hit().addr == kData);
  CHECK(f.csr(csr::kMcycle) == 2);  // the stopped slot cost no cycle
  // A read watchpoint on the next word: the store runs on, the load stops.
  f.core.add_watchpoint(kData + 6, 1, WatchKind::kRead);
  r = f.core.run(100);
  CHECK(r.reason == StopReason::kWatchpoint);
  CHECK(r.executed == 1);
  CHECK(f.word(kData) == 7);
  CHECK(f.core.pc() == kBase + 12);
  CHECK(f.core.watch_hit().kind == WatchKind::kRead);
  CHECK(f.core.watch_hit().addr == kData + 6);  // the watched byte inside the word read
  CHECK(f.core.reg(3) == 0);
  // The write watchpoint catches the AMO (a read and a write).
  r = f.core.run(100);
  CHECK(r.reason == StopReason::kWatchpoint);
  CHECK(f.core.pc() == kBase + 16);
  CHECK(f.core.watch_hit().kind == WatchKind::kWrite);
  CHECK(f.core.remove_watchpoint(kData, 4, WatchKind::kWrite));
  CHECK_FALSE(f.core.remove_watchpoint(kData, 4, WatchKind::kWrite));
  CHECK(f.core.remove_watchpoint(kData + 6, 1, WatchKind::kRead));
  r = f.core.run(2);
  CHECK(r.reason == StopReason::kLimit);
  CHECK(f.word(kData) == 14);
  CHECK(f.core.reg(4) == 7);
  // An access watchpoint sees a load; after it stops, set_pc back re-arms it.
  f.core.add_watchpoint(kData, 4, WatchKind::kAccess);
  f.core.set_pc(kBase + 12);
  r = f.core.run(100);
  CHECK(r.reason == StopReason::kWatchpoint);
  CHECK(f.core.watch_hit().kind == WatchKind::kAccess);
  CHECK(f.core.pc() == kBase + 16);  // lw of kData+4 does not touch kData; the AMO does
}

TEST_CASE("debugger access to a device goes by aligned words", "[iss]") {
  struct WordBus : Rv32Bus {
    std::vector<std::pair<uint32_t, unsigned>> dbg;
    BusResult read(uint32_t, unsigned, uint32_t& d) override {
      d = 0;
      return BusResult::kError;  // never used: debug access must not take the normal path
    }
    BusResult write(uint32_t, unsigned, uint32_t) override { return BusResult::kError; }
    BusResult debug_read(uint32_t a, unsigned size, uint32_t& d) override {
      dbg.emplace_back(a, size);
      if (size != 4 || a - 0x10001000u >= 0x1000) return BusResult::kError;
      d = 0x11223344u + (a & 0xFFF);
      return BusResult::kOk;
    }
  } bus;
  Rv32Iss core(bus);
  uint32_t w[2] = {};
  CHECK(core.debug_read(0x10001030u, w, 8));
  CHECK(w[0] == 0x11223374u);
  CHECK(w[1] == 0x11223378u);
  CHECK(bus.dbg.size() == 2);
  uint8_t b[2] = {};
  CHECK(core.debug_read(0x10001031u, b, 2));  // bytes of the word at 0x...30
  CHECK(b[0] == 0x33);
  CHECK(b[1] == 0x22);
  CHECK_FALSE(core.debug_read(0x30000000u, w, 4));
}

// --- Predecode cache (docs/mgmt.md "Predecode cache") ----------------------

namespace {

constexpr uint32_t kFenceI = 0x0000100F;
uint32_t c_addi(uint32_t rd, int32_t imm) {  // c.addi rd, imm (-32..31, not 0)
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 5) & 1) << 12) | (rd << 7) | ((u & 31) << 2) | 1;
}

struct Outcome {
  StopReason reason;
  uint32_t x5, pc;
  uint64_t instret, cycles;
};

// Executes the instruction at T (addi x5,x5,1), overwrites it with patch by
// a store (then FENCE.I or a NOP), and executes T again; ends in WFI.
// traced: through the trace callback, i.e. the reference path without the
// predecode cache.
Outcome run_patched_code(uint32_t patch, bool fence_i, bool traced) {
  Fixture f;
  f.load({addi(5, 0, 0), addi(10, 0, 0),
          addi(5, 5, 1),                        // 0x08 T
          addi(10, 10, 1), addi(11, 0, 2),
          b_type(0x1C, 11, 10, 0),              // 0x14 beq x10,x11 -> 0x30 (second pass)
          lui(12, kData >> 12),                 // 0x18
          i_type(0, 12, 2, 13, 0x03),           // 0x1c lw x13,0(x12): the new instruction
          0x00000717,                           // 0x20 auipc x14,0
          s_type(-0x18, 13, 14, 2),             // 0x24 sw x13,-0x18(x14): over T
          fence_i ? kFenceI : kNop,             // 0x28
          jal(0, -0x24),                        // 0x2c back to T
          kWfi});                               // 0x30
  f.load({patch}, kData);
  if (traced) f.core.set_trace([](uint32_t, uint32_t, const std::string&) {});
  const auto r = f.core.run(1000);
  return {r.reason, f.core.reg(5), f.core.pc(), f.core.instret(), f.core.cycles()};
}

}  // namespace

TEST_CASE("predecode cache: code patched by a store runs as written, with and without FENCE.I", "[iss]") {
  const uint32_t two_compressed = (c_addi(5, 4) << 16) | c_addi(5, 3);
  struct Case { uint32_t patch, x5; };
  for (const Case c : {Case{addi(5, 5, 100), 101}, Case{two_compressed, 8}}) {
    for (const bool fence_i : {false, true}) {
      CAPTURE(c.patch, fence_i);
      const Outcome fast = run_patched_code(c.patch, fence_i, false);
      const Outcome ref = run_patched_code(c.patch, fence_i, true);
      CHECK(fast.reason == StopReason::kWfi);
      CHECK(fast.x5 == c.x5);
      CHECK(fast.pc == kBase + 0x34);  // after the WFI
      CHECK(fast.x5 == ref.x5);
      CHECK(fast.pc == ref.pc);
      CHECK(fast.instret == ref.instret);
      CHECK(fast.cycles == ref.cycles);
    }
  }
}

TEST_CASE("predecode cache: code written by a debugger, another master or a new DMI mapping", "[iss]") {
  Fixture f;
  f.core.set_reg(20, 0x10000000u);
  f.core.set_ebreak_stops(true);
  // sw x0,0(x20) (a device write); addi x5,x5,1; ebreak (stops the run)
  f.load({s_type(0, 0, 20, 2), addi(5, 5, 1), kEbreak});
  auto again = [&] {
    f.core.set_pc(kBase);
    return f.core.run(100).reason;
  };
  REQUIRE(again() == StopReason::kEbreak);
  CHECK(f.core.reg(5) == 1);
  // The debugger (gdb's M packet) rewrites the cached addi.
  const uint32_t add10 = addi(5, 5, 10);
  REQUIRE(f.core.debug_write(kBase + 4, &add10, 4));
  REQUIRE(again() == StopReason::kEbreak);
  CHECK(f.core.reg(5) == 11);
  // Another master (a DMA into the RAM) between runs.
  f.load({addi(5, 5, 100)}, kBase + 4);
  REQUIRE(again() == StopReason::kEbreak);
  CHECK(f.core.reg(5) == 111);
  // ... and during a run: the device write makes it rewrite the next instruction.
  f.bus.on_write = [&](uint32_t, uint32_t) { f.load({addi(5, 5, 1000)}, kBase + 4); };
  REQUIRE(again() == StopReason::kEbreak);
  CHECK(f.core.reg(5) == 1111);
  f.bus.on_write = nullptr;
  // A DMI invalidation and a new mapping of other memory at the same address.
  std::vector<uint8_t> other(4096, 0);
  const uint32_t prog[] = {kNop, addi(5, 5, -1000), kEbreak};
  std::memcpy(other.data(), prog, sizeof prog);
  f.core.clear_rams();
  f.core.add_ram(kBase, static_cast<uint32_t>(other.size()), other.data());
  REQUIRE(again() == StopReason::kEbreak);
  CHECK(f.core.reg(5) == 111);
  CHECK(f.core.instret() == 5 * 2);  // the stopping EBREAK retires nothing
}

TEST_CASE("predecode cache: the last halfwords of a RAM region fetch as before", "[iss]") {
  // A 64 KiB RAM ends at kBase + 0x10000; beyond it the bus faults.
  const uint32_t end = kBase + 0x10000;
  for (const bool compressed_last : {true, false}) {
    CAPTURE(compressed_last);
    Fixture f;
    f.core.write_csr(csr::kMtvec, kBase + 0x100);
    f.load({kWfi}, kBase + 0x100);
    f.load({jal(0, 0xFFFC)});  // to end - 4
    // end - 4: c.addi x5,3 ; end - 2: c.addi x5,4 or the low half of a 32-bit addi.
    f.load16({static_cast<uint16_t>(c_addi(5, 3)),
              static_cast<uint16_t>(compressed_last ? c_addi(5, 4) : (addi(5, 5, 1) & 0xFFFF))},
             end - 4);
    REQUIRE(f.core.run(100).reason == StopReason::kWfi);
    CHECK(f.csr(csr::kMcause) == cause::kInsnAccess);
    CHECK(f.csr(csr::kMtval) == end);  // the halfword that is not there
    CHECK(f.csr(csr::kMepc) == (compressed_last ? end : end - 2));
    CHECK(f.core.reg(5) == (compressed_last ? 7u : 3u));
    CHECK(f.core.instret() == (compressed_last ? 4u : 3u));  // jal, c.addi(s), wfi
  }
}

TEST_CASE("predecode cache: random programs match the reference path", "[iss]") {
  // Straight-line RV32IMC code with forward branches and jumps, loads and
  // stores around x31, run with the predecode cache and through the trace
  // callback (execute() on every instruction, no cache); every register,
  // pc, the counters and the data must agree.
  const uint32_t seed = 20261122;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  auto reg = [&] { return 1 + pick(30); };  // x1..x30 (x31: the data pointer)
  for (int prog = 0; prog < 20; ++prog) {
    CAPTURE(prog);
    constexpr int kN = 300;
    struct Slot { uint32_t bits; unsigned len; int target; };  // target: slot index (branches, jal)
    std::vector<Slot> slots;
    for (int i = 0; i < kN; ++i) {
      const uint32_t kind = pick(12);
      const int tgt = std::min(kN, i + 1 + static_cast<int>(pick(8)));
      const uint32_t f3 = pick(8);
      switch (kind) {
        case 0: case 1: {  // OP (I, and M with f7 = 1)
          const uint32_t f7 = pick(3) == 0 ? 1 : (pick(4) == 0 && (f3 == 0 || f3 == 5) ? 0x20 : 0);
          slots.push_back({op(f7, f3, reg(), reg(), reg()), 4, -1});
          break;
        }
        case 2: case 3: {  // OP-IMM
          uint32_t imm = pick(4096);
          if (f3 == 1) imm &= 31;
          if (f3 == 5) imm = (imm & 31) | (pick(2) ? 0x400 : 0);
          slots.push_back({i_type(static_cast<int32_t>(imm), reg(), f3, reg(), 0x13), 4, -1});
          break;
        }
        case 4: slots.push_back({(pick(1u << 20) << 12) | (reg() << 7) | (pick(2) ? 0x37 : 0x17), 4, -1}); break;
        case 5: {  // load, aligned
          static const uint32_t kLd[5] = {0, 1, 2, 4, 5};
          const uint32_t l = kLd[pick(5)], size = 1u << (l & 3);
          const int32_t off = static_cast<int32_t>((pick(1024) - 512) & ~(size - 1));
          slots.push_back({i_type(off, 31, l, reg(), 0x03), 4, -1});
          break;
        }
        case 6: {  // store, aligned
          const uint32_t sf3 = pick(3), size = 1u << sf3;
          const int32_t off = static_cast<int32_t>((pick(1024) - 512) & ~(size - 1));
          slots.push_back({s_type(off, reg(), 31, sf3), 4, -1});
          break;
        }
        case 7: {  // branch forward
          static const uint32_t kBr[6] = {0, 1, 4, 5, 6, 7};
          slots.push_back({b_type(0, reg(), reg(), kBr[pick(6)]), 4, tgt});
          break;
        }
        case 8: slots.push_back({jal(pick(2) ? reg() : 0, 0), 4, tgt}); break;
        default: {  // a compressed instruction that expands to straight-line ALU code
          for (;;) {
            const uint16_t c = static_cast<uint16_t>(rng());
            const uint32_t full = rv32_expand_compressed(c);
            const uint32_t opc = full & 0x7F;
            if ((c & 3) == 3 || !full || !(opc == 0x13 || opc == 0x33 || opc == 0x37)) continue;
            if (((full >> 7) & 31) == 31 || ((full >> 7) & 31) == 2) continue;  // keep x31, sp
            slots.push_back({c, 2, -1});
            break;
          }
        }
      }
    }
    std::vector<uint32_t> at(kN + 1, 0);  // slot offsets; slot kN is the final WFI
    for (int i = 0; i < kN; ++i) at[i + 1] = at[i] + slots[i].len;
    Fixture fa, fb;
    for (Fixture* f : {&fa, &fb}) {
      for (int i = 0; i < kN; ++i) {
        uint32_t bits = slots[i].bits;
        if (slots[i].target >= 0) {
          const int32_t d = static_cast<int32_t>(at[slots[i].target] - at[i]);
          bits = (bits & 0x7F) == 0x63 ? b_type(d, (bits >> 20) & 31, (bits >> 15) & 31, (bits >> 12) & 7)
                                       : jal((bits >> 7) & 31, d);
        }
        std::memcpy(f->ram.data() + at[i], &bits, slots[i].len);
      }
      const uint32_t wfi = kWfi;
      std::memcpy(f->ram.data() + at[kN], &wfi, 4);
      std::mt19937 init(seed + static_cast<uint32_t>(prog));
      for (unsigned r = 1; r < 31; ++r) f->core.set_reg(r, init());
      f->core.set_reg(31, kData + 0x800);
      for (unsigned i = 0; i < 4096; ++i) f->ram[0x1000 + i] = static_cast<uint8_t>(init());
    }
    fb.core.set_trace([](uint32_t, uint32_t, const std::string&) {});
    const auto ra = fa.core.run(10 * kN);
    const auto rb = fb.core.run(10 * kN);
    REQUIRE(ra.reason == StopReason::kWfi);
    REQUIRE(rb.reason == StopReason::kWfi);
    CHECK(ra.executed == rb.executed);
    for (unsigned r = 0; r < 32; ++r) {
      CAPTURE(r);
      CHECK(fa.core.reg(r) == fb.core.reg(r));
    }
    CHECK(fa.core.pc() == fb.core.pc());
    CHECK(fa.core.instret() == fb.core.instret());
    CHECK(fa.core.cycles() == fb.core.cycles());
    CHECK(fa.ram == fb.ram);
  }
}
