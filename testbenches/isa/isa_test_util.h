// Shared helpers of the ISA tests: random valid instructions.
#pragma once

#include <cstdint>
#include <random>

#include "isa/isa.h"

namespace trnsim::isa::test {

inline Operand random_tensor(std::mt19937& rng, bool psum_ok = true) {
  auto u = [&](uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng); };
  Operand o;
  o.kind = psum_ok && u(0, 1) ? Kind::PSUM : Kind::SBUF;
  o.dtype = Dtype(u(0, 4));
  o.offset = u(0, (1u << 20) - 1);
  o.bank = o.kind == Kind::PSUM ? uint8_t(u(0, 7)) : 0;
  o.start = uint8_t(u(0, 127));
  o.count = uint16_t(u(1, 128));
  o.n0 = uint16_t(u(1, 65535));
  o.n1 = uint16_t(u(0, 3) ? 1 : u(1, 65535));
  o.s0 = int16_t(u(0, 3) ? 1 : int32_t(u(0, 65535)) - 32768);
  o.s1 = u(0, 3) ? 0 : int32_t(u(0, 0xFFFFFFFFu));
  return o;
}

inline uint32_t random_fp32_bits(std::mt19937& rng) {
  return std::uniform_int_distribution<uint32_t>(0, 0xFFFFFFFFu)(rng);
}

inline Operand random_column(std::mt19937& rng) {
  auto u = [&](uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng); };
  if (u(0, 1)) return sbuf_col(Dtype(u(0, 4)), u(0, (1u << 20) - 1));
  return psum_col(u(0, 7), Dtype(u(0, 4)), u(0, (1u << 20) - 1));
}

// A random instruction that passes isa::check (any opcode, any fields).
inline Instruction random_instruction(std::mt19937& rng) {
  auto u = [&](uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng); };
  static const Opcode ops[] = {Opcode::NOP,      Opcode::END,       Opcode::WAIT,   Opcode::SIGNAL,
                               Opcode::SEM_SET,  Opcode::DMA_START, Opcode::MATMUL, Opcode::ACTIVATE,
                               Opcode::ALU,      Opcode::REDUCE,    Opcode::COPY,   Opcode::TRANSPOSE,
                               Opcode::MEMSET,   Opcode::IOTA};
  Instruction in;
  in.op = ops[u(0, 13)];
  if (u(0, 1)) {
    in.wait_en = true;
    in.wait_sem = uint8_t(u(0, 255));
    in.wait_value = u(0, 0xFFFFFFFFu);
  }
  if (u(0, 1)) {
    in.signal_en = true;
    in.signal_sem = uint8_t(u(0, 255));
  }
  const Dtype mm[] = {Dtype::BF16, Dtype::FP8E4M3, Dtype::FP8E5M2};
  switch (in.op) {
    case Opcode::WAIT:
    case Opcode::SIGNAL:
    case Opcode::SEM_SET:
      in.sem = uint8_t(u(0, 255));
      in.value = u(0, 0xFFFFFFFFu);
      break;
    case Opcode::DMA_START:
      in.queue = uint8_t(u(0, 255));
      in.desc_addr = (uint64_t(u(0, 0xFFFFFFFFu)) << 32) | u(0, 0xFFFFFFFFu);
      in.desc_count = uint16_t(u(1, 65535));
      if (u(0, 1)) {
        in.done_en = true;
        in.done_sem = uint8_t(u(0, 255));
      }
      break;
    case Opcode::MATMUL:
      in.d = random_tensor(rng);
      in.d.kind = Kind::PSUM;
      in.d.bank = uint8_t(u(0, 7));
      in.d.dtype = Dtype::FP32;
      in.load_weights = u(0, 3) != 0;
      if (in.load_weights) {
        in.a = random_tensor(rng, false);
        in.a.dtype = mm[u(0, 2)];
      }
      in.b = random_tensor(rng, false);
      in.b.dtype = mm[u(0, 2)];
      in.accumulate = u(0, 1);
      break;
    case Opcode::ACTIVATE:
      in.d = random_tensor(rng);
      in.a = random_tensor(rng);
      in.func = ActFunc(u(0, 8));
      in.bias = u(0, 1) ? imm_bits(random_fp32_bits(rng)) : random_column(rng);
      in.scale = u(0, 1) ? imm_bits(random_fp32_bits(rng)) : random_column(rng);
      if (u(0, 1)) in.acc = random_column(rng);
      break;
    case Opcode::ALU:
      in.alu = AluOp(u(0, 4));
      in.d = random_tensor(rng);
      in.a = random_tensor(rng);
      in.b = u(0, 1) ? random_tensor(rng) : imm_bits(random_fp32_bits(rng));
      break;
    case Opcode::REDUCE: {
      const AluOp r[] = {AluOp::ADD, AluOp::MAX, AluOp::MIN};
      in.alu = r[u(0, 2)];
      in.d = random_tensor(rng);
      in.a = random_tensor(rng);
      break;
    }
    case Opcode::COPY:
    case Opcode::TRANSPOSE:
      in.d = random_tensor(rng);
      in.a = random_tensor(rng);
      break;
    case Opcode::MEMSET:
      in.d = random_tensor(rng);
      in.a = imm_bits(random_fp32_bits(rng));
      break;
    case Opcode::IOTA:
      in.d = random_tensor(rng);
      in.iota_base = int32_t(u(0, 0xFFFFFFFFu));
      in.iota_part_step = int32_t(u(0, 0xFFFFFFFFu));
      in.iota_free_step = int32_t(u(0, 0xFFFFFFFFu));
      break;
    default: break;
  }
  return in;
}

}  // namespace trnsim::isa::test
