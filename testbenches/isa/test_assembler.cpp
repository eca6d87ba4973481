// Assembler and disassembler: a kernel in text equals the same kernel built
// with the C++ builder; exact error messages; random round trips.
#include <catch2/catch.hpp>

#include <random>

#include "isa/assembler.h"
#include "isa/disassembler.h"
#include "isa/kernel_builder.h"
#include "isa_test_util.h"

using namespace trnsim::isa;

namespace {
std::string asm_error(const std::string& text) {
  try {
    assemble(text, "k.s");
  } catch (const AsmError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("a kernel in text equals the builder's") {
  const std::string text = R"(# y = relu(W^T x) with the weights loaded by DMA
.engine sync
dma_start q0, 0x80001000, 2, done=s0   # weights and x
.engine tensor
matmul psum0.fp32[0:32, 0x0, 16], sbuf.bf16[0:64, 0x0, 32], sbuf.bf16[0:64, 0x40, 16], wait=s0>=1, signal=s1
.engine scalar
activate.relu sbuf.bf16[0:32, 0x100, 16], psum0.fp32[0:32, 0x0, 16], bias=sbuf.fp32[0x200], scale=0.5, wait=s1>=1
end
.engine gpsimd
iota sbuf.int32[0:128, 0x400, 8, n1=2, s1=16], -3, 8, 1
)";
  KernelBuilder kb;
  const Sem loaded = kb.semaphore("loaded"), mm = kb.semaphore("mm");
  kb.sync().dma_start(0, 0x80001000ull, 2, loaded);
  kb.tensor()
      .matmul(psum(0, Dtype::FP32, 0, 32, 0, 16), sbuf(Dtype::BF16, 0, 64, 0, 32),
              sbuf(Dtype::BF16, 0, 64, 0x40, 16))
      .wait(loaded, 1)
      .signal(mm);
  ActOpts o;
  o.bias = sbuf_col(Dtype::FP32, 0x200);
  o.scale = imm(0.5f);
  kb.scalar().activate(sbuf(Dtype::BF16, 0, 32, 0x100, 16), psum(0, Dtype::FP32, 0, 32, 0, 16),
                       ActFunc::RELU, o).wait(mm, 1);
  kb.scalar().end();
  kb.gpsimd().iota(with_rows(sbuf(Dtype::INT32, 0, 128, 0x400, 8), 2, 16), -3, 8, 1);
  Program built = kb.finish();
  Program parsed = assemble(text, "k.s");
  // The text has no END on sync/tensor/gpsimd; finish() adds them.
  for (Engine e : {Engine::SYNC, Engine::TENSOR, Engine::GPSIMD}) parsed[e].push_back(assemble_line("end"));
  CHECK(parsed == built);
  // Disassembly reads back to the same program.
  const std::string dis = disassemble(built);
  INFO(dis);
  CHECK(assemble(dis) == built);
  CHECK(disassemble(built[Engine::TENSOR][0]) ==
        "matmul psum0.fp32[0:32, 0x0, 16], sbuf.bf16[0:64, 0x0, 32], sbuf.bf16[0:64, 0x40, 16], "
        "wait=s0>=1, signal=s1");
  CHECK(disassemble(built[Engine::SCALAR][0]) ==
        "activate.relu sbuf.bf16[0:32, 0x100, 16], psum0.fp32[0:32, 0x0, 16], "
        "bias=sbuf.fp32[0x200], scale=0.5, wait=s1>=1");
  CHECK(disassemble(built[Engine::GPSIMD][0]) == "iota sbuf.int32[0:128, 0x400, 8, n1=2, s1=16], -3, 8, 1");
}

TEST_CASE("assembler errors name file line column and token") {
  CHECK(asm_error(".engine vector\nfoo sbuf.bf16[0:1, 0, 1]") == "k.s:2:1: error: unknown mnemonic 'foo'");
  CHECK(asm_error(".engine vector\n  alu.pow sbuf.fp32[0:1, 0, 1], sbuf.fp32[0:1, 0, 1], 1") ==
        "k.s:2:3: error: unknown mnemonic 'alu.pow' (alu.<op>: add, sub, mul, max, min)");
  CHECK(asm_error(".engine vector\ncopy sbuf.fp32[0:1, 0, 1], bogus") ==
        "k.s:2:28: error: bad operand 'bogus' for A: expected sbuf.<dtype>[...], psum<bank>.<dtype>[...], "
        "an immediate or _");
  CHECK(asm_error(".engine vector\ncopy sbuf.fp16[0:1, 0, 1], sbuf.fp32[0:1, 0, 1]") ==
        "k.s:2:11: error: unknown dtype 'fp16' (bf16, fp8e4m3, fp8e5m2, fp32, int32)");
  CHECK(asm_error(".engine vector\ncopy sbuf.fp32[200:201, 0, 1], sbuf.fp32[0:1, 0, 1]") ==
        "k.s:2:16: error: partition start 200 is out of range (0..127)");
  CHECK(asm_error(".engine vector\ncopy sbuf.fp32[0:129, 0, 1], sbuf.fp32[0:1, 0, 1]") ==
        "k.s:2:18: error: partition end 129 is out of range (1..128)");
  CHECK(asm_error(".engine vector\ncopy sbuf.fp32[0:1, 0x100000, 1], sbuf.fp32[0:1, 0, 1]") ==
        "k.s:2:21: error: byte offset 0x100000 is out of range (0..1048575)");
  CHECK(asm_error(".engine vector\ncopy sbuf.fp32[0:1, 0, 0], sbuf.fp32[0:1, 0, 1]") ==
        "k.s:2:24: error: elements per row 0 is out of range (1..65535)");
  CHECK(asm_error(".engine sync\nwait s256, 1") == "k.s:2:6: error: semaphore 256 is out of range (0..255)");
  CHECK(asm_error(".engine sync\nwait x1, 1") == "k.s:2:6: error: bad semaphore 'x1': expected s<number>");
  CHECK(asm_error(".engine vector\nmatmul psum0.fp32[0:1, 0, 1], sbuf.bf16[0:1, 0, 1], sbuf.bf16[0:1, 0, 1]") ==
        "k.s:2:1: error: matmul does not run on the vector engine (runs on: tensor)");
  CHECK(asm_error("nop") == "k.s:1:1: error: instruction before any '.engine' line");
  CHECK(asm_error(".engine warp") == "k.s:1:9: error: unknown engine 'warp' (tensor, vector, scalar, gpsimd, sync)");
  CHECK(asm_error(".engin tensor") == "k.s:1:1: error: unknown directive '.engin'");
  CHECK(asm_error(".engine tensor\nmatmul sbuf.fp32[0:1, 0, 1], sbuf.bf16[0:1, 0, 1], sbuf.bf16[0:1, 0, 1]") ==
        "k.s:2:8: error: D: matmul writes PSUM, not SBUF");
  CHECK(asm_error(".engine tensor\nmatmul psum0.fp32[0:1, 0, 1], sbuf.fp32[0:1, 0, 1], sbuf.bf16[0:1, 0, 1]") ==
        "k.s:2:31: error: A.dtype: bad dtype fp32 for matmul (bf16, fp8e4m3, fp8e5m2)");
  CHECK(asm_error(".engine tensor\nmatmul psum0.fp32[0:1, 0, 1], sbuf.bf16[0:1, 0, 1]") ==
        "k.s:2:1: error: matmul takes 3 operands (D, A, B), got 2");
  CHECK(asm_error(".engine vector\nnop 1") == "k.s:2:5: error: nop takes 0 operands, got 1");
  CHECK(asm_error(".engine vector\nnop, wait=s1") == "k.s:2:4: error: empty operand before ','");
  CHECK(asm_error(".engine vector\nnop wait=s1") == "k.s:2:10: error: bad wait 's1': expected wait=s<n>>=<value>");
  CHECK(asm_error(".engine vector\nnop colour=s1") == "k.s:2:5: error: unknown option 'colour' for nop");
  CHECK(asm_error(".engine vector\nnop accumulate") == "k.s:2:5: error: option 'accumulate' is not valid for nop");
  CHECK(asm_error(".engine vector\nnop $") == "k.s:2:5: error: unexpected character '$'");
  CHECK(asm_error(".engine scalar\nactivate.exp sbuf.fp32[0:4, 0, 4], sbuf.fp32[0:4, 0, 4], bias=sbuf.fp32[0:4, 0, 1]") ==
        "k.s:2:58: error: bias: a column takes only memory, bank, dtype and offset (its partitions are D's)");
  CHECK(asm_error(".engine vector\nalu.add sbuf.fp32[0:4, 0, 4], sbuf.fp32[0:4, 0, 4], 1.5x") ==
        "k.s:2:53: error: bad immediate '1.5x'");
  CHECK(asm_error(".engine vector\ncopy psum9.fp32[0:4, 0, 4], sbuf.fp32[0:4, 0, 4]") ==
        "k.s:2:6: error: PSUM bank 9 is out of range (0..7)");
  CHECK(asm_error(".engine sync\ndma_start q0, 0x1000, 0") ==
        "k.s:2:23: error: descriptor count 0 is out of range (1..65535)");
  CHECK_THROWS_AS(assemble_stream(".engine tensor\n"), AsmError);
  CHECK_THROWS_WITH(assemble_stream("nop\nmatmul psum0.fp32[0:1, 0, 1], sbuf.bf16[0:1, 0, 1], sbuf.bf16[0:1, 0, 1]",
                                    "s.s", Engine::SCALAR),
                    "s.s:2:1: error: matmul does not run on the scalar engine (runs on: tensor)");
}

TEST_CASE("random programs round trip through text and binary") {
  const uint32_t seed = 20240611u;
  std::mt19937 rng(seed);
  INFO("seed " << seed);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<Instruction> stream;
    for (int i = 0; i < 10; ++i) stream.push_back(test::random_instruction(rng));
    const std::string text = disassemble(stream);
    INFO("iteration " << iter << "\n" << text);
    const std::vector<Instruction> back = assemble_stream(text, "random.s");
    REQUIRE(back == stream);
    const auto bytes = to_bytes(stream);
    REQUIRE(from_bytes(bytes.data(), bytes.size()) == stream);
    REQUIRE(disassemble_bytes(bytes.data(), bytes.size()) == text);
  }
}

TEST_CASE("immediates keep every FP32 bit pattern") {
  for (uint32_t bits : {0u, 0x80000000u, 0x3F800000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u,
                        0x7FC00001u, 0xFFC00000u, 0x00000001u, 0x7F7FFFFFu, 0x33D6BF95u}) {
    Instruction in;
    in.op = Opcode::MEMSET;
    in.d = sbuf(Dtype::FP32, 0, 1, 0, 1);
    in.a = imm_bits(bits);
    const std::string t = disassemble(in);
    INFO(t);
    CHECK(assemble_line(t) == in);
  }
}

TEST_CASE("kernel builder checks engine and fields") {
  KernelBuilder kb;
  CHECK_THROWS_WITH(kb.vector().matmul(psum(0, Dtype::FP32, 0, 1, 0, 1), sbuf(Dtype::BF16, 0, 1, 0, 1),
                                       sbuf(Dtype::BF16, 0, 1, 0, 1)),
                    "vector engine, instruction 0 (matmul): opcode: matmul does not run on the vector "
                    "engine (runs on: tensor)");
  kb.vector().nop();
  CHECK_THROWS_WITH(kb.vector().add(sbuf(Dtype::FP32, 0, 0, 0, 1), sbuf(Dtype::FP32, 0, 1, 0, 1), imm(1)),
                    "vector engine, instruction 1 (alu.add): D.count: partition count 0 is not in 1..128");
  const Sem s = kb.semaphore("x");
  auto r = kb.vector().nop().wait(s, 3);
  CHECK_THROWS_WITH(r.wait(s, 4),
                    "vector engine, instruction 1 (nop): wait: already waits on semaphore 0 (one header "
                    "wait per instruction; add a WAIT before it)");
  CHECK(kb.sem_name(s) == "x");
  const Program p = kb.finish();
  CHECK(p[Engine::VECTOR].size() == 3);
  CHECK(p[Engine::VECTOR].back().op == Opcode::END);
  CHECK(p[Engine::TENSOR].empty());
}
