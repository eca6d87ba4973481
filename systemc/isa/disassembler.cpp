// Binary -> assembly text; the inverse of assembler.cpp.
#include "isa/disassembler.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace trnsim::isa {
namespace {
std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string fp32_text(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  if (std::isnan(f)) return bits == numerics::kCanonicalNan ? "nan" : "f32:" + hex(bits);
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", double(f));
  return buf;
}

std::string mem_prefix(const Operand& o) {
  std::string s = o.kind == Kind::PSUM ? "psum" + std::to_string(o.bank) : "sbuf";
  return s + "." + dtype_name(o.dtype);
}

const uint32_t kOne = 0x3F800000u;  // 1.0f
}  // namespace

std::string disassemble(const Operand& o) {
  switch (o.kind) {
    case Kind::NONE: return "_";
    case Kind::IMM: return fp32_text(o.imm);
    default: break;
  }
  if (o.count == 0)  // a column (ACTIVATE's short operands)
    return mem_prefix(o) + "[" + hex(o.offset) + "]";
  std::string s = mem_prefix(o) + "[" + std::to_string(o.start) + ":" +
                  std::to_string(unsigned(o.start) + o.count) + ", " + hex(o.offset) + ", " +
                  std::to_string(o.n0);
  if (o.s0 != 1) s += ", s0=" + std::to_string(o.s0);
  if (o.n1 != 1) s += ", n1=" + std::to_string(o.n1);
  if (o.s1 != 0) s += ", s1=" + std::to_string(o.s1);
  return s + "]";
}

std::string disassemble(const Instruction& in) {
  std::vector<std::string> args;
  auto sem = [](unsigned s) { return "s" + std::to_string(s); };
  switch (in.op) {
    case Opcode::WAIT:
    case Opcode::SIGNAL:
    case Opcode::SEM_SET:
      args = {sem(in.sem), std::to_string(in.value)};
      break;
    case Opcode::DMA_START:
      args = {"q" + std::to_string(in.queue), hex(in.desc_addr), std::to_string(in.desc_count)};
      if (in.done_en) args.push_back("done=" + sem(in.done_sem));
      break;
    case Opcode::MATMUL:
      args = {disassemble(in.d), disassemble(in.a), disassemble(in.b)};
      if (in.accumulate) args.push_back("accumulate");
      if (!in.load_weights) args.push_back("reuse_weights");
      break;
    case Opcode::ACTIVATE:
      args = {disassemble(in.d), disassemble(in.a)};
      if (!(in.bias.kind == Kind::IMM && in.bias.imm == 0)) args.push_back("bias=" + disassemble(in.bias));
      if (!(in.scale.kind == Kind::IMM && in.scale.imm == kOne))
        args.push_back("scale=" + disassemble(in.scale));
      if (in.acc.kind != Kind::NONE) args.push_back("acc=" + disassemble(in.acc));
      break;
    case Opcode::ALU: args = {disassemble(in.d), disassemble(in.a), disassemble(in.b)}; break;
    case Opcode::REDUCE:
    case Opcode::COPY:
    case Opcode::TRANSPOSE:
    case Opcode::MEMSET: args = {disassemble(in.d), disassemble(in.a)}; break;
    case Opcode::IOTA:
      args = {disassemble(in.d), std::to_string(in.iota_base), std::to_string(in.iota_part_step),
              std::to_string(in.iota_free_step)};
      break;
    default: break;
  }
  if (in.wait_en) args.push_back("wait=" + sem(in.wait_sem) + ">=" + std::to_string(in.wait_value));
  if (in.signal_en) args.push_back("signal=" + sem(in.signal_sem));
  std::string s = mnemonic(in);
  for (std::size_t i = 0; i < args.size(); ++i) s += (i ? ", " : " ") + args[i];
  return s;
}

std::string disassemble(const std::vector<Instruction>& stream) {
  std::string s;
  for (const Instruction& in : stream) s += disassemble(in) + "\n";
  return s;
}

std::string disassemble(const Program& prog) {
  std::string s;
  for (unsigned e = 0; e < kNumEngines; ++e) {
    if (prog.streams[e].empty()) continue;
    s += std::string(".engine ") + engine_name(Engine(e)) + "\n" + disassemble(prog.streams[e]);
  }
  return s;
}

std::string disassemble_bytes(const uint8_t* data, std::size_t size) {
  return disassemble(from_bytes(data, size));
}

}  // namespace trnsim::isa
