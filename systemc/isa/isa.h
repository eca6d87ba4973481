// The NeuronCore engine instruction set (docs/isa.md): the decoded form of an
// instruction, its binary encoding and the names used by the assembler.
// The enums, field positions and slot offsets come from rtl/regs/isa.json via
// the generated isa_regs.hpp; nothing here repeats a bit position.
// Plain C++17, no SystemC.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "isa_regs.hpp"
#include "numerics/numerics.h"

namespace trnsim::isa {

// The enums of rtl/regs/isa.json (values as written there: Opcode::MATMUL).
using Opcode = regs::isa::Opcode;
using Engine = regs::isa::Engine;
using Dtype = regs::isa::Dtype;
using Kind = regs::isa::Kind;
using ActFunc = regs::isa::ActFunc;
using AluOp = regs::isa::AluOp;

inline constexpr std::size_t kInstrBytes = regs::isa::INSTR_SIZE;  // 64
inline constexpr std::size_t kInstrWords = kInstrBytes / 4;         // 16
inline constexpr unsigned kNumEngines = 5;                          // Engine::TENSOR..SYNC
inline constexpr unsigned kMaxPartitions = 128;

using Words = std::array<uint32_t, kInstrWords>;

// An operand slot. Tensor operands (KIND SBUF/PSUM) use every field but imm;
// immediates (KIND IMM) only imm; ACTIVATE's short operands (bias, scale, acc)
// only kind, dtype, offset, bank, imm (their partitions are D's, one element
// each). Unused fields stay at their defaults so that equal instructions
// compare equal.
struct Operand {
  Kind kind = Kind::NONE;
  Dtype dtype = Dtype::BF16;
  uint32_t offset = 0;  // bytes in the partition (PSUM: in the bank); < 2^20
  uint8_t bank = 0;     // PSUM bank; < 8
  uint8_t start = 0;    // first partition; < 128
  uint16_t count = 0;   // partitions, 1..128 (0 only for NONE/IMM/short operands)
  uint16_t n0 = 0;      // elements per row, >= 1
  uint16_t n1 = 0;      // rows, >= 1
  int16_t s0 = 0;       // inner stride, elements
  int32_t s1 = 0;       // row stride, elements
  uint32_t imm = 0;     // IMM: FP32 bits

  bool is_tensor() const { return kind == Kind::SBUF || kind == Kind::PSUM; }
  uint32_t elems() const { return uint32_t(n0) * n1; }  // per partition
  bool operator==(const Operand& o) const;
  bool operator!=(const Operand& o) const { return !(*this == o); }
};

// Operand constructors (the kernel builder's and the tests' vocabulary).
// sbuf/psum: `elems` contiguous elements per partition (n1 = 1, s0 = 1); make
// them 2-D with .rows(n1, s1) and strided with .stride(s0).
Operand sbuf(Dtype dt, unsigned start, unsigned count, uint32_t offset, unsigned elems);
Operand psum(unsigned bank, Dtype dt, unsigned start, unsigned count, uint32_t offset,
             unsigned elems);
Operand imm(float value);
Operand imm_bits(uint32_t fp32_bits);
// A per-partition column (ACTIVATE bias/scale/acc): kind, dtype, offset, bank.
Operand sbuf_col(Dtype dt, uint32_t offset);
Operand psum_col(unsigned bank, Dtype dt, uint32_t offset);
// Modifiers returning a copy.
Operand with_rows(Operand o, unsigned n1, int32_t s1);
Operand with_stride(Operand o, int16_t s0);

struct Instruction {
  Opcode op = Opcode::NOP;
  // Header: wait until sems[wait_sem] >= wait_value before issue; increment
  // sems[signal_sem] by 1 on completion.
  bool wait_en = false;
  uint8_t wait_sem = 0;
  uint32_t wait_value = 0;
  bool signal_en = false;
  uint8_t signal_sem = 0;

  Operand d, a, b;            // slots D, A, B
  Operand bias, scale, acc;   // ACTIVATE short operands (act_slot)
  ActFunc func = ActFunc::IDENTITY;
  AluOp alu = AluOp::ADD;     // ALU, REDUCE
  bool accumulate = false;    // MATMUL
  bool load_weights = true;   // MATMUL
  uint8_t sem = 0;            // WAIT, SIGNAL, SEM_SET
  uint32_t value = 0;         // WAIT, SIGNAL, SEM_SET
  uint8_t queue = 0;          // DMA_START
  bool done_en = false;       // DMA_START
  uint8_t done_sem = 0;       // DMA_START
  uint64_t desc_addr = 0;     // DMA_START
  uint16_t desc_count = 0;    // DMA_START
  int32_t iota_base = 0, iota_part_step = 0, iota_free_step = 0;  // IOTA

  bool operator==(const Instruction& o) const;
  bool operator!=(const Instruction& o) const { return !(*this == o); }
};

// A bad instruction, program or operand. what() is the full message; the
// parts are kept for callers that format their own. Engine/index are -1 when
// not known (e.g. encoding a lone instruction).
class IsaError : public std::runtime_error {
 public:
  IsaError(std::string field, std::string problem, int engine = -1, long index = -1,
           std::string mnemonic = {});
  const std::string& field() const { return field_; }
  const std::string& problem() const { return problem_; }
  int engine() const { return engine_; }
  long index() const { return index_; }

 private:
  std::string field_, problem_;
  int engine_;
  long index_;
};

// --- names (lower case, as in the assembler) -------------------------------
const char* opcode_name(Opcode op);     // "matmul", "sem_set"; "?" if unknown
const char* engine_name(Engine e);      // "tensor", ...
const char* dtype_name(Dtype dt);       // "bf16", "fp8e4m3", "fp32", "int32"
const char* act_func_name(ActFunc f);   // "gelu_tanh", ...
const char* alu_op_name(AluOp op);      // "add", ...
std::optional<Opcode> parse_opcode(const std::string& s);
std::optional<Engine> parse_engine(const std::string& s);
std::optional<Dtype> parse_dtype(const std::string& s);
std::optional<ActFunc> parse_act_func(const std::string& s);
std::optional<AluOp> parse_alu_op(const std::string& s);
// The full mnemonic of an instruction: "matmul", "activate.exp", "alu.add".
std::string mnemonic(const Instruction& in);

bool opcode_valid(uint32_t code);
bool dtype_valid(uint32_t code);
unsigned dtype_bytes(Dtype dt);  // 2, 1, 1, 4, 4
// BF16 and FP8 map to the tensor engine's numerics::Dtype; others throw.
numerics::Dtype to_numerics(Dtype dt);
// Which engines execute an opcode (docs/isa.md, "Engines").
bool engine_executes(Engine e, Opcode op);
std::string engines_of(Opcode op);  // "vector, gpsimd"

// Static checks of an instruction (fields in range, operand kinds and dtypes
// allowed for the opcode); everything that does not depend on the core's
// configuration. Returns the first problem, or nullopt.
struct Problem {
  std::string field;    // "D", "A.count", "bias", "desc_count", ...
  std::string message;  // "partition count 0 is not in 1..128"
};
std::optional<Problem> check(const Instruction& in);

// Encode (throws IsaError naming the field if check() fails) and decode
// (throws IsaError for an unknown opcode, a bad enum value, a field out of
// range, or any bit set that the opcode does not use).
Words encode(const Instruction& in);
Instruction decode(const Words& w);
// Streams of instructions as little-endian bytes (64 per instruction).
std::vector<uint8_t> to_bytes(const std::vector<Instruction>& stream);
// Throws IsaError (index = instruction number) on a bad instruction or a
// length that is not a multiple of 64.
std::vector<Instruction> from_bytes(const uint8_t* data, std::size_t size,
                                    Engine engine = Engine::SYNC, bool engine_known = false);
Words words_from_bytes(const uint8_t* p);
void words_to_bytes(const Words& w, uint8_t* p);

// A kernel: one instruction stream per engine (Engine value = index).
struct Program {
  std::array<std::vector<Instruction>, kNumEngines> streams;
  std::vector<Instruction>& operator[](Engine e) { return streams[unsigned(e)]; }
  const std::vector<Instruction>& operator[](Engine e) const { return streams[unsigned(e)]; }
  bool operator==(const Program& o) const { return streams == o.streams; }
  std::size_t size() const;  // instructions in all streams
};

}  // namespace trnsim::isa
