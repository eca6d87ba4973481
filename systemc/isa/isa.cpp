// Instruction encoding and decoding, names, static checks. Every bit position
// comes from the generated isa_regs.hpp (rtl/regs/isa.json).
#include "isa/isa.h"

#include <cctype>
#include <cstring>
#include <sstream>

namespace trnsim::isa {
namespace R = regs::isa;

// --- operands -------------------------------------------------------------

bool Operand::operator==(const Operand& o) const {
  return kind == o.kind && dtype == o.dtype && offset == o.offset && bank == o.bank &&
         start == o.start && count == o.count && n0 == o.n0 && n1 == o.n1 && s0 == o.s0 &&
         s1 == o.s1 && imm == o.imm;
}

bool Instruction::operator==(const Instruction& o) const {
  return op == o.op && wait_en == o.wait_en && wait_sem == o.wait_sem &&
         wait_value == o.wait_value && signal_en == o.signal_en && signal_sem == o.signal_sem &&
         d == o.d && a == o.a && b == o.b && bias == o.bias && scale == o.scale && acc == o.acc &&
         func == o.func && alu == o.alu && accumulate == o.accumulate &&
         load_weights == o.load_weights && sem == o.sem && value == o.value && queue == o.queue &&
         done_en == o.done_en && done_sem == o.done_sem && desc_addr == o.desc_addr &&
         desc_count == o.desc_count && iota_base == o.iota_base &&
         iota_part_step == o.iota_part_step && iota_free_step == o.iota_free_step;
}

Operand sbuf(Dtype dt, unsigned start, unsigned count, uint32_t offset, unsigned elems) {
  Operand o;
  o.kind = Kind::SBUF;
  o.dtype = dt;
  o.start = uint8_t(start);
  o.count = uint16_t(count);
  o.offset = offset;
  o.n0 = uint16_t(elems);
  o.n1 = 1;
  o.s0 = 1;
  o.s1 = 0;
  // Out-of-range arguments are caught by check() with the field named; keep
  // the truncation visible there by refusing values that do not fit at all.
  if (start > 0xFF || count > 0xFFFF || elems > 0xFFFF)
    throw IsaError("operand", "start " + std::to_string(start) + ", count " +
                                  std::to_string(count) + " or elems " + std::to_string(elems) +
                                  " does not fit its field");
  return o;
}

Operand psum(unsigned bank, Dtype dt, unsigned start, unsigned count, uint32_t offset,
             unsigned elems) {
  Operand o = sbuf(dt, start, count, offset, elems);
  o.kind = Kind::PSUM;
  if (bank > 0xFF) throw IsaError("operand.bank", "bank " + std::to_string(bank) + " is not in 0..7");
  o.bank = uint8_t(bank);
  return o;
}

Operand imm_bits(uint32_t bits) {
  Operand o;
  o.kind = Kind::IMM;
  o.imm = bits;
  return o;
}

Operand imm(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return imm_bits(bits);
}

Operand sbuf_col(Dtype dt, uint32_t offset) {
  Operand o;
  o.kind = Kind::SBUF;
  o.dtype = dt;
  o.offset = offset;
  return o;
}

Operand psum_col(unsigned bank, Dtype dt, uint32_t offset) {
  Operand o = sbuf_col(dt, offset);
  o.kind = Kind::PSUM;
  if (bank > 0xFF) throw IsaError("operand.bank", "bank " + std::to_string(bank) + " is not in 0..7");
  o.bank = uint8_t(bank);
  return o;
}

Operand with_rows(Operand o, unsigned n1, int32_t s1) {
  if (n1 > 0xFFFF) throw IsaError("operand.n1", "rows " + std::to_string(n1) + " is not in 1..65535");
  o.n1 = uint16_t(n1);
  o.s1 = s1;
  return o;
}

Operand with_stride(Operand o, int16_t s0) {
  o.s0 = s0;
  return o;
}

// --- errors -----------------------------------------------------------------

namespace {
std::string error_text(const std::string& field, const std::string& problem, int engine,
                       long index, const std::string& mnem) {
  std::ostringstream os;
  if (engine >= 0) os << engine_name(Engine(engine)) << " engine, ";
  if (index >= 0) os << "instruction " << index;
  if (!mnem.empty()) os << (index >= 0 ? " " : "") << "(" << mnem << ")";
  if (engine >= 0 || index >= 0 || !mnem.empty()) os << ": ";
  if (!field.empty()) os << field << ": ";
  os << problem;
  return os.str();
}
}  // namespace

IsaError::IsaError(std::string field, std::string problem, int engine, long index,
                   std::string mnem)
    : std::runtime_error(error_text(field, problem, engine, index, mnem)),
      field_(std::move(field)),
      problem_(std::move(problem)),
      engine_(engine),
      index_(index) {}

// --- names ------------------------------------------------------------------

namespace {
struct Name {
  uint32_t value;
  const char* name;
};
// Generated from the JSON names, lower-cased once at first use.
#define ISA_NAME(ENUM, VAL) {uint32_t(R::ENUM::VAL), #VAL},
const Name kOpcodes[] = {
    ISA_NAME(Opcode, NOP) ISA_NAME(Opcode, END) ISA_NAME(Opcode, WAIT) ISA_NAME(Opcode, SIGNAL)
    ISA_NAME(Opcode, SEM_SET) ISA_NAME(Opcode, DMA_START) ISA_NAME(Opcode, MATMUL)
    ISA_NAME(Opcode, ACTIVATE) ISA_NAME(Opcode, ALU) ISA_NAME(Opcode, REDUCE)
    ISA_NAME(Opcode, COPY) ISA_NAME(Opcode, TRANSPOSE) ISA_NAME(Opcode, MEMSET)
    ISA_NAME(Opcode, IOTA)};
const Name kEngines[] = {ISA_NAME(Engine, TENSOR) ISA_NAME(Engine, VECTOR)
                             ISA_NAME(Engine, SCALAR) ISA_NAME(Engine, GPSIMD)
                                 ISA_NAME(Engine, SYNC)};
const Name kDtypes[] = {ISA_NAME(Dtype, BF16) ISA_NAME(Dtype, FP8E4M3) ISA_NAME(Dtype, FP8E5M2)
                            ISA_NAME(Dtype, FP32) ISA_NAME(Dtype, INT32)};
const Name kFuncs[] = {ISA_NAME(ActFunc, IDENTITY) ISA_NAME(ActFunc, RELU)
                           ISA_NAME(ActFunc, GELU_TANH) ISA_NAME(ActFunc, SIGMOID)
                               ISA_NAME(ActFunc, TANH) ISA_NAME(ActFunc, EXP)
                                   ISA_NAME(ActFunc, RECIPROCAL) ISA_NAME(ActFunc, RSQRT)
                                       ISA_NAME(ActFunc, SQUARE)};
const Name kAluOps[] = {ISA_NAME(AluOp, ADD) ISA_NAME(AluOp, SUB) ISA_NAME(AluOp, MUL)
                            ISA_NAME(AluOp, MAX) ISA_NAME(AluOp, MIN)};
#undef ISA_NAME

// A table's names in lower case (as the assembler writes them), built once.
class NameTable {
 public:
  template <std::size_t N>
  explicit NameTable(const Name (&tab)[N]) {
    for (const Name& n : tab) {
      std::string s = n.name;
      for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
      entries_.emplace_back(n.value, std::move(s));
    }
  }
  const char* name(uint32_t v) const {
    for (const auto& e : entries_)
      if (e.first == v) return e.second.c_str();
    return "?";
  }
  std::optional<uint32_t> value(const std::string& s) const {
    for (const auto& e : entries_)
      if (e.second == s) return e.first;
    return std::nullopt;
  }
  bool has(uint32_t v) const { return std::string(name(v)) != "?"; }

 private:
  std::vector<std::pair<uint32_t, std::string>> entries_;
};

const NameTable& opcodes() { static const NameTable t(kOpcodes); return t; }
const NameTable& engines() { static const NameTable t(kEngines); return t; }
const NameTable& dtypes() { static const NameTable t(kDtypes); return t; }
const NameTable& funcs() { static const NameTable t(kFuncs); return t; }
const NameTable& alu_ops() { static const NameTable t(kAluOps); return t; }
}  // namespace

const char* opcode_name(Opcode op) { return opcodes().name( uint32_t(op)); }
const char* engine_name(Engine e) { return engines().name( uint32_t(e)); }
const char* dtype_name(Dtype dt) { return dtypes().name( uint32_t(dt)); }
const char* act_func_name(ActFunc f) { return funcs().name( uint32_t(f)); }
const char* alu_op_name(AluOp op) { return alu_ops().name( uint32_t(op)); }

std::optional<Opcode> parse_opcode(const std::string& s) {
  auto v = opcodes().value(s);
  return v ? std::optional<Opcode>(Opcode(*v)) : std::nullopt;
}
std::optional<Engine> parse_engine(const std::string& s) {
  auto v = engines().value(s);
  return v ? std::optional<Engine>(Engine(*v)) : std::nullopt;
}
std::optional<Dtype> parse_dtype(const std::string& s) {
  auto v = dtypes().value(s);
  return v ? std::optional<Dtype>(Dtype(*v)) : std::nullopt;
}
std::optional<ActFunc> parse_act_func(const std::string& s) {
  auto v = funcs().value(s);
  return v ? std::optional<ActFunc>(ActFunc(*v)) : std::nullopt;
}
std::optional<AluOp> parse_alu_op(const std::string& s) {
  auto v = alu_ops().value(s);
  return v ? std::optional<AluOp>(AluOp(*v)) : std::nullopt;
}

std::string mnemonic(const Instruction& in) {
  std::string m = opcode_name(in.op);
  if (in.op == Opcode::ACTIVATE) m += std::string(".") + act_func_name(in.func);
  if (in.op == Opcode::ALU || in.op == Opcode::REDUCE) m += std::string(".") + alu_op_name(in.alu);
  return m;
}

bool opcode_valid(uint32_t code) { return opcodes().has(code); }
bool dtype_valid(uint32_t code) { return dtypes().has(code); }

unsigned dtype_bytes(Dtype dt) {
  switch (dt) {
    case Dtype::BF16: return 2;
    case Dtype::FP8E4M3:
    case Dtype::FP8E5M2: return 1;
    default: return 4;
  }
}

numerics::Dtype to_numerics(Dtype dt) {
  switch (dt) {
    case Dtype::BF16: return numerics::Dtype::kBf16;
    case Dtype::FP8E4M3: return numerics::Dtype::kFp8E4m3;
    case Dtype::FP8E5M2: return numerics::Dtype::kFp8E5m2;
    default:
      throw IsaError("dtype", std::string("dtype ") + dtype_name(dt) +
                                  " is not a tensor-engine input type (bf16, fp8e4m3, fp8e5m2)");
  }
}

namespace {
constexpr unsigned bit(Engine e) { return 1u << unsigned(e); }
constexpr unsigned kAll = 0x1F;
unsigned engine_mask(Opcode op) {
  switch (op) {
    case Opcode::MATMUL: return bit(Engine::TENSOR);
    case Opcode::ACTIVATE: return bit(Engine::SCALAR);
    case Opcode::ALU:
    case Opcode::REDUCE:
    case Opcode::MEMSET: return bit(Engine::VECTOR) | bit(Engine::GPSIMD);
    case Opcode::COPY: return bit(Engine::VECTOR) | bit(Engine::SCALAR) | bit(Engine::GPSIMD);
    case Opcode::TRANSPOSE: return bit(Engine::VECTOR);
    case Opcode::IOTA: return bit(Engine::GPSIMD);
    default: return kAll;  // NOP, END, semaphores, DMA_START
  }
}
}  // namespace

bool engine_executes(Engine e, Opcode op) { return (engine_mask(op) >> unsigned(e)) & 1u; }

std::string engines_of(Opcode op) {
  std::string s;
  for (unsigned e = 0; e < kNumEngines; ++e) {
    if (!engine_executes(Engine(e), op)) continue;
    if (!s.empty()) s += ", ";
    s += engine_name(Engine(e));
  }
  return s;
}

std::size_t Program::size() const {
  std::size_t n = 0;
  for (const auto& s : streams) n += s.size();
  return n;
}

// --- static checks ------------------------------------------------------------

namespace {
std::optional<Problem> problem(std::string field, std::string msg) {
  return Problem{std::move(field), std::move(msg)};
}

std::optional<Problem> check_dtype(const std::string& name, Dtype dt) {
  if (!dtype_valid(uint32_t(dt)))
    return problem(name + ".dtype", "bad dtype " + std::to_string(uint32_t(dt)));
  return std::nullopt;
}

std::optional<Problem> check_where(const std::string& name, const Operand& o) {
  if (auto p = check_dtype(name, o.dtype)) return p;
  if (o.offset >= (1u << 20))
    return problem(name + ".offset", "byte offset " + std::to_string(o.offset) +
                                         " does not fit 20 bits (max 1048575)");
  if (o.kind == Kind::SBUF && o.bank != 0)
    return problem(name + ".bank", "bank " + std::to_string(o.bank) + " on an SBUF operand (must be 0)");
  if (o.kind == Kind::PSUM && o.bank > 7)
    return problem(name + ".bank", "PSUM bank " + std::to_string(o.bank) + " is not in 0..7");
  return std::nullopt;
}

// A full tensor operand (slots D, A, B).
std::optional<Problem> check_tensor(const std::string& name, const Operand& o) {
  if (!o.is_tensor())
    return problem(name, std::string("must be an SBUF or PSUM tensor, not ") +
                             (o.kind == Kind::IMM ? "an immediate" : "unused"));
  if (auto p = check_where(name, o)) return p;
  if (o.start >= kMaxPartitions)
    return problem(name + ".start", "start partition " + std::to_string(o.start) + " is not in 0..127");
  if (o.count < 1 || o.count > kMaxPartitions)
    return problem(name + ".count", "partition count " + std::to_string(o.count) + " is not in 1..128");
  if (o.n0 < 1) return problem(name + ".n0", "elements per row must be at least 1");
  if (o.n1 < 1) return problem(name + ".n1", "rows must be at least 1");
  if (o.imm != 0) return problem(name, "immediate value set on a tensor operand");
  return std::nullopt;
}

std::optional<Problem> check_imm(const std::string& name, const Operand& o) {
  if (o.kind != Kind::IMM) return problem(name, "must be an immediate");
  if (o != imm_bits(o.imm)) return problem(name, "immediate with access-pattern fields set");
  return std::nullopt;
}

std::optional<Problem> check_none(const std::string& name, const Operand& o) {
  if (o != Operand{}) return problem(name, std::string("is not used by this instruction (must be _)"));
  return std::nullopt;
}

// ACTIVATE's short operands: immediate (if allowed), column, or none (if allowed).
std::optional<Problem> check_short(const std::string& name, const Operand& o, bool allow_imm,
                                   bool allow_none) {
  if (o.kind == Kind::NONE) {
    if (!allow_none) return problem(name, "must be an immediate or a per-partition column");
    return check_none(name, o);
  }
  if (o.kind == Kind::IMM) {
    if (!allow_imm) return problem(name, "must be a per-partition column or _, not an immediate");
    return check_imm(name, o);
  }
  if (auto p = check_where(name, o)) return p;
  if (o.start || o.count || o.n0 || o.n1 || o.s0 || o.s1 || o.imm)
    return problem(name, "a column takes only memory, bank, dtype and offset (its partitions are D's)");
  return std::nullopt;
}

bool is_mm_input(Dtype dt) {
  return dt == Dtype::BF16 || dt == Dtype::FP8E4M3 || dt == Dtype::FP8E5M2;
}
}  // namespace

std::optional<Problem> check(const Instruction& in) {
  if (!opcode_valid(uint32_t(in.op)))
    return problem("opcode", "unknown opcode " + std::to_string(uint32_t(in.op)));
  if (!in.wait_en && (in.wait_sem || in.wait_value))
    return problem("wait", "wait semaphore/value set without wait enabled");
  if (!in.signal_en && in.signal_sem) return problem("signal", "signal semaphore set without signal enabled");
  // Fields outside the opcode's format must be at their defaults.
  const Instruction def;
  auto unused = [&](bool cond, const char* field) -> std::optional<Problem> {
    if (!cond) return problem(field, std::string("is not used by ") + opcode_name(in.op));
    return std::nullopt;
  };
  const Opcode op = in.op;
  const bool uses_d = op >= Opcode::MATMUL;
  const bool uses_a = op >= Opcode::MATMUL && op != Opcode::IOTA;
  const bool uses_b = op == Opcode::MATMUL || op == Opcode::ALU;
  const bool is_sem = op == Opcode::WAIT || op == Opcode::SIGNAL || op == Opcode::SEM_SET;
  const bool is_dma = op == Opcode::DMA_START;
  if (!uses_d)
    if (auto p = check_none("D", in.d)) return p;
  if (!uses_a)
    if (auto p = check_none("A", in.a)) return p;
  if (!uses_b)
    if (auto p = check_none("B", in.b)) return p;
  if (op != Opcode::ACTIVATE) {
    if (auto p = check_none("bias", in.bias)) return p;
    if (auto p = check_none("scale", in.scale)) return p;
    if (auto p = check_none("acc", in.acc)) return p;
    if (auto p = unused(in.func == def.func, "func")) return p;
  }
  if (op != Opcode::ALU && op != Opcode::REDUCE)
    if (auto p = unused(in.alu == def.alu, "op")) return p;
  if (op != Opcode::MATMUL) {
    if (auto p = unused(in.accumulate == def.accumulate, "accumulate")) return p;
    if (auto p = unused(in.load_weights == def.load_weights, "load_weights")) return p;
  }
  if (!is_sem) {
    if (auto p = unused(in.sem == 0, "sem")) return p;
    if (auto p = unused(in.value == 0, "value")) return p;
  }
  if (!is_dma) {
    if (auto p = unused(in.queue == 0 && !in.done_en && in.done_sem == 0 && in.desc_addr == 0 &&
                            in.desc_count == 0,
                        "dma fields"))
      return p;
  }
  if (op != Opcode::IOTA)
    if (auto p = unused(in.iota_base == 0 && in.iota_part_step == 0 && in.iota_free_step == 0,
                        "iota fields"))
      return p;

  switch (op) {
    case Opcode::DMA_START:
      if (!in.done_en && in.done_sem) return problem("done", "done semaphore set without done enabled");
      if (in.desc_count < 1) return problem("desc_count", "descriptor count must be at least 1");
      break;
    case Opcode::MATMUL:
      if (auto p = check_tensor("D", in.d)) return p;
      if (in.d.kind != Kind::PSUM) return problem("D", "matmul writes PSUM, not SBUF");
      if (in.d.dtype != Dtype::FP32)
        return problem("D.dtype", std::string("matmul output must be fp32, not ") + dtype_name(in.d.dtype));
      if (in.load_weights) {
        if (auto p = check_tensor("A", in.a)) return p;
        if (!is_mm_input(in.a.dtype))
          return problem("A.dtype", std::string("bad dtype ") + dtype_name(in.a.dtype) +
                                        " for matmul (bf16, fp8e4m3, fp8e5m2)");
      } else if (auto p = check_none("A", in.a)) {
        return problem("A", "must be _ when the weights are reused (reuse_weights)");
      }
      if (auto p = check_tensor("B", in.b)) return p;
      if (!is_mm_input(in.b.dtype))
        return problem("B.dtype", std::string("bad dtype ") + dtype_name(in.b.dtype) +
                                      " for matmul (bf16, fp8e4m3, fp8e5m2)");
      break;
    case Opcode::ACTIVATE:
      if (uint32_t(in.func) > uint32_t(ActFunc::SQUARE))
        return problem("func", "unknown function " + std::to_string(uint32_t(in.func)));
      if (auto p = check_tensor("D", in.d)) return p;
      if (auto p = check_tensor("A", in.a)) return p;
      if (auto p = check_short("bias", in.bias, true, false)) return p;
      if (auto p = check_short("scale", in.scale, true, false)) return p;
      if (auto p = check_short("acc", in.acc, false, true)) return p;
      break;
    case Opcode::ALU:
      if (uint32_t(in.alu) > uint32_t(AluOp::MIN))
        return problem("op", "unknown ALU operation " + std::to_string(uint32_t(in.alu)));
      if (auto p = check_tensor("D", in.d)) return p;
      if (auto p = check_tensor("A", in.a)) return p;
      if (in.b.kind == Kind::IMM) {
        if (auto p = check_imm("B", in.b)) return p;
      } else if (auto p = check_tensor("B", in.b)) {
        return problem(p->field, p->message + " (or an immediate)");
      }
      break;
    case Opcode::REDUCE:
      if (in.alu != AluOp::ADD && in.alu != AluOp::MAX && in.alu != AluOp::MIN)
        return problem("op", std::string("reduce takes add, max or min, not ") + alu_op_name(in.alu));
      [[fallthrough]];
    case Opcode::COPY:
    case Opcode::TRANSPOSE:
      if (auto p = check_tensor("D", in.d)) return p;
      if (auto p = check_tensor("A", in.a)) return p;
      break;
    case Opcode::MEMSET:
      if (auto p = check_tensor("D", in.d)) return p;
      if (auto p = check_imm("A", in.a)) return p;
      break;
    case Opcode::IOTA:
      if (auto p = check_tensor("D", in.d)) return p;
      break;
    default:
      break;
  }
  return std::nullopt;
}

// --- encode / decode ------------------------------------------------------------

namespace {
inline void put(Words& w, uint32_t byte_off, uint32_t lsb, uint32_t mask, uint32_t v) {
  uint32_t& word = w[byte_off / 4];
  word = regs::field_set(word, lsb, mask, v);
}
inline uint32_t get(const Words& w, uint32_t byte_off, uint32_t lsb, uint32_t mask) {
  return regs::field_get(w[byte_off / 4], lsb, mask);
}
// FIELD(LAYOUT_WORD_FIELD) -> lsb, mask.
#define FIELD(N) R::N##_LSB, R::N##_MASK

// ap.ADDR word at byte offset `at` (also the first word of a short operand).
void put_addr(Words& w, uint32_t at, const Operand& o) {
  put(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_KIND), uint32_t(o.kind));
  if (o.kind == Kind::IMM) {
    put(w, at + R::IMM_VALUE_OFFSET, FIELD(IMM_VALUE_VALUE), o.imm);
    return;
  }
  if (o.kind == Kind::NONE) return;
  put(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_OFFSET), o.offset);
  put(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_DTYPE), uint32_t(o.dtype));
  put(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_BANK), o.bank);
}

void put_ap(Words& w, uint32_t at, const Operand& o) {
  put_addr(w, at, o);
  if (!o.is_tensor()) return;
  put(w, at + R::AP_PART_OFFSET, FIELD(AP_PART_START), o.start);
  put(w, at + R::AP_PART_OFFSET, FIELD(AP_PART_COUNT), o.count);
  put(w, at + R::AP_PART_OFFSET, FIELD(AP_PART_N0), o.n0);
  put(w, at + R::AP_DIM_OFFSET, FIELD(AP_DIM_N1), o.n1);
  put(w, at + R::AP_DIM_OFFSET, FIELD(AP_DIM_S0), uint16_t(o.s0));
  put(w, at + R::AP_STRIDE_OFFSET, FIELD(AP_STRIDE_S1), uint32_t(o.s1));
}

Operand get_addr(const Words& w, uint32_t at, bool with_imm) {
  Operand o;
  o.kind = Kind(get(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_KIND)));
  if (o.kind == Kind::IMM) {
    if (with_imm) o.imm = get(w, at + R::IMM_VALUE_OFFSET, FIELD(IMM_VALUE_VALUE));
    return o;
  }
  if (o.kind == Kind::NONE) return o;
  o.offset = get(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_OFFSET));
  o.dtype = Dtype(get(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_DTYPE)));
  o.bank = uint8_t(get(w, at + R::AP_ADDR_OFFSET, FIELD(AP_ADDR_BANK)));
  return o;
}

Operand get_ap(const Words& w, uint32_t at) {
  Operand o = get_addr(w, at, true);
  if (!o.is_tensor()) return o;
  o.start = uint8_t(get(w, at + R::AP_PART_OFFSET, FIELD(AP_PART_START)));
  o.count = uint16_t(get(w, at + R::AP_PART_OFFSET, FIELD(AP_PART_COUNT)));
  o.n0 = uint16_t(get(w, at + R::AP_PART_OFFSET, FIELD(AP_PART_N0)));
  o.n1 = uint16_t(get(w, at + R::AP_DIM_OFFSET, FIELD(AP_DIM_N1)));
  o.s0 = int16_t(uint16_t(get(w, at + R::AP_DIM_OFFSET, FIELD(AP_DIM_S0))));
  o.s1 = int32_t(get(w, at + R::AP_STRIDE_OFFSET, FIELD(AP_STRIDE_S1)));
  return o;
}

constexpr uint32_t kSlotD = uint32_t(R::Slot::D);
constexpr uint32_t kSlotA = uint32_t(R::Slot::A);
constexpr uint32_t kSlotB = uint32_t(R::Slot::B);
constexpr uint32_t kBias = uint32_t(R::ActSlot::BIAS);
constexpr uint32_t kScale = uint32_t(R::ActSlot::SCALE);
constexpr uint32_t kAcc = uint32_t(R::ActSlot::ACC);

// Encoding without the checks (decode re-encodes to find stray bits).
Words encode_raw(const Instruction& in) {
  Words w{};
  put(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_OPCODE), uint32_t(in.op));
  put(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_WAIT_EN), in.wait_en);
  put(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_WAIT_SEM), in.wait_sem);
  put(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_SIGNAL_EN), in.signal_en);
  put(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_SIGNAL_SEM), in.signal_sem);
  put(w, R::INSTR_WAIT_OFFSET, FIELD(INSTR_WAIT_VALUE), in.wait_value);
  switch (in.op) {
    case Opcode::WAIT:
    case Opcode::SIGNAL:
    case Opcode::SEM_SET:
      put(w, R::SEM_SEM_OFFSET, FIELD(SEM_SEM_INDEX), in.sem);
      put(w, R::SEM_VALUE_OFFSET, FIELD(SEM_VALUE_VALUE), in.value);
      break;
    case Opcode::DMA_START:
      put(w, R::DMA_QUEUE_OFFSET, FIELD(DMA_QUEUE_QUEUE), in.queue);
      put(w, R::DMA_QUEUE_OFFSET, FIELD(DMA_QUEUE_DONE_SEM), in.done_sem);
      put(w, R::DMA_QUEUE_OFFSET, FIELD(DMA_QUEUE_DONE_EN), in.done_en);
      put(w, R::DMA_DESC_LO_OFFSET, FIELD(DMA_DESC_LO_ADDR), uint32_t(in.desc_addr));
      put(w, R::DMA_DESC_HI_OFFSET, FIELD(DMA_DESC_HI_ADDR), uint32_t(in.desc_addr >> 32));
      put(w, R::DMA_COUNT_OFFSET, FIELD(DMA_COUNT_COUNT), in.desc_count);
      break;
    case Opcode::MATMUL:
      put_ap(w, kSlotD, in.d);
      put_ap(w, kSlotA, in.a);
      put_ap(w, kSlotB, in.b);
      put(w, R::MATMUL_CTRL_OFFSET, FIELD(MATMUL_CTRL_ACCUMULATE), in.accumulate);
      put(w, R::MATMUL_CTRL_OFFSET, FIELD(MATMUL_CTRL_LOAD_WEIGHTS), in.load_weights);
      break;
    case Opcode::ACTIVATE:
      put_ap(w, kSlotD, in.d);
      put_ap(w, kSlotA, in.a);
      put_addr(w, kBias, in.bias);
      put_addr(w, kScale, in.scale);
      put_addr(w, kAcc, in.acc);
      put(w, R::ACTIVATE_CTRL_OFFSET, FIELD(ACTIVATE_CTRL_FUNC), uint32_t(in.func));
      break;
    case Opcode::ALU:
      put_ap(w, kSlotD, in.d);
      put_ap(w, kSlotA, in.a);
      put_ap(w, kSlotB, in.b);
      put(w, R::ALU_CTRL_OFFSET, FIELD(ALU_CTRL_OP), uint32_t(in.alu));
      break;
    case Opcode::REDUCE:
      put_ap(w, kSlotD, in.d);
      put_ap(w, kSlotA, in.a);
      put(w, R::REDUCE_CTRL_OFFSET, FIELD(REDUCE_CTRL_OP), uint32_t(in.alu));
      break;
    case Opcode::COPY:
    case Opcode::TRANSPOSE:
    case Opcode::MEMSET:
      put_ap(w, kSlotD, in.d);
      put_ap(w, kSlotA, in.a);
      break;
    case Opcode::IOTA:
      put_ap(w, kSlotD, in.d);
      put(w, R::IOTA_BASE_OFFSET, FIELD(IOTA_BASE_VALUE), uint32_t(in.iota_base));
      put(w, R::IOTA_PART_STEP_OFFSET, FIELD(IOTA_PART_STEP_VALUE), uint32_t(in.iota_part_step));
      put(w, R::IOTA_FREE_STEP_OFFSET, FIELD(IOTA_FREE_STEP_VALUE), uint32_t(in.iota_free_step));
      break;
    default:
      break;
  }
  return w;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}
}  // namespace

Words encode(const Instruction& in) {
  if (auto p = check(in)) throw IsaError(p->field, p->message, -1, -1, mnemonic(in));
  return encode_raw(in);
}

Instruction decode(const Words& w) {
  Instruction in;
  const uint32_t code = get(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_OPCODE));
  if (!opcode_valid(code)) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", code);
    throw IsaError("opcode", std::string("unknown opcode ") + buf);
  }
  in.op = Opcode(code);
  in.wait_en = get(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_WAIT_EN));
  in.wait_sem = uint8_t(get(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_WAIT_SEM)));
  in.wait_value = get(w, R::INSTR_WAIT_OFFSET, FIELD(INSTR_WAIT_VALUE));
  in.signal_en = get(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_SIGNAL_EN));
  in.signal_sem = uint8_t(get(w, R::INSTR_HDR_OFFSET, FIELD(INSTR_HDR_SIGNAL_SEM)));
  switch (in.op) {
    case Opcode::WAIT:
    case Opcode::SIGNAL:
    case Opcode::SEM_SET:
      in.sem = uint8_t(get(w, R::SEM_SEM_OFFSET, FIELD(SEM_SEM_INDEX)));
      in.value = get(w, R::SEM_VALUE_OFFSET, FIELD(SEM_VALUE_VALUE));
      break;
    case Opcode::DMA_START:
      in.queue = uint8_t(get(w, R::DMA_QUEUE_OFFSET, FIELD(DMA_QUEUE_QUEUE)));
      in.done_sem = uint8_t(get(w, R::DMA_QUEUE_OFFSET, FIELD(DMA_QUEUE_DONE_SEM)));
      in.done_en = get(w, R::DMA_QUEUE_OFFSET, FIELD(DMA_QUEUE_DONE_EN));
      in.desc_addr = uint64_t(get(w, R::DMA_DESC_LO_OFFSET, FIELD(DMA_DESC_LO_ADDR))) |
                     uint64_t(get(w, R::DMA_DESC_HI_OFFSET, FIELD(DMA_DESC_HI_ADDR))) << 32;
      in.desc_count = uint16_t(get(w, R::DMA_COUNT_OFFSET, FIELD(DMA_COUNT_COUNT)));
      break;
    case Opcode::MATMUL:
      in.d = get_ap(w, kSlotD);
      in.a = get_ap(w, kSlotA);
      in.b = get_ap(w, kSlotB);
      in.accumulate = get(w, R::MATMUL_CTRL_OFFSET, FIELD(MATMUL_CTRL_ACCUMULATE));
      in.load_weights = get(w, R::MATMUL_CTRL_OFFSET, FIELD(MATMUL_CTRL_LOAD_WEIGHTS));
      break;
    case Opcode::ACTIVATE:
      in.d = get_ap(w, kSlotD);
      in.a = get_ap(w, kSlotA);
      in.bias = get_addr(w, kBias, true);
      in.scale = get_addr(w, kScale, true);
      in.acc = get_addr(w, kAcc, false);
      in.func = ActFunc(get(w, R::ACTIVATE_CTRL_OFFSET, FIELD(ACTIVATE_CTRL_FUNC)));
      break;
    case Opcode::ALU:
      in.d = get_ap(w, kSlotD);
      in.a = get_ap(w, kSlotA);
      in.b = get_ap(w, kSlotB);
      in.alu = AluOp(get(w, R::ALU_CTRL_OFFSET, FIELD(ALU_CTRL_OP)));
      break;
    case Opcode::REDUCE:
      in.d = get_ap(w, kSlotD);
      in.a = get_ap(w, kSlotA);
      in.alu = AluOp(get(w, R::REDUCE_CTRL_OFFSET, FIELD(REDUCE_CTRL_OP)));
      break;
    case Opcode::COPY:
    case Opcode::TRANSPOSE:
    case Opcode::MEMSET:
      in.d = get_ap(w, kSlotD);
      in.a = get_ap(w, kSlotA);
      break;
    case Opcode::IOTA:
      in.d = get_ap(w, kSlotD);
      in.iota_base = int32_t(get(w, R::IOTA_BASE_OFFSET, FIELD(IOTA_BASE_VALUE)));
      in.iota_part_step = int32_t(get(w, R::IOTA_PART_STEP_OFFSET, FIELD(IOTA_PART_STEP_VALUE)));
      in.iota_free_step = int32_t(get(w, R::IOTA_FREE_STEP_OFFSET, FIELD(IOTA_FREE_STEP_VALUE)));
      break;
    default:
      break;
  }
  if (auto p = check(in)) throw IsaError(p->field, p->message, -1, -1, mnemonic(in));
  // Every bit must be accounted for: the canonical re-encoding is identical.
  const Words again = encode_raw(in);
  for (std::size_t i = 0; i < kInstrWords; ++i) {
    if (again[i] != w[i])
      throw IsaError("word " + std::to_string(i),
                     "bits " + hex32(again[i] ^ w[i]) + " are not used by " + opcode_name(in.op) +
                         " and must be 0",
                     -1, -1, mnemonic(in));
  }
  return in;
}
#undef FIELD

Words words_from_bytes(const uint8_t* p) {
  Words w;
  for (std::size_t i = 0; i < kInstrWords; ++i)
    w[i] = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 |
           uint32_t(p[4 * i + 3]) << 24;
  return w;
}

void words_to_bytes(const Words& w, uint8_t* p) {
  for (std::size_t i = 0; i < kInstrWords; ++i)
    for (unsigned b = 0; b < 4; ++b) p[4 * i + b] = uint8_t(w[i] >> (8 * b));
}

std::vector<uint8_t> to_bytes(const std::vector<Instruction>& stream) {
  std::vector<uint8_t> out(stream.size() * kInstrBytes);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    Words w;
    try {
      w = encode(stream[i]);
    } catch (const IsaError& e) {
      throw IsaError(e.field(), e.problem(), -1, long(i), mnemonic(stream[i]));
    }
    words_to_bytes(w, &out[i * kInstrBytes]);
  }
  return out;
}

std::vector<Instruction> from_bytes(const uint8_t* data, std::size_t size, Engine engine,
                                    bool engine_known) {
  const int eng = engine_known ? int(engine) : -1;
  if (size % kInstrBytes)
    throw IsaError("stream", "length " + std::to_string(size) + " bytes is not a multiple of 64",
                   eng);
  std::vector<Instruction> out;
  out.reserve(size / kInstrBytes);
  for (std::size_t i = 0; i < size / kInstrBytes; ++i) {
    try {
      out.push_back(decode(words_from_bytes(data + i * kInstrBytes)));
    } catch (const IsaError& e) {
      throw IsaError(e.field(), e.problem(), eng, long(i));
    }
  }
  return out;
}

}  // namespace trnsim::isa
