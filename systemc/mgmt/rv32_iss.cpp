// Rv32Iss: see rv32_iss.h and docs/mgmt.md. Compressed instructions are
// expanded to their 32-bit form and share its execution. Instructions in RAM
// run from a predecode cache (run_fast); everything else, and every
// instruction the hot loop does not handle itself, goes through execute().
#include "rv32_iss.h"

#include <cstdio>
#include <cstring>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the DMI fast path copies RISC-V (little-endian) words as host words");

namespace trnsim::mgmt {

namespace {

constexpr uint32_t kMisa = (1u << 30) | (1u << 0) | (1u << 2) | (1u << 8) | (1u << 12);  // RV32IMAC
constexpr uint32_t kIrqMask = csr::kMsip | csr::kMtip | csr::kMeip;

constexpr uint32_t enc_i(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op) {
  return ((static_cast<uint32_t>(imm) & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr uint32_t enc_s(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t op) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 31) << 7) | op;
}
constexpr uint32_t enc_b(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) |
         (f3 << 12) | (((u >> 1) & 0xF) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
constexpr uint32_t enc_j(int32_t imm, uint32_t rd) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3FF) << 21) | (((u >> 11) & 1) << 20) |
         (((u >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F;
}
constexpr uint32_t enc_r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                         uint32_t op) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr int32_t sext(uint32_t v, int bits) {
  return static_cast<int32_t>(v << (32 - bits)) >> (32 - bits);
}

// Operations of the predecode cache. kDecode (0) marks an empty entry;
// kSlow: execute() does it (CSR, SYSTEM, AMO, illegal: rare, and exact by
// construction); kNop: FENCE, FENCE.I and ALU results to x0.
enum Op : uint8_t {
  kDecode = 0, kSlow, kNop,
  kLui, kAuipc, kJal, kJalr,
  kBeq, kBne, kBlt, kBge, kBltu, kBgeu,
  kLb, kLh, kLw, kLbu, kLhu, kSb, kSh, kSw,
  kAddi, kSlti, kSltiu, kXori, kOri, kAndi, kSlli, kSrli, kSrai,
  kAdd, kSub, kSll, kSlt, kSltu, kXor, kSrl, kSra, kOr, kAnd,
  kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu,
};

}  // namespace

// One predecoded instruction. Valid for the address it is cached under
// while (memory word at that address & mask) == raw: the decode is a pure
// function of the bits, so this check alone keeps the cache exact whoever
// writes the code. An all-zero entry (mask 0, op kDecode) is empty.
struct Rv32Iss::Decoded {
  uint32_t raw;   // the instruction bits (a compressed one zero-extended)
  uint32_t mask;  // 0xFFFF compressed, 0xFFFFFFFF 32-bit, 0 empty
  int32_t imm;    // immediate, branch/jump offset or shift amount
  uint8_t op, rd, rs1, rs2;
};

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kLimit: return "instruction limit";
    case StopReason::kWfi: return "WFI with no interrupt pending";
    case StopReason::kBreakpoint: return "breakpoint";
    case StopReason::kEbreak: return "ebreak";
    case StopReason::kToHost: return "tohost";
    case StopReason::kDoubleFault: return "double fault";
    case StopReason::kRequested: return "stop requested";
    case StopReason::kWatchpoint: return "watchpoint";
  }
  return "?";
}

uint32_t rv32_expand_compressed(uint16_t c) {
  auto bit = [c](int n) { return (static_cast<uint32_t>(c) >> n) & 1u; };
  auto bits = [c](int hi, int lo) {
    return (static_cast<uint32_t>(c) >> lo) & ((1u << (hi - lo + 1)) - 1);
  };
  const uint32_t f3 = bits(15, 13), rd = bits(11, 7), rs2 = bits(6, 2);
  const uint32_t rdp = bits(4, 2) + 8, rs1p = bits(9, 7) + 8;
  const int32_t imm6 = sext((bit(12) << 5) | bits(6, 2), 6);
  const int32_t jimm = sext((bit(12) << 11) | (bit(11) << 4) | (bits(10, 9) << 8) | (bit(8) << 10) |
                                (bit(7) << 6) | (bit(6) << 7) | (bits(5, 3) << 1) | (bit(2) << 5),
                            12);
  switch (c & 3) {
    case 0: {
      const uint32_t wimm = (bits(12, 10) << 3) | (bit(6) << 2) | (bit(5) << 6);
      switch (f3) {
        case 0: {  // C.ADDI4SPN (all-zero word: illegal)
          const uint32_t nz = (bits(12, 11) << 4) | (bits(10, 7) << 6) | (bit(6) << 2) | (bit(5) << 3);
          return nz ? enc_i(static_cast<int32_t>(nz), 2, 0, rdp, 0x13) : 0;
        }
        case 2: return enc_i(static_cast<int32_t>(wimm), rs1p, 2, rdp, 0x03);  // C.LW
        case 6: return enc_s(static_cast<int32_t>(wimm), rdp, rs1p, 2, 0x23);  // C.SW
        default: return 0;  // FP loads/stores, reserved
      }
    }
    case 1:
      switch (f3) {
        case 0: return enc_i(imm6, rd, 0, rd, 0x13);  // C.ADDI / C.NOP
        case 1: return enc_j(jimm, 1);                // C.JAL
        case 2: return enc_i(imm6, 0, 0, rd, 0x13);   // C.LI
        case 3:
          if (rd == 2) {  // C.ADDI16SP
            const int32_t nz = sext((bit(12) << 9) | (bit(6) << 4) | (bit(5) << 6) |
                                        (bits(4, 3) << 7) | (bit(2) << 5),
                                    10);
            return nz ? enc_i(nz, 2, 0, 2, 0x13) : 0;
          } else {  // C.LUI
            const int32_t nz = sext((bit(12) << 17) | (bits(6, 2) << 12), 18);
            return nz ? ((static_cast<uint32_t>(nz) & 0xFFFFF000u) | (rd << 7) | 0x37) : 0;
          }
        case 4:
          switch (bits(11, 10)) {
            case 0: return bit(12) ? 0 : enc_i(static_cast<int32_t>(rs2), rs1p, 5, rs1p, 0x13);
            case 1:
              return bit(12) ? 0 : enc_i(static_cast<int32_t>(0x400 | rs2), rs1p, 5, rs1p, 0x13);
            case 2: return enc_i(imm6, rs1p, 7, rs1p, 0x13);  // C.ANDI
            default: {
              if (bit(12)) return 0;  // C.SUBW/C.ADDW: RV64 only
              static constexpr uint32_t kF3[4] = {0, 4, 6, 7};  // SUB XOR OR AND
              const uint32_t op = bits(6, 5);
              return enc_r(op == 0 ? 0x20 : 0, rdp, rs1p, kF3[op], rs1p, 0x33);
            }
          }
        case 5: return enc_j(jimm, 0);  // C.J
        default: {                      // C.BEQZ, C.BNEZ
          const int32_t b = sext((bit(12) << 8) | (bits(11, 10) << 3) | (bits(6, 5) << 6) |
                                     (bits(4, 3) << 1) | (bit(2) << 5),
                                 9);
          return enc_b(b, 0, rs1p, f3 == 6 ? 0 : 1);
        }
      }
    case 2:
      switch (f3) {
        case 0: return bit(12) ? 0 : enc_i(static_cast<int32_t>(rs2), rd, 1, rd, 0x13);  // C.SLLI
        case 2: {  // C.LWSP
          const uint32_t u = (bit(12) << 5) | (bits(6, 4) << 2) | (bits(3, 2) << 6);
          return rd ? enc_i(static_cast<int32_t>(u), 2, 2, rd, 0x03) : 0;
        }
        case 4:
          if (!bit(12)) {
            if (rs2 == 0) return rd ? enc_i(0, rd, 0, 0, 0x67) : 0;  // C.JR
            return enc_r(0, rs2, 0, 0, rd, 0x33);                    // C.MV
          }
          if (rd == 0 && rs2 == 0) return 0x00100073;        // C.EBREAK
          if (rs2 == 0) return enc_i(0, rd, 0, 1, 0x67);     // C.JALR
          return enc_r(0, rs2, rd, 0, rd, 0x33);             // C.ADD
        case 6: {                                            // C.SWSP
          const uint32_t u = (bits(12, 9) << 2) | (bits(8, 7) << 6);
          return enc_s(static_cast<int32_t>(u), rs2, 2, 2, 0x23);
        }
        default: return 0;
      }
    default: return 0;  // not a 16-bit instruction
  }
}

Rv32Iss::Rv32Iss(Rv32Bus& bus, uint32_t hartid) : bus_(bus), hartid_(hartid) { reset(0); }
Rv32Iss::~Rv32Iss() = default;

void Rv32Iss::decode(Decoded& d, uint32_t word) {
  uint32_t insn;
  if ((word & 3) == 3) {
    d.raw = insn = word;
    d.mask = 0xFFFFFFFFu;
  } else {
    d.raw = word & 0xFFFF;
    d.mask = 0xFFFF;
    insn = rv32_expand_compressed(static_cast<uint16_t>(word));
  }
  d.op = kSlow;
  d.imm = 0;
  d.rd = static_cast<uint8_t>((insn >> 7) & 31);
  d.rs1 = static_cast<uint8_t>((insn >> 15) & 31);
  d.rs2 = static_cast<uint8_t>((insn >> 20) & 31);
  if (insn == 0) return;  // illegal compressed: execute()'s caller traps
  const uint32_t f3 = (insn >> 12) & 7, f7 = insn >> 25;
  const int32_t imm_i = static_cast<int32_t>(insn) >> 20;
  bool pure = true;  // no effect but writing rd: a nop when rd is x0
  switch (insn & 0x7F) {
    case 0x37: d.op = kLui; d.imm = static_cast<int32_t>(insn & 0xFFFFF000u); break;
    case 0x17: d.op = kAuipc; d.imm = static_cast<int32_t>(insn & 0xFFFFF000u); break;
    case 0x6F:
      d.op = kJal;
      d.imm = (static_cast<int32_t>(insn & 0x80000000u) >> 11) |
              static_cast<int32_t>((insn & 0xFF000) | ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7FE));
      pure = false;
      break;
    case 0x67:
      if (f3 == 0) {
        d.op = kJalr;
        d.imm = imm_i;
      }
      pure = false;
      break;
    case 0x63: {
      static constexpr uint8_t kBr[8] = {kBeq, kBne, kSlow, kSlow, kBlt, kBge, kBltu, kBgeu};
      d.op = kBr[f3];
      d.imm = (static_cast<int32_t>(insn & 0x80000000u) >> 19) |
              static_cast<int32_t>(((insn & 0x80) << 4) | ((insn >> 20) & 0x7E0) | ((insn >> 7) & 0x1E));
      pure = false;
      break;
    }
    case 0x03: {
      static constexpr uint8_t kLd[8] = {kLb, kLh, kLw, kSlow, kLbu, kLhu, kSlow, kSlow};
      d.op = kLd[f3];
      d.imm = imm_i;
      pure = false;
      break;
    }
    case 0x23:
      if (f3 <= 2) d.op = static_cast<uint8_t>(kSb + f3);
      d.imm = (static_cast<int32_t>(insn) >> 25 << 5) | static_cast<int32_t>((insn >> 7) & 31);
      pure = false;
      break;
    case 0x13:
      d.imm = imm_i;
      switch (f3) {
        case 0: d.op = kAddi; break;
        case 1:
          if (f7 == 0) d.op = kSlli;
          d.imm = d.rs2;
          break;
        case 2: d.op = kSlti; break;
        case 3: d.op = kSltiu; break;
        case 4: d.op = kXori; break;
        case 5:
          if (f7 == 0) d.op = kSrli;
          else if (f7 == 0x20) d.op = kSrai;
          d.imm = d.rs2;
          break;
        case 6: d.op = kOri; break;
        default: d.op = kAndi; break;
      }
      break;
    case 0x33: {
      static constexpr uint8_t kAlu[8] = {kAdd, kSll, kSlt, kSltu, kXor, kSrl, kOr, kAnd};
      static constexpr uint8_t kMulDiv[8] = {kMul, kMulh, kMulhsu, kMulhu, kDiv, kDivu, kRem, kRemu};
      if (f7 == 0) d.op = kAlu[f3];
      else if (f7 == 0x20 && f3 == 0) d.op = kSub;
      else if (f7 == 0x20 && f3 == 5) d.op = kSra;
      else if (f7 == 1) d.op = kMulDiv[f3];
      break;
    }
    case 0x0F:  // FENCE, FENCE.I: nothing to order; the cache checks itself
      if (f3 <= 1) d.op = kNop;
      break;
    default: break;  // AMO, SYSTEM, illegal: kSlow
  }
  if (pure && d.rd == 0 && d.op != kSlow) d.op = kNop;
}

void Rv32Iss::add_ram(uint32_t base, uint32_t size, uint8_t* data, bool writable) {
  rams_.push_back({base, size, data, writable});
  fetch_ram_ = data_ram_ = rams_.front();
}

void Rv32Iss::clear_rams() {
  rams_.clear();
  fetch_ram_ = data_ram_ = Ram{0, 0, nullptr, false};
}

void Rv32Iss::reset(uint32_t reset_pc) {
  std::memset(x_, 0, sizeof x_);
  pc_ = next_pc_ = reset_pc & ~1u;
  mstatus_ = csr::kMstatusMpp;  // machine mode only: MPP reads 3
  mie_ = mip_ = mtvec_ = mscratch_ = mepc_ = mcause_ = mtval_ = 0;
  mcycle_ = minstret_ = 0;
  wfi_ = reservation_valid_ = false;
  tohost_value_ = 0;
}

inline uint8_t* Rv32Iss::ram_ptr(Ram& cache, uint32_t addr, uint32_t len, bool write) {
  uint32_t off = addr - cache.base;
  if (off < cache.size && len <= cache.size - off && (cache.writable || !write))
    return cache.data + off;
  for (const Ram& r : rams_) {
    off = addr - r.base;
    if (off < r.size && len <= r.size - off) {
      if (write && !r.writable) return nullptr;
      cache = r;
      return r.data + off;
    }
  }
  return nullptr;
}

void Rv32Iss::set_irq(Irq line, bool level) {
  const uint32_t b = static_cast<uint32_t>(line);
  mip_ = level ? (mip_ | b) : (mip_ & ~b);
}

bool Rv32Iss::debug_read(uint32_t addr, void* buf, uint32_t len) {
  auto* out = static_cast<uint8_t*>(buf);
  uint32_t i = 0;
  while (i < len) {
    const uint32_t a = addr + i;
    if (const uint8_t* p = ram_ptr(a, 1)) {
      out[i++] = *p;
      continue;
    }
    // Not RAM: the aligned word holding a (peripherals take only words), else the byte.
    const uint32_t w = a & ~3u;
    uint32_t v = 0;
    if (bus_.debug_read(w, 4, v) == BusResult::kOk) {
      for (uint32_t b = a - w; b < 4 && i < len; ++b) out[i++] = static_cast<uint8_t>(v >> (8 * b));
      continue;
    }
    if (bus_.debug_read(a, 1, v) != BusResult::kOk) return false;
    out[i++] = static_cast<uint8_t>(v);
  }
  return true;
}

bool Rv32Iss::debug_write(uint32_t addr, const void* buf, uint32_t len) {
  const auto* in = static_cast<const uint8_t*>(buf);
  uint32_t i = 0;
  while (i < len) {
    const uint32_t a = addr + i;
    if (uint8_t* p = ram_ptr(a, 1)) {
      *p = in[i++];
      continue;
    }
    if ((a & 3) == 0 && len - i >= 4) {  // a whole aligned word: one word access
      uint32_t v = 0;
      std::memcpy(&v, in + i, 4);
      if (bus_.debug_write(a, 4, v) != BusResult::kOk) return false;
      i += 4;
      continue;
    }
    if (bus_.debug_write(a, 1, in[i]) != BusResult::kOk) return false;
    ++i;
  }
  return true;
}

void Rv32Iss::add_watchpoint(uint32_t addr, uint32_t len, WatchKind kind) {
  watches_.push_back({addr, len ? len : 1, kind});
  watching_ = true;
}

bool Rv32Iss::remove_watchpoint(uint32_t addr, uint32_t len, WatchKind kind) {
  if (!len) len = 1;
  for (auto it = watches_.begin(); it != watches_.end(); ++it)
    if (it->addr == addr && it->len == len && it->kind == kind) {
      watches_.erase(it);
      watching_ = !watches_.empty();
      return true;
    }
  return false;
}

bool Rv32Iss::watch_stop(uint32_t addr, unsigned size, bool write, bool read) {
  if (pc_ == watch_skip_pc_ && steps_ == watch_skip_step_) return false;  // resuming from it
  for (const Watch& w : watches_) {
    const bool kind_ok = w.kind == WatchKind::kAccess || (write && w.kind == WatchKind::kWrite) ||
                         (read && w.kind == WatchKind::kRead);
    // Overlap of [addr, addr+size) and [w.addr, w.addr+len), wrap-safe.
    if (!kind_ok || !(addr - w.addr < w.len || w.addr - addr < size)) continue;
    watch_hit_.kind = w.kind;
    watch_hit_.addr = addr - w.addr < w.len ? addr : w.addr;
    watch_skip_pc_ = pc_;
    watch_skip_step_ = steps_;
    // Not executed: pc stays, nothing retires, and the run loop's count of
    // this slot is taken back (a watchpoint stop costs no cycle).
    retired_ = false;
    next_pc_ = pc_;
    --mcycle_;
    --steps_;
    stop_ = true;
    stop_reason_ = StopReason::kWatchpoint;
    return true;
  }
  return false;
}

void Rv32Iss::add_breakpoint(uint32_t pc) { breakpoints_.insert(pc); }
void Rv32Iss::remove_breakpoint(uint32_t pc) { breakpoints_.erase(pc); }

bool Rv32Iss::read_csr(uint16_t num, uint32_t& v) const {
  switch (num) {
    case csr::kMstatus: v = mstatus_; return true;
    case csr::kMisa: v = kMisa; return true;
    case csr::kMie: v = mie_; return true;
    case csr::kMtvec: v = mtvec_; return true;
    case csr::kMscratch: v = mscratch_; return true;
    case csr::kMepc: v = mepc_; return true;
    case csr::kMcause: v = mcause_; return true;
    case csr::kMtval: v = mtval_; return true;
    case csr::kMip: v = mip_; return true;
    case csr::kMcycle: case csr::kCycle: v = static_cast<uint32_t>(mcycle_); return true;
    case csr::kMcycleh: case csr::kCycleh: v = static_cast<uint32_t>(mcycle_ >> 32); return true;
    case csr::kMinstret: case csr::kInstret: v = static_cast<uint32_t>(minstret_); return true;
    case csr::kMinstreth: case csr::kInstreth:
      v = static_cast<uint32_t>(minstret_ >> 32);
      return true;
    case csr::kMvendorid: case csr::kMarchid: case csr::kMimpid: v = 0; return true;
    case csr::kMhartid: v = hartid_; return true;
    default: return false;
  }
}

bool Rv32Iss::write_csr(uint16_t num, uint32_t v) {
  switch (num) {
    case csr::kMstatus:
      mstatus_ = (v & (csr::kMstatusMie | csr::kMstatusMpie)) | csr::kMstatusMpp;
      return true;
    case csr::kMisa: return true;  // WARL, fixed
    case csr::kMie: mie_ = v & kIrqMask; return true;
    case csr::kMip: return true;  // MSIP/MTIP/MEIP are inputs, read-only here
    case csr::kMtvec: mtvec_ = (v & 3) >= 2 ? (v & ~3u) : v; return true;  // reserved mode -> direct
    case csr::kMscratch: mscratch_ = v; return true;
    case csr::kMepc: mepc_ = v & ~1u; return true;
    case csr::kMcause: mcause_ = v; return true;
    case csr::kMtval: mtval_ = v; return true;
    case csr::kMcycle: mcycle_ = (mcycle_ & ~0xFFFFFFFFull) | v; return true;
    case csr::kMcycleh: mcycle_ = (mcycle_ & 0xFFFFFFFFull) | (uint64_t{v} << 32); return true;
    case csr::kMinstret: minstret_ = (minstret_ & ~0xFFFFFFFFull) | v; return true;
    case csr::kMinstreth:
      minstret_ = (minstret_ & 0xFFFFFFFFull) | (uint64_t{v} << 32);
      return true;
    default: return false;  // read-only or absent
  }
}

void Rv32Iss::trap(uint32_t cause, uint32_t tval) {
  retired_ = false;
  uint32_t target = mtvec_ & ~3u;
  if ((mtvec_ & 3) == 1 && (cause & cause::kInterrupt)) target += 4 * (cause & 0x7FFFFFFFu);
  if (cause == cause::kInsnAccess && pc_ == target) {
    // The handler itself cannot be fetched: looping would hide the real
    // trap, so stop with the first trap's CSRs intact.
    stop_ = true;
    stop_reason_ = StopReason::kDoubleFault;
    next_pc_ = pc_;
    return;
  }
  reservation_valid_ = false;
  trapped_ = true;
  mepc_ = pc_;
  mcause_ = cause;
  mtval_ = tval;
  mstatus_ = (mstatus_ & csr::kMstatusMie ? csr::kMstatusMpie : 0) | csr::kMstatusMpp;
  next_pc_ = target;
}

void Rv32Iss::illegal(uint32_t insn, uint32_t len) {
  trap(cause::kIllegal, len == 2 ? (insn & 0xFFFF) : insn);
}

bool Rv32Iss::take_interrupt() {
  const uint32_t p = mip_ & mie_;
  // Priority per the privileged spec: external, software, timer.
  const uint32_t code = (p & csr::kMeip) ? cause::kMei : (p & csr::kMsip) ? cause::kMsi : cause::kMti;
  next_pc_ = pc_;
  trap(cause::kInterrupt | code, 0);
  pc_ = next_pc_;
  return true;
}

bool Rv32Iss::fetch(uint32_t& insn) {
  if (const uint8_t* p = ram_ptr(fetch_ram_, pc_, 4, false)) {
    std::memcpy(&insn, p, 4);
    return true;
  }
  uint32_t half[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    const uint32_t a = pc_ + 2 * static_cast<uint32_t>(i);
    if (const uint8_t* p = ram_ptr(fetch_ram_, a, 2, false)) {
      half[i] = p[0] | (p[1] << 8);
    } else if (bus_.read(a, 2, half[i]) != BusResult::kOk) {
      next_pc_ = pc_;
      trap(cause::kInsnAccess, a);
      return false;
    }
    if (i == 0 && (half[0] & 3) != 3) break;  // compressed: one halfword
  }
  insn = (half[0] & 0xFFFF) | (half[1] << 16);
  return true;
}

bool Rv32Iss::load(uint32_t addr, unsigned size, uint32_t& value) {
  if (addr & (size - 1)) {
    trap(cause::kLoadMisaligned, addr);
    return false;
  }
  if (watching_ && watch_stop(addr, size, false, true)) return false;
  if (const uint8_t* p = ram_ptr(addr, size)) {
    value = 0;
    std::memcpy(&value, p, size);
    return true;
  }
  if (bus_.read(addr, size, value) != BusResult::kOk) {
    trap(cause::kLoadAccess, addr);
    return false;
  }
  if (size < 4) value &= (1u << (8 * size)) - 1;
  return true;
}

bool Rv32Iss::store(uint32_t addr, unsigned size, uint32_t value) {
  if (addr & (size - 1)) {
    trap(cause::kStoreMisaligned, addr);
    return false;
  }
  if (watching_ && watch_stop(addr, size, true, false)) return false;
  if (uint8_t* p = ram_wptr(addr, size)) {
    std::memcpy(p, &value, size);
  } else if (bus_.write(addr, size, value) != BusResult::kOk) {
    trap(cause::kStoreAccess, addr);
    return false;
  }
  if (tohost_enabled_ && addr < tohost_addr_ + 4u && addr + size > tohost_addr_) {
    uint32_t word = 0;
    if (debug_read(tohost_addr_, &word, 4) && word != 0) {
      tohost_value_ = word;
      stop_ = true;
      stop_reason_ = StopReason::kToHost;
    }
  }
  return true;
}

void Rv32Iss::execute(uint32_t insn, uint32_t len) {
  const uint32_t rd = (insn >> 7) & 31, f3 = (insn >> 12) & 7, rs1 = (insn >> 15) & 31,
                 rs2 = (insn >> 20) & 31, f7 = insn >> 25;
  const uint32_t a = x_[rs1], b = x_[rs2];
  const int32_t imm_i = static_cast<int32_t>(insn) >> 20;
  next_pc_ = pc_ + len;
  retired_ = true;
  switch (insn & 0x7F) {
    case 0x37: x_[rd] = insn & 0xFFFFF000u; break;          // LUI
    case 0x17: x_[rd] = pc_ + (insn & 0xFFFFF000u); break;  // AUIPC
    case 0x6F: {                                            // JAL
      const int32_t imm = (static_cast<int32_t>(insn & 0x80000000u) >> 11) |
                          static_cast<int32_t>((insn & 0xFF000) | ((insn >> 9) & 0x800) |
                                               ((insn >> 20) & 0x7FE));
      x_[rd] = pc_ + len;
      next_pc_ = pc_ + static_cast<uint32_t>(imm);
      break;
    }
    case 0x67:  // JALR
      if (f3 != 0) return illegal(insn, len);
      next_pc_ = (a + static_cast<uint32_t>(imm_i)) & ~1u;
      x_[rd] = pc_ + len;
      break;
    case 0x63: {  // branches
      bool take;
      switch (f3) {
        case 0: take = a == b; break;
        case 1: take = a != b; break;
        case 4: take = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
        case 5: take = static_cast<int32_t>(a) >= static_cast<int32_t>(b); break;
        case 6: take = a < b; break;
        case 7: take = a >= b; break;
        default: return illegal(insn, len);
      }
      if (take) {
        const int32_t imm = (static_cast<int32_t>(insn & 0x80000000u) >> 19) |
                            static_cast<int32_t>(((insn & 0x80) << 4) | ((insn >> 20) & 0x7E0) |
                                                 ((insn >> 7) & 0x1E));
        next_pc_ = pc_ + static_cast<uint32_t>(imm);
      }
      break;
    }
    case 0x03: {  // loads
      const uint32_t addr = a + static_cast<uint32_t>(imm_i);
      uint32_t v = 0;
      switch (f3) {
        case 0: if (load(addr, 1, v)) x_[rd] = static_cast<uint32_t>(sext(v, 8)); break;
        case 1: if (load(addr, 2, v)) x_[rd] = static_cast<uint32_t>(sext(v, 16)); break;
        case 2: if (load(addr, 4, v)) x_[rd] = v; break;
        case 4: if (load(addr, 1, v)) x_[rd] = v; break;
        case 5: if (load(addr, 2, v)) x_[rd] = v; break;
        default: return illegal(insn, len);
      }
      break;
    }
    case 0x23: {  // stores
      const int32_t imm = (static_cast<int32_t>(insn) >> 25 << 5) | static_cast<int32_t>(rd);
      if (f3 > 2) return illegal(insn, len);
      store(a + static_cast<uint32_t>(imm), 1u << f3, b);
      break;
    }
    case 0x13: {  // OP-IMM
      const uint32_t shamt = rs2;
      const uint32_t imm = static_cast<uint32_t>(imm_i);
      switch (f3) {
        case 0: x_[rd] = a + imm; break;
        case 1:
          if (f7 != 0) return illegal(insn, len);
          x_[rd] = a << shamt;
          break;
        case 2: x_[rd] = static_cast<int32_t>(a) < imm_i; break;
        case 3: x_[rd] = a < imm; break;
        case 4: x_[rd] = a ^ imm; break;
        case 5:
          if (f7 == 0) x_[rd] = a >> shamt;
          else if (f7 == 0x20) x_[rd] = static_cast<uint32_t>(static_cast<int32_t>(a) >> shamt);
          else return illegal(insn, len);
          break;
        case 6: x_[rd] = a | imm; break;
        default: x_[rd] = a & imm; break;
      }
      break;
    }
    case 0x33:  // OP
      if (f7 == 0) {
        switch (f3) {
          case 0: x_[rd] = a + b; break;
          case 1: x_[rd] = a << (b & 31); break;
          case 2: x_[rd] = static_cast<int32_t>(a) < static_cast<int32_t>(b); break;
          case 3: x_[rd] = a < b; break;
          case 4: x_[rd] = a ^ b; break;
          case 5: x_[rd] = a >> (b & 31); break;
          case 6: x_[rd] = a | b; break;
          default: x_[rd] = a & b; break;
        }
      } else if (f7 == 0x20 && (f3 == 0 || f3 == 5)) {
        x_[rd] = f3 == 0 ? a - b : static_cast<uint32_t>(static_cast<int32_t>(a) >> (b & 31));
      } else if (f7 == 1) {  // M extension
        const int64_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
        const int32_t ia = static_cast<int32_t>(a), ib = static_cast<int32_t>(b);
        switch (f3) {
          case 0: x_[rd] = a * b; break;
          case 1: x_[rd] = static_cast<uint32_t>(static_cast<uint64_t>(sa * sb) >> 32); break;
          case 2:  // MULHSU
            x_[rd] = static_cast<uint32_t>(static_cast<uint64_t>(sa * static_cast<int64_t>(b)) >> 32);
            break;
          case 3: x_[rd] = static_cast<uint32_t>((uint64_t{a} * b) >> 32); break;
          case 4:  // DIV: /0 -> -1, INT_MIN/-1 -> INT_MIN
            x_[rd] = b == 0 ? 0xFFFFFFFFu
                     : (a == 0x80000000u && ib == -1) ? a
                                                      : static_cast<uint32_t>(ia / ib);
            break;
          case 5: x_[rd] = b == 0 ? 0xFFFFFFFFu : a / b; break;
          case 6:  // REM: /0 -> dividend, INT_MIN%-1 -> 0
            x_[rd] = b == 0 ? a : (a == 0x80000000u && ib == -1) ? 0 : static_cast<uint32_t>(ia % ib);
            break;
          default: x_[rd] = b == 0 ? a : a % b; break;
        }
      } else {
        return illegal(insn, len);
      }
      break;
    case 0x0F:  // FENCE, FENCE.I: one hart, no caches, nothing to order
      if (f3 > 1) return illegal(insn, len);
      break;
    case 0x2F:
      if (f3 != 2) return illegal(insn, len);
      execute_amo(insn, rd, a, b);
      break;
    case 0x73: execute_system(insn, len); break;
    default: return illegal(insn, len);
  }
  x_[0] = 0;
}

void Rv32Iss::execute_amo(uint32_t insn, uint32_t rd, uint32_t addr, uint32_t b) {
  const uint32_t f5 = insn >> 27;
  if (f5 == 0x02) {  // LR.W
    if (((insn >> 20) & 31) != 0) return illegal(insn, 4);
    uint32_t v;
    if (!load(addr, 4, v)) return;
    x_[rd] = v;
    reservation_valid_ = true;
    reservation_addr_ = addr;
    return;
  }
  if (addr & 3) return trap(cause::kStoreMisaligned, addr);
  if (f5 == 0x03) {  // SC.W
    if (watching_ && watch_stop(addr, 4, true, false)) return;  // before the reservation goes
    const bool ok = reservation_valid_ && reservation_addr_ == addr;
    reservation_valid_ = false;
    if (ok && !store(addr, 4, b)) return;
    x_[rd] = ok ? 0 : 1;
    return;
  }
  if (watching_ && watch_stop(addr, 4, true, true)) return;
  uint32_t old = 0;
  const uint8_t* p = ram_wptr(addr, 4);
  if (p) {
    std::memcpy(&old, p, 4);
  } else if (bus_.read(addr, 4, old) != BusResult::kOk) {
    return trap(cause::kStoreAccess, addr);  // AMOs report store/AMO faults
  }
  uint32_t v;
  switch (f5) {
    case 0x01: v = b; break;
    case 0x00: v = old + b; break;
    case 0x04: v = old ^ b; break;
    case 0x0C: v = old & b; break;
    case 0x08: v = old | b; break;
    case 0x10: v = static_cast<int32_t>(old) < static_cast<int32_t>(b) ? old : b; break;
    case 0x14: v = static_cast<int32_t>(old) > static_cast<int32_t>(b) ? old : b; break;
    case 0x18: v = old < b ? old : b; break;
    case 0x1C: v = old > b ? old : b; break;
    default: return illegal(insn, 4);
  }
  if (!store(addr, 4, v)) return;
  x_[rd] = old;
}

void Rv32Iss::execute_system(uint32_t insn, uint32_t len) {
  const uint32_t rd = (insn >> 7) & 31, f3 = (insn >> 12) & 7, rs1 = (insn >> 15) & 31;
  if (f3 == 0) {
    switch (insn) {
      case 0x00000073: return trap(cause::kEcallM, 0);  // ECALL
      case 0x00100073:                                  // EBREAK
        if (ebreak_stops_) {
          retired_ = false;
          next_pc_ = pc_;
          stop_ = true;
          stop_reason_ = StopReason::kEbreak;
          return;
        }
        return trap(cause::kBreakpoint, pc_);
      case 0x30200073:  // MRET
        next_pc_ = mepc_;
        mstatus_ = (mstatus_ & csr::kMstatusMpie ? csr::kMstatusMie : 0) | csr::kMstatusMpie |
                   csr::kMstatusMpp;
        return;
      case 0x10500073:  // WFI: a no-op if anything enabled is pending, else sleep
        if ((mip_ & mie_) == 0) wfi_ = true;
        return;
      default: return illegal(insn, len);
    }
  }
  if (f3 == 4) return illegal(insn, len);
  const uint16_t num = static_cast<uint16_t>(insn >> 20);
  const uint32_t src = (f3 & 4) ? rs1 : x_[rs1];
  const bool write = (f3 & 3) == 1 || rs1 != 0;
  uint32_t old = 0;
  if (!read_csr(num, old)) return illegal(insn, len);
  if (write) {
    if ((num >> 10) == 3) return illegal(insn, len);  // read-only CSR
    const uint32_t v = (f3 & 3) == 1 ? src : (f3 & 3) == 2 ? (old | src) : (old & ~src);
    write_csr(num, v);
    // A write to a counter wins over this instruction's own increment.
    if (num == csr::kMcycle || num == csr::kMcycleh) --mcycle_;
    if (num == csr::kMinstret || num == csr::kMinstreth) retired_ = false;
  }
  x_[rd] = old;
}

RunResult Rv32Iss::run(uint64_t max_instructions) {
  const uint64_t start = minstret_;
  stop_ = false;
  uint64_t n = 0;
  while (n < max_instructions) {
    if (wfi_) {
      if ((mip_ & mie_) == 0) return {StopReason::kWfi, minstret_ - start};
      wfi_ = false;
    }
    if ((mip_ & mie_) != 0 && (mstatus_ & csr::kMstatusMie)) {
      const uint32_t at = pc_;
      take_interrupt();
      ++mcycle_;
      ++steps_;
      ++n;
      if (trace_) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "interrupt mcause=0x%08x", mcause_);
        trace_(at, 0, buf);
      }
      continue;
    }
    if (n != 0 && !breakpoints_.empty() && breakpoints_.count(pc_))
      return {StopReason::kBreakpoint, minstret_ - start};
    if (trace_) {
      step_traced();
      ++n;
    } else {
      // Nothing run_fast executes changes what the checks above look at
      // (it leaves after any instruction that might), so it runs a burst;
      // with breakpoints set, one instruction at a time.
      n += run_fast(breakpoints_.empty() ? max_instructions - n : 1);
    }
    if (stop_) return {stop_reason_, minstret_ - start};
  }
  return {StopReason::kLimit, minstret_ - start};
}

void Rv32Iss::step_uncached() {
  uint32_t insn = 0;
  retired_ = false;
  if (fetch(insn)) {
    if ((insn & 3) == 3) {
      execute(insn, 4);
    } else {
      const uint32_t full = rv32_expand_compressed(static_cast<uint16_t>(insn));
      if (full) execute(full, 2);
      else illegal(insn, 2);
    }
  }
  ++mcycle_;
  ++steps_;
  minstret_ += retired_;
  pc_ = next_pc_;
}

uint64_t Rv32Iss::run_fast(uint64_t budget) {
  if (!icache_) icache_ = std::make_unique<Decoded[]>(size_t{1} << kIcacheBits);  // zeroed: empty
  Decoded* const ic = icache_.get();
  constexpr uint32_t kIndexMask = (1u << kIcacheBits) - 1;
  uint32_t* const x = x_;
  uint32_t pc = pc_;
  uint64_t k = 0;  // instructions retired here, not yet in mcycle_/steps_/minstret_
  // The fetch region: [fbase, fbase + fspan) are the pcs with 4 bytes in it.
  uint32_t fbase = fetch_ram_.base;
  const uint8_t* fhost = fetch_ram_.data;
  uint32_t fspan = fetch_ram_.size >= 4 ? fetch_ram_.size - 3 : 0;
  uint32_t w = 0, len = 4;
  while (k < budget) {
    uint32_t off = pc - fbase;
    if (__builtin_expect(off >= fspan, 0)) {
      if (!ram_ptr(fetch_ram_, pc, 4, false)) {
        // Not 4 bytes of one RAM region: the bus, or a region's last halfword.
        mcycle_ += k;
        steps_ += k;
        minstret_ += k;
        pc_ = pc;
        step_uncached();
        return k + 1;
      }
      fbase = fetch_ram_.base;
      fhost = fetch_ram_.data;
      fspan = fetch_ram_.size - 3;
      off = pc - fbase;
    }
    std::memcpy(&w, fhost + off, 4);
    Decoded& d = ic[((pc >> 1) ^ (pc >> (kIcacheBits + 1))) & kIndexMask];
    if (__builtin_expect(((w ^ d.raw) & d.mask) != 0, 0)) decode(d, w);
  dispatch:
    len = 2 + ((d.mask >> 15) & 2);
    const uint32_t a = x[d.rs1], b = x[d.rs2];
    const uint32_t imm = static_cast<uint32_t>(d.imm);
    uint32_t* const rd = &x[d.rd];
    switch (d.op) {
      case kDecode:  // an empty entry (mask 0 matched anything)
        decode(d, w);
        goto dispatch;
      case kSlow: goto slow;
      case kNop: pc += len; break;
      case kLui: *rd = imm; pc += len; break;
      case kAuipc: *rd = pc + imm; pc += len; break;
      case kJal:
        *rd = pc + len;
        x[0] = 0;
        pc += imm;
        break;
      case kJalr:
        *rd = pc + len;
        x[0] = 0;
        pc = (a + imm) & ~1u;
        break;
      case kBeq: pc += a == b ? imm : len; break;
      case kBne: pc += a != b ? imm : len; break;
      case kBlt: pc += static_cast<int32_t>(a) < static_cast<int32_t>(b) ? imm : len; break;
      case kBge: pc += static_cast<int32_t>(a) >= static_cast<int32_t>(b) ? imm : len; break;
      case kBltu: pc += a < b ? imm : len; break;
      case kBgeu: pc += a >= b ? imm : len; break;
#define TRNSIM_ISS_LOAD(OP, SIZE, EXPR)                                   \
  case OP: {                                                             \
    const uint32_t addr = a + imm;                                       \
    const uint8_t* p;                                                    \
    if ((addr & (SIZE - 1)) || watching_ || !(p = ram_ptr(addr, SIZE))) \
      goto slow;                                                         \
    uint32_t v = 0;                                                      \
    std::memcpy(&v, p, SIZE);                                            \
    *rd = EXPR;                                                          \
    x[0] = 0;                                                            \
    pc += len;                                                           \
    break;                                                               \
  }
      TRNSIM_ISS_LOAD(kLb, 1, static_cast<uint32_t>(sext(v, 8)))
      TRNSIM_ISS_LOAD(kLh, 2, static_cast<uint32_t>(sext(v, 16)))
      TRNSIM_ISS_LOAD(kLw, 4, v)
      TRNSIM_ISS_LOAD(kLbu, 1, v)
      TRNSIM_ISS_LOAD(kLhu, 2, v)
#undef TRNSIM_ISS_LOAD
#define TRNSIM_ISS_STORE(OP, SIZE)                                                   \
  case OP: {                                                                        \
    const uint32_t addr = a + imm;                                                  \
    uint8_t* p;                                                                     \
    if ((addr & (SIZE - 1)) || watching_ || !(p = ram_wptr(addr, SIZE)) ||          \
        (tohost_enabled_ && addr < tohost_addr_ + 4u && addr + SIZE > tohost_addr_)) \
      goto slow;                                                                    \
    std::memcpy(p, &b, SIZE);                                                       \
    pc += len;                                                                      \
    break;                                                                          \
  }
      TRNSIM_ISS_STORE(kSb, 1)
      TRNSIM_ISS_STORE(kSh, 2)
      TRNSIM_ISS_STORE(kSw, 4)
#undef TRNSIM_ISS_STORE
      case kAddi: *rd = a + imm; pc += len; break;
      case kSlti: *rd = static_cast<int32_t>(a) < d.imm; pc += len; break;
      case kSltiu: *rd = a < imm; pc += len; break;
      case kXori: *rd = a ^ imm; pc += len; break;
      case kOri: *rd = a | imm; pc += len; break;
      case kAndi: *rd = a & imm; pc += len; break;
      case kSlli: *rd = a << imm; pc += len; break;
      case kSrli: *rd = a >> imm; pc += len; break;
      case kSrai: *rd = static_cast<uint32_t>(static_cast<int32_t>(a) >> imm); pc += len; break;
      case kAdd: *rd = a + b; pc += len; break;
      case kSub: *rd = a - b; pc += len; break;
      case kSll: *rd = a << (b & 31); pc += len; break;
      case kSlt: *rd = static_cast<int32_t>(a) < static_cast<int32_t>(b); pc += len; break;
      case kSltu: *rd = a < b; pc += len; break;
      case kXor: *rd = a ^ b; pc += len; break;
      case kSrl: *rd = a >> (b & 31); pc += len; break;
      case kSra: *rd = static_cast<uint32_t>(static_cast<int32_t>(a) >> (b & 31)); pc += len; break;
      case kOr: *rd = a | b; pc += len; break;
      case kAnd: *rd = a & b; pc += len; break;
      case kMul: *rd = a * b; pc += len; break;
      case kMulh:
        *rd = static_cast<uint32_t>(
            static_cast<uint64_t>(int64_t{static_cast<int32_t>(a)} * static_cast<int32_t>(b)) >> 32);
        pc += len;
        break;
      case kMulhsu:
        *rd = static_cast<uint32_t>(
            static_cast<uint64_t>(int64_t{static_cast<int32_t>(a)} * int64_t{b}) >> 32);
        pc += len;
        break;
      case kMulhu: *rd = static_cast<uint32_t>((uint64_t{a} * b) >> 32); pc += len; break;
      case kDiv:  // /0 -> -1, INT_MIN/-1 -> INT_MIN
        *rd = b == 0 ? 0xFFFFFFFFu
              : (a == 0x80000000u && b == 0xFFFFFFFFu)
                  ? a
                  : static_cast<uint32_t>(static_cast<int32_t>(a) / static_cast<int32_t>(b));
        pc += len;
        break;
      case kDivu: *rd = b == 0 ? 0xFFFFFFFFu : a / b; pc += len; break;
      case kRem:  // /0 -> dividend, INT_MIN%-1 -> 0
        *rd = b == 0 ? a
              : (a == 0x80000000u && b == 0xFFFFFFFFu)
                  ? 0
                  : static_cast<uint32_t>(static_cast<int32_t>(a) % static_cast<int32_t>(b));
        pc += len;
        break;
      case kRemu: *rd = b == 0 ? a : a % b; pc += len; break;
      default: goto slow;
    }
    ++k;
  }
  mcycle_ += k;
  steps_ += k;
  minstret_ += k;
  pc_ = pc;
  return k;

slow:
  // The instruction at pc goes through execute(), with everything it may
  // touch (counters for a bus callback, pc for a trap) up to date.
  mcycle_ += k;
  steps_ += k;
  minstret_ += k;
  pc_ = pc;
  retired_ = false;
  {
    const uint32_t full = len == 4 ? w : rv32_expand_compressed(static_cast<uint16_t>(w));
    if (full) execute(full, len);
    else illegal(w, 2);
  }
  ++mcycle_;
  ++steps_;
  minstret_ += retired_;
  pc_ = next_pc_;
  return k + 1;
}

void Rv32Iss::step_traced() {
  uint32_t before[32];
  std::memcpy(before, x_, sizeof before);
  const uint32_t at = pc_;
  uint32_t insn = 0;
  retired_ = false;
  trapped_ = false;
  bool fetched = fetch(insn);
  if (fetched) {
    if ((insn & 3) == 3) {
      execute(insn, 4);
    } else {
      insn &= 0xFFFF;
      const uint32_t full = rv32_expand_compressed(static_cast<uint16_t>(insn));
      if (full) execute(full, 2);
      else illegal(insn, 2);
    }
  }
  ++mcycle_;
  ++steps_;
  minstret_ += retired_;
  pc_ = next_pc_;
  std::string what;
  char buf[80];
  for (unsigned i = 1; i < 32; ++i)
    if (x_[i] != before[i]) {
      std::snprintf(buf, sizeof buf, "x%u=0x%08x ", i, x_[i]);
      what += buf;
    }
  if (trapped_) {
    std::snprintf(buf, sizeof buf, "trap mcause=0x%08x mtval=0x%08x", mcause_, mtval_);
    what += buf;
  }
  if (stop_) what += stop_reason_name(stop_reason_);
  trace_(at, fetched ? insn : 0, what);
}

}  // namespace trnsim::mgmt
