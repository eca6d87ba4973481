// Binary encoding: golden words, round trips of every opcode and field
// extreme, and the exact errors of encode and decode.
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "isa/assembler.h"
#include "isa/isa.h"
#include "isa_test_util.h"

using namespace trnsim::isa;

namespace {
Instruction roundtrip(const Instruction& in) { return decode(encode(in)); }

std::string decode_error(const Words& w) {
  try {
    decode(w);
  } catch (const IsaError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string encode_error(const Instruction& in) {
  try {
    encode(in);
  } catch (const IsaError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("golden encoding of a matmul pins the format") {
  const Instruction in = assemble_line(
      "matmul psum2.fp32[0:64, 0x40, 32], sbuf.bf16[0:128, 0x100, 64], "
      "sbuf.fp8e4m3[0:128, 0x2000, 32], accumulate, wait=s3>=7, signal=s4");
  const Words expect = {0x03040310u, 7u,
                        0x22300040u, 0x00204000u, 0x00010001u, 0u,
                        0x10000100u, 0x00408000u, 0x00010001u, 0u,
                        0x10102000u, 0x00208000u, 0x00010001u, 0u,
                        0u,          3u};
  CHECK(encode(in) == expect);
  CHECK(decode(expect) == in);
  CHECK(kInstrBytes == 64);
}

TEST_CASE("every opcode round trips through encode and decode") {
  std::mt19937 rng(1234);
  INFO("seed 1234");
  std::set<Opcode> seen;
  for (int i = 0; i < 2000; ++i) {
    const Instruction in = test::random_instruction(rng);
    seen.insert(in.op);
    INFO("instruction " << i << " opcode " << opcode_name(in.op));
    REQUIRE(roundtrip(in) == in);
  }
  CHECK(seen.size() == 14);
}

TEST_CASE("field extremes round trip") {
  Instruction in;
  in.op = Opcode::ALU;
  in.alu = AluOp::MIN;
  in.wait_en = in.signal_en = true;
  in.wait_sem = in.signal_sem = 255;
  in.wait_value = 0xFFFFFFFFu;
  Operand lo = sbuf(Dtype::BF16, 0, 1, 0, 1);
  lo.s0 = -32768;
  lo.s1 = INT32_MIN;
  Operand hi = psum(7, Dtype::INT32, 127, 128, (1u << 20) - 1, 65535);
  hi.n1 = 65535;
  hi.s0 = 32767;
  hi.s1 = INT32_MAX;
  in.d = lo;
  in.a = hi;
  in.b = imm_bits(0xFFFFFFFFu);
  CHECK(roundtrip(in) == in);
  in.b = hi;
  CHECK(roundtrip(in) == in);

  Instruction dma;
  dma.op = Opcode::DMA_START;
  dma.queue = 255;
  dma.desc_addr = ~0ull;
  dma.desc_count = 65535;
  dma.done_en = true;
  dma.done_sem = 255;
  CHECK(roundtrip(dma) == dma);

  Instruction io;
  io.op = Opcode::IOTA;
  io.d = hi;
  io.iota_base = INT32_MIN;
  io.iota_part_step = INT32_MAX;
  io.iota_free_step = -1;
  CHECK(roundtrip(io) == io);

  Instruction act;
  act.op = Opcode::ACTIVATE;
  act.func = ActFunc::SQUARE;
  act.d = hi;
  act.a = lo;
  act.bias = psum_col(7, Dtype::INT32, (1u << 20) - 1);
  act.scale = imm_bits(0x80000000u);
  act.acc = sbuf_col(Dtype::FP8E5M2, 0);
  CHECK(roundtrip(act) == act);

  // Byte streams: little-endian, 64 bytes each.
  const std::vector<Instruction> s = {in, dma, io, act};
  const auto bytes = to_bytes(s);
  REQUIRE(bytes.size() == 4 * 64);
  CHECK(bytes[0] == 0x30);  // ALU opcode, low byte of word 0
  CHECK(from_bytes(bytes.data(), bytes.size()) == s);
}

TEST_CASE("decode rejects unknown opcodes stray bits and bad enums") {
  Words w{};
  w[0] = 0x7F;
  CHECK(decode_error(w) == "opcode: unknown opcode 0x7f");
  w = Words{};  // NOP
  w[15] = 0x80000000u;
  CHECK(decode_error(w) == "(nop): word 15: bits 0x80000000 are not used by nop and must be 0");
  w = Words{};
  w[0] = 1u << 26;  // header bit above SIGNAL_EN
  CHECK(decode_error(w) == "(nop): word 0: bits 0x04000000 are not used by nop and must be 0");
  // COPY with D of dtype 9.
  Instruction c;
  c.op = Opcode::COPY;
  c.d = sbuf(Dtype::FP32, 0, 4, 0, 8);
  c.a = sbuf(Dtype::BF16, 0, 4, 64, 8);
  w = encode(c);
  w[2] = (w[2] & ~(0xFu << 20)) | (9u << 20);
  CHECK(decode_error(w) == "(copy): D.dtype: bad dtype 9");
  // A wait semaphore without WAIT_EN.
  w = Words{};
  w[0] = 5u << 8;
  CHECK(decode_error(w) == "(nop): wait: wait semaphore/value set without wait enabled");
  // Activate function 12.
  Instruction a = assemble_line("activate.exp sbuf.fp32[0:8, 0, 4], sbuf.fp32[0:8, 16, 4]");
  w = encode(a);
  w[15] = 12;
  CHECK(decode_error(w) == "(activate.?): func: unknown function 12");
  // A stream whose length is not a multiple of 64, and a bad instruction inside one.
  const std::vector<uint8_t> odd(65, 0);
  CHECK_THROWS_WITH(from_bytes(odd.data(), odd.size()), "stream: length 65 bytes is not a multiple of 64");
  std::vector<uint8_t> two(128, 0);
  two[64] = 0xEE;
  CHECK_THROWS_WITH(from_bytes(two.data(), two.size(), Engine::VECTOR, true),
                    "vector engine, instruction 1: opcode: unknown opcode 0xee");
}

TEST_CASE("encode names the bad field") {
  Instruction m;
  m.op = Opcode::MATMUL;
  m.d = psum(0, Dtype::FP32, 0, 8, 0, 8);
  m.a = sbuf(Dtype::BF16, 0, 8, 0, 8);
  m.b = sbuf(Dtype::BF16, 0, 8, 64, 8);
  CHECK(encode_error(m) == "(no error)");
  Instruction bad = m;
  bad.d.count = 0;
  CHECK(encode_error(bad) == "(matmul): D.count: partition count 0 is not in 1..128");
  bad = m;
  bad.d.kind = Kind::SBUF;
  CHECK(encode_error(bad) == "(matmul): D: matmul writes PSUM, not SBUF");
  bad = m;
  bad.a.dtype = Dtype::FP32;
  CHECK(encode_error(bad) == "(matmul): A.dtype: bad dtype fp32 for matmul (bf16, fp8e4m3, fp8e5m2)");
  bad = m;
  bad.b.offset = 1u << 20;
  CHECK(encode_error(bad) == "(matmul): B.offset: byte offset 1048576 does not fit 20 bits (max 1048575)");
  bad = m;
  bad.d.bank = 8;
  CHECK(encode_error(bad) == "(matmul): D.bank: PSUM bank 8 is not in 0..7");
  bad = m;
  bad.a.start = 128;
  CHECK(encode_error(bad) == "(matmul): A.start: start partition 128 is not in 0..127");
  bad = m;
  bad.b.n0 = 0;
  CHECK(encode_error(bad) == "(matmul): B.n0: elements per row must be at least 1");
  bad = m;
  bad.load_weights = false;
  CHECK(encode_error(bad) == "(matmul): A: must be _ when the weights are reused (reuse_weights)");
  bad = m;
  bad.sem = 3;
  CHECK(encode_error(bad) == "(matmul): sem: is not used by matmul");
  Instruction r;
  r.op = Opcode::REDUCE;
  r.alu = AluOp::SUB;
  r.d = sbuf(Dtype::FP32, 0, 8, 0, 1);
  r.a = sbuf(Dtype::FP32, 0, 8, 4, 8);
  CHECK(encode_error(r) == "(reduce.sub): op: reduce takes add, max or min, not sub");
  Instruction d;
  d.op = Opcode::DMA_START;
  CHECK(encode_error(d) == "(dma_start): desc_count: descriptor count must be at least 1");
}
