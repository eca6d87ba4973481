// Functional semantics against references: matmul bit for bit against
// numerics::gemm_ref; ALU, reductions and casts against plain C++; the
// scalar engine's functions within 1 FP32 ulp of a long-double reference;
// every bounds error; the interpreter (semaphores, DMA hook, deadlock).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "isa/assembler.h"
#include "isa/kernel_builder.h"
#include "isa/semantics.h"

using namespace trnsim::isa;
namespace num = trnsim::numerics;

namespace {
CoreConfig small_cfg() {
  CoreConfig c;
  c.sbuf_partition_bytes = 16 * 1024;
  c.psum_bank_bytes = 2048;
  c.semaphores = 16;
  c.dma_queues = 4;
  return c;
}

uint32_t f2b(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float b2f(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// A random finite code of a tensor-engine input type.
uint16_t random_code(std::mt19937& rng, Dtype dt) {
  for (;;) {
    const uint32_t c = rng() & (dt == Dtype::BF16 ? 0xFFFFu : 0xFFu);
    const uint32_t w = to_fp32(dt, c);
    if ((w & 0x7F800000u) != 0x7F800000u) return uint16_t(c);
  }
}

const ExecContext kVec{Engine::VECTOR, 7};

std::string exec_error(const Instruction& in, CoreState& st, ExecContext ctx = kVec) {
  try {
    execute(in, st, ctx);
  } catch (const IsaError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("matmul is bit-exact with numerics gemm_ref") {
  const uint32_t seed = 777;
  std::mt19937 rng(seed);
  INFO("seed " << seed);
  const Dtype types[] = {Dtype::BF16, Dtype::FP8E4M3, Dtype::FP8E5M2};
  for (unsigned pe_rows : {128u, 8u}) {
    CoreConfig cfg = small_cfg();
    cfg.pe_rows = pe_rows;
    for (Dtype dta : types)
      for (Dtype dtb : types)
        for (bool acc : {false, true}) {
          CoreState st(cfg);
          const unsigned k = 1 + rng() % 40, n = 1 + rng() % 24, m = 1 + rng() % 20;
          const unsigned kstart = rng() % (128 - k), nstart = rng() % (128 - n);
          INFO("pe_rows " << pe_rows << " K " << k << " N " << n << " M " << m << " dtypes "
                          << dtype_name(dta) << " x " << dtype_name(dtb) << " acc " << acc);
          // Stationary W[K][N] at 0x0; moving X[K][M] at 0x400 with a row stride (2-D).
          const Operand w = sbuf(dta, kstart, k, 0, n);
          Operand x = with_rows(sbuf(dtb, kstart, k, 0x400, (m + 1) / 2), 2, 64);
          x.n0 = uint16_t((m + 1) / 2);
          const unsigned mm = x.elems();
          const Operand d = psum(3, Dtype::FP32, nstart, n, 64, mm);
          std::vector<uint16_t> wc(k * n), xa(mm * k);  // B'[K][N], A'[M][K]
          for (unsigned kk = 0; kk < k; ++kk)
            for (unsigned j = 0; j < n; ++j) {
              wc[kk * n + j] = random_code(rng, dta);
              st.write(w, kk, j, wc[kk * n + j]);
            }
          for (unsigned kk = 0; kk < k; ++kk)
            for (unsigned i = 0; i < mm; ++i) {
              xa[i * k + kk] = random_code(rng, dtb);
              st.write(x, kk, i, xa[i * k + kk]);
            }
          std::vector<uint32_t> c(mm * n);
          for (unsigned j = 0; j < n; ++j)
            for (unsigned i = 0; i < mm; ++i) {
              c[i * n + j] = f2b(float(int(rng() % 200) - 100) / 8.0f);
              st.write(d, j, i, c[i * n + j]);
            }
          Instruction in;
          in.op = Opcode::MATMUL;
          in.d = d;
          in.a = w;
          in.b = x;
          in.accumulate = acc;
          REQUIRE(execute(in, st, {Engine::TENSOR, 0}).status == ExecStatus::kDone);
          num::GemmShape s;
          s.m = mm;
          s.k = k;
          s.n = n;
          s.tile_rows = pe_rows;
          num::gemm_ref(s, to_numerics(dtb), xa.data(), to_numerics(dta), wc.data(), c.data(), acc);
          for (unsigned j = 0; j < n; ++j)
            for (unsigned i = 0; i < mm; ++i) REQUIRE(st.read(d, j, i) == c[i * n + j]);
          // Reusing the loaded weights gives the same again (accumulating doubles it exactly).
          Instruction again = in;
          again.a = Operand{};
          again.load_weights = false;
          again.accumulate = false;
          REQUIRE(execute(again, st, {Engine::TENSOR, 1}).status == ExecStatus::kDone);
          std::vector<uint32_t> c2(mm * n, 0);
          num::gemm_ref(s, to_numerics(dtb), xa.data(), to_numerics(dta), wc.data(), c2.data(), false);
          for (unsigned j = 0; j < n; ++j)
            for (unsigned i = 0; i < mm; ++i) REQUIRE(st.read(d, j, i) == c2[i * n + j]);
        }
  }
}

TEST_CASE("casts round to nearest even and round trip every code") {
  for (uint32_t c = 0; c < 0x10000; ++c) {
    const uint32_t w = to_fp32(Dtype::BF16, c);
    const bool nan = std::isnan(b2f(w));
    const bool sub = (c & 0x7F80u) == 0 && (c & 0x7Fu);
    if (nan) CHECK(from_fp32(Dtype::BF16, w) == 0x7FC0u);
    else if (!sub) REQUIRE(from_fp32(Dtype::BF16, w) == c);  // subnormals read as zero (DAZ)
  }
  for (Dtype dt : {Dtype::FP8E4M3, Dtype::FP8E5M2}) {
    // Every finite code round trips; a reference rounding picks the nearest
    // code value (ties to the even code) by search.
    std::map<double, uint32_t> values;
    for (uint32_t c = 0; c < 0x80; ++c) {
      const float v = b2f(to_fp32(dt, c));
      if (std::isnan(v)) continue;
      if (!std::isinf(v)) {
        REQUIRE(from_fp32(dt, f2b(v)) == c);
        REQUIRE(from_fp32(dt, f2b(-v)) == (c | 0x80u));
        values[v] = c;
      }
    }
    const double maxv = values.rbegin()->first;
    std::mt19937 rng(99);
    INFO("seed 99 " << dtype_name(dt));
    for (int i = 0; i < 20000; ++i) {
      const float f = std::ldexp(float(rng() % 100000) / 100000.0f, int(rng() % 30) - 18);
      uint32_t want;
      auto hi = values.lower_bound(f);
      if (hi == values.end()) {
        const double half = maxv + (maxv - std::prev(values.end(), 2)->first) / 2;
        want = dt == Dtype::FP8E4M3 ? values.rbegin()->second : (f < half ? values.rbegin()->second : 0x7Cu);
      } else if (hi->first == f || hi == values.begin()) {
        want = hi->second;
      } else {
        auto lo = std::prev(hi);
        const double dl = f - lo->first, dh = hi->first - f;
        want = dl < dh ? lo->second : dh < dl ? hi->second : ((lo->second & 1) ? hi->second : lo->second);
      }
      INFO("value " << f);
      REQUIRE(from_fp32(dt, f2b(f)) == want);
    }
    CHECK(from_fp32(dt, 0x7F800000u) == (dt == Dtype::FP8E4M3 ? 0x7Eu : 0x7Cu));
    CHECK(from_fp32(dt, 0x7FC00000u) == (dt == Dtype::FP8E4M3 ? 0x7Fu : 0x7Eu));
  }
  CHECK(from_fp32(Dtype::BF16, f2b(1.0f + 1.0f / 256)) == 0x3F80u);  // tie -> even
  CHECK(from_fp32(Dtype::BF16, f2b(1.0f + 3.0f / 256)) == 0x3F82u);  // tie -> even (up)
  CHECK(from_fp32(Dtype::INT32, f2b(2.5f)) == 2u);
  CHECK(from_fp32(Dtype::INT32, f2b(-3.5f)) == uint32_t(-4));
  CHECK(from_fp32(Dtype::INT32, f2b(1e20f)) == 0x7FFFFFFFu);
  CHECK(from_fp32(Dtype::INT32, 0x7FC00000u) == 0u);
  CHECK(to_fp32(Dtype::INT32, uint32_t(16777217)) == f2b(16777216.0f));
}

TEST_CASE("alu reduce copy transpose memset iota against plain C++") {
  const uint32_t seed = 4242;
  std::mt19937 rng(seed);
  INFO("seed " << seed);
  std::uniform_real_distribution<float> val(-100.0f, 100.0f);
  CoreState st(small_cfg());
  const unsigned P = 16, F = 24;
  const Operand a = sbuf(Dtype::FP32, 8, P, 0, F), b = sbuf(Dtype::FP32, 8, P, 0x100, F);
  const Operand col = sbuf(Dtype::FP32, 8, P, 0x200, 1);
  std::vector<float> av(P * F), bv(P * F), cv(P);
  for (unsigned p = 0; p < P; ++p) {
    cv[p] = val(rng);
    st.write(col, p, 0, f2b(cv[p]));
    for (unsigned i = 0; i < F; ++i) {
      av[p * F + i] = val(rng);
      bv[p * F + i] = val(rng);
      st.write(a, p, i, f2b(av[p * F + i]));
      st.write(b, p, i, f2b(bv[p * F + i]));
    }
  }
  auto ref = [](AluOp op, float x, float y) {
    switch (op) {
      case AluOp::ADD: return x + y;
      case AluOp::SUB: return x - y;
      case AluOp::MUL: return x * y;
      case AluOp::MAX: return std::max(x, y);
      default: return std::min(x, y);
    }
  };
  const Operand out = sbuf(Dtype::FP32, 8, P, 0x300, F);
  const Operand out_bf = sbuf(Dtype::BF16, 8, P, 0x400, F);
  for (AluOp op : {AluOp::ADD, AluOp::SUB, AluOp::MUL, AluOp::MAX, AluOp::MIN}) {
    for (int form = 0; form < 3; ++form) {  // tensor, per-partition column, immediate
      Instruction in;
      in.op = Opcode::ALU;
      in.alu = op;
      in.d = out;
      in.a = a;
      in.b = form == 0 ? b : form == 1 ? col : imm(2.5f);
      REQUIRE(execute(in, st, kVec).status == ExecStatus::kDone);
      for (unsigned p = 0; p < P; ++p)
        for (unsigned i = 0; i < F; ++i) {
          const float y = form == 0 ? bv[p * F + i] : form == 1 ? cv[p] : 2.5f;
          REQUIRE(st.read(out, p, i) == f2b(ref(op, av[p * F + i], y)));
        }
    }
  }
  // A BF16 destination rounds the FP32 result to nearest even.
  Instruction add;
  add.op = Opcode::ALU;
  add.d = out_bf;
  add.a = a;
  add.b = b;
  execute(add, st, kVec);
  for (unsigned p = 0; p < P; ++p)
    for (unsigned i = 0; i < F; ++i) {
      const uint32_t s = f2b(av[p * F + i] + bv[p * F + i]);
      REQUIRE(st.read(out_bf, p, i) == ((s + 0x7FFFu + ((s >> 16) & 1u)) >> 16));
    }
  // Reductions along the free dim, in increasing element order from +0.
  for (AluOp op : {AluOp::ADD, AluOp::MAX, AluOp::MIN}) {
    Instruction r;
    r.op = Opcode::REDUCE;
    r.alu = op;
    r.d = sbuf(Dtype::FP32, 8, P, 0x500, 1);
    r.a = a;
    execute(r, st, kVec);
    for (unsigned p = 0; p < P; ++p) {
      float acc = op == AluOp::ADD ? 0.0f : av[p * F];
      for (unsigned i = op == AluOp::ADD ? 0 : 1; i < F; ++i) acc = ref(op, acc, av[p * F + i]);
      REQUIRE(st.read(r.d, p, 0) == f2b(acc));
    }
  }
  // Transpose a [P x F] FP32 tile into [F x P] BF16, then copy it back.
  Instruction t;
  t.op = Opcode::TRANSPOSE;
  t.d = sbuf(Dtype::BF16, 0, F, 0x600, P);
  t.a = a;
  execute(t, st, kVec);
  for (unsigned p = 0; p < P; ++p)
    for (unsigned i = 0; i < F; ++i) REQUIRE(st.read(t.d, i, p) == from_fp32(Dtype::BF16, f2b(av[p * F + i])));
  Instruction cp;
  cp.op = Opcode::COPY;
  cp.d = sbuf(Dtype::FP32, 0, F, 0x700, P);
  cp.a = t.d;
  execute(cp, st, kVec);
  for (unsigned j = 0; j < F; ++j)
    for (unsigned p = 0; p < P; ++p) REQUIRE(st.read(cp.d, j, p) == (st.read(t.d, j, p) << 16));
  // Overlapping in-place ALU is defined (sources are read first).
  Instruction inplace = add;
  inplace.d = a;
  inplace.b = imm(1.0f);
  execute(inplace, st, kVec);
  for (unsigned i = 0; i < F; ++i) REQUIRE(st.read(a, 0, i) == f2b(av[i] + 1.0f));
  // memset and iota (GpSimd).
  Instruction ms;
  ms.op = Opcode::MEMSET;
  ms.d = with_stride(sbuf(Dtype::FP8E4M3, 0, 4, 0x900, 5), 2);
  ms.a = imm(-1.5f);
  execute(ms, st, {Engine::GPSIMD, 0});
  for (unsigned i = 0; i < 5; ++i) REQUIRE(st.read(ms.d, 3, i) == 0xBCu);  // -1.5 in E4M3
  REQUIRE(*st.sbuf(3, 0x901) == 0);                                          // stride 2 skips
  Instruction io;
  io.op = Opcode::IOTA;
  io.d = sbuf(Dtype::INT32, 0, 4, 0xA00, 6);
  io.iota_base = -5;
  io.iota_part_step = 100;
  io.iota_free_step = 3;
  execute(io, st, {Engine::GPSIMD, 0});
  for (unsigned p = 0; p < 4; ++p)
    for (unsigned i = 0; i < 6; ++i) REQUIRE(int32_t(st.read(io.d, p, i)) == -5 + 100 * int(p) + 3 * int(i));
}

TEST_CASE("alu edge cases: NaN zeros and subnormals") {
  const uint32_t nan = 0x7FC00000u, pz = 0, nz = 0x80000000u, sub = 0x00000001u;
  CHECK(alu_fp32(AluOp::ADD, 0x7F800000u, 0xFF800000u) == nan);
  CHECK(alu_fp32(AluOp::MUL, 0x7F800000u, pz) == nan);
  CHECK(alu_fp32(AluOp::MAX, nan, f2b(1.0f)) == nan);
  CHECK(alu_fp32(AluOp::MAX, pz, nz) == pz);
  CHECK(alu_fp32(AluOp::MIN, pz, nz) == nz);
  CHECK(alu_fp32(AluOp::MUL, sub, f2b(2.0f)) == pz);  // DAZ
  CHECK(alu_fp32(AluOp::MUL, f2b(1e-30f), f2b(1e-10f)) == pz);  // FTZ
  CHECK(alu_fp32(AluOp::MUL, f2b(3e38f), f2b(10.0f)) == 0x7F800000u);
  CHECK(alu_fp32(AluOp::SUB, f2b(1.0f), f2b(1.0f)) == pz);
}

TEST_CASE("activation functions within 1 ulp of a long double reference") {
  const uint32_t seed = 31337;
  std::mt19937 rng(seed);
  INFO("seed " << seed);
  std::uniform_real_distribution<float> val(-6.0f, 6.0f);
  auto ref = [](ActFunc f, long double x) -> long double {
    switch (f) {
      case ActFunc::IDENTITY: return x;
      case ActFunc::RELU: return x > 0 ? x : 0;
      case ActFunc::GELU_TANH:
        return 0.5L * x * (1 + std::tanh(std::sqrt(2.0L / 3.14159265358979323846264L) * (x + 0.044715L * x * x * x)));
      case ActFunc::SIGMOID: return 1 / (1 + std::exp(-x));
      case ActFunc::TANH: return std::tanh(x);
      case ActFunc::EXP: return std::exp(x);
      case ActFunc::RECIPROCAL: return 1 / x;
      case ActFunc::RSQRT: return 1 / std::sqrt(x);
      default: return x * x;
    }
  };
  CoreState st(small_cfg());
  const unsigned P = 8, F = 32;
  const Operand x = sbuf(Dtype::FP32, 0, P, 0, F), y = sbuf(Dtype::FP32, 0, P, 0x100, F);
  const Operand bias_col = sbuf_col(Dtype::FP32, 0x200), acc_col = sbuf_col(Dtype::FP32, 0x204);
  std::vector<float> xv(P * F), bv(P);
  for (unsigned p = 0; p < P; ++p) {
    bv[p] = val(rng) / 4;
    st.write(sbuf(Dtype::FP32, 0, P, 0x200, 1), p, 0, f2b(bv[p]));
    for (unsigned i = 0; i < F; ++i) {
      xv[p * F + i] = val(rng);
      st.write(x, p, i, f2b(xv[p * F + i]));
    }
  }
  for (unsigned fi = 0; fi <= unsigned(ActFunc::SQUARE); ++fi) {
    const ActFunc f = ActFunc(fi);
    INFO("function " << act_func_name(f));
    Instruction in;
    in.op = Opcode::ACTIVATE;
    in.func = f;
    in.d = y;
    in.a = x;
    in.scale = imm(0.75f);
    in.bias = bias_col;
    in.acc = acc_col;
    REQUIRE(execute(in, st, {Engine::SCALAR, 0}).status == ExecStatus::kDone);
    for (unsigned p = 0; p < P; ++p) {
      float sum = 0;
      for (unsigned i = 0; i < F; ++i) {
        const float u = xv[p * F + i] * 0.75f + bv[p];  // FP32, one rounding each
        const long double r = ref(f, u);
        const float got = b2f(st.read(y, p, i));
        sum += got;
        if (std::isnan(double(r))) {
          REQUIRE(std::isnan(got));
          continue;
        }
        const float rf = float(r);
        const float ulp = std::nextafter(std::fabs(rf), INFINITY) - std::fabs(rf);
        INFO("x " << u << " got " << got << " want " << double(r));
        REQUIRE(std::fabs(double(got) - double(r)) <= double(ulp));
        if (f == ActFunc::IDENTITY || f == ActFunc::RELU || f == ActFunc::SQUARE) REQUIRE(got == rf);
      }
      REQUIRE(st.read(sbuf(Dtype::FP32, 0, P, 0x204, 1), p, 0) == f2b(sum));
    }
  }
}

TEST_CASE("bounds and shape errors name engine instruction and field") {
  CoreState st(small_cfg());  // 16 KiB partitions, 8 PSUM banks, 16 semaphores, 4 queues
  Instruction c;
  c.op = Opcode::COPY;
  c.d = sbuf(Dtype::FP32, 0, 4, 0, 8);
  c.a = sbuf(Dtype::FP32, 0, 4, 0x3FF0, 8);
  CHECK(exec_error(c, st) ==
        "vector engine, instruction 7 (copy): A: SBUF bytes [16368, 16400) are outside the partition [0, 16384)");
  c.a = with_rows(sbuf(Dtype::FP32, 0, 4, 0x40, 8), 2, -32);
  CHECK(exec_error(c, st) == "vector engine, instruction 7 (copy): A: SBUF bytes [-64, 96) are outside the partition [0, 16384)");
  c.a = sbuf(Dtype::FP32, 126, 4, 0, 8);
  CHECK(exec_error(c, st) == "vector engine, instruction 7 (copy): A: partitions 126..129 exceed the 128 partitions");
  c.a = sbuf(Dtype::FP32, 0, 3, 0, 8);
  CHECK(exec_error(c, st) == "vector engine, instruction 7 (copy): A: 3 partitions, but D has 4");
  c.a = sbuf(Dtype::FP32, 0, 4, 0, 9);
  CHECK(exec_error(c, st) == "vector engine, instruction 7 (copy): A: 9 elements per partition, but D has 8");
  c.a = psum(1, Dtype::FP32, 0, 4, 2040, 8);
  CHECK(exec_error(c, st) == "vector engine, instruction 7 (copy): A: PSUM bytes [2040, 2072) are outside the bank [0, 2048)");
  CoreConfig four = small_cfg();
  four.psum_banks = 4;
  CoreState st4(four);
  c.a = psum(5, Dtype::FP32, 0, 4, 0, 8);
  CHECK(exec_error(c, st4) == "vector engine, instruction 7 (copy): A.bank: PSUM bank 5 does not exist (4 banks)");
  c.a = sbuf(Dtype::FP32, 0, 4, 0x100, 8);
  CHECK(exec_error(c, st, {Engine::TENSOR, 2}) ==
        "tensor engine, instruction 2 (copy): opcode: copy does not run on the tensor engine (runs on: vector, scalar, gpsimd)");
  c.a.dtype = Dtype(11);
  CHECK(exec_error(c, st) == "vector engine, instruction 7 (copy): A.dtype: bad dtype 11");
  Instruction bad_op;
  bad_op.op = Opcode(0x99);
  CHECK(exec_error(bad_op, st) == "vector engine, instruction 7 (?): opcode: unknown opcode 153");

  Instruction w = assemble_line("wait s20, 1");
  CHECK(exec_error(w, st) == "vector engine, instruction 7 (wait): sem: semaphore 20 does not exist (16 semaphores)");
  Instruction n = assemble_line("nop signal=s16");
  CHECK(exec_error(n, st) == "vector engine, instruction 7 (nop): signal: semaphore 16 does not exist (16 semaphores)");
  Instruction dma = assemble_line("dma_start q4, 0x0, 1");
  CHECK(exec_error(dma, st, {Engine::SYNC, 0}) == "sync engine, instruction 0 (dma_start): queue: DMA queue 4 does not exist (4 queues)");

  const ExecContext pe{Engine::TENSOR, 3};
  Instruction mm = assemble_line("matmul psum0.fp32[0:8, 0x0, 4], _, sbuf.bf16[0:16, 0x100, 4], reuse_weights");
  CHECK(exec_error(mm, st, pe) == "tensor engine, instruction 3 (matmul): A: reuse_weights, but no weights are loaded");
  mm = assemble_line("matmul psum0.fp32[0:8, 0x0, 4], sbuf.bf16[0:16, 0x0, 8], sbuf.bf16[0:12, 0x100, 4]");
  CHECK(exec_error(mm, st, pe) == "tensor engine, instruction 3 (matmul): A: 16 partitions, but B (K) has 12");
  mm = assemble_line("matmul psum0.fp32[0:9, 0x0, 4], sbuf.bf16[0:16, 0x0, 8], sbuf.bf16[0:16, 0x100, 4]");
  CHECK(exec_error(mm, st, pe) == "tensor engine, instruction 3 (matmul): D: 9 partitions, but N (A's elements) = 8");
  mm = assemble_line("matmul psum0.fp32[0:8, 0x0, 5], sbuf.bf16[0:16, 0x0, 8], sbuf.bf16[0:16, 0x100, 4]");
  CHECK(exec_error(mm, st, pe) == "tensor engine, instruction 3 (matmul): D: 5 elements, but M (B's elements) = 4");
  CoreConfig narrow = small_cfg();
  narrow.pe_cols = 4;
  CoreState stn(narrow);
  mm = assemble_line("matmul psum0.fp32[0:8, 0x0, 4], sbuf.bf16[0:16, 0x0, 8], sbuf.bf16[0:16, 0x100, 4]");
  CHECK(exec_error(mm, stn, pe) == "tensor engine, instruction 3 (matmul): A: N = 8 exceeds the array's 4 columns");
  mm = assemble_line("matmul psum0.fp32[0:8, 0x7f0, 4], sbuf.bf16[0:16, 0x0, 8], sbuf.bf16[0:16, 0x100, 4]");
  CHECK(exec_error(mm, st, pe) == "(no error)");  // exactly fills the bank
  mm = assemble_line("matmul psum0.fp32[0:8, 0x7f4, 4], sbuf.bf16[0:16, 0x0, 8], sbuf.bf16[0:16, 0x100, 4]");
  CHECK(exec_error(mm, st, pe) == "tensor engine, instruction 3 (matmul): D: PSUM bytes [2036, 2052) are outside the bank [0, 2048)");

  Instruction act = assemble_line("activate.exp sbuf.fp32[0:4, 0x0, 4], sbuf.fp32[0:4, 0x10, 4], bias=sbuf.fp32[0x3ffe]");
  CHECK(exec_error(act, st, {Engine::SCALAR, 1}) ==
        "scalar engine, instruction 1 (activate.exp): bias: SBUF bytes [16382, 16386) are outside the partition [0, 16384)");
  Instruction alu = assemble_line("alu.add sbuf.fp32[0:4, 0x0, 4], sbuf.fp32[0:4, 0x10, 4], sbuf.fp32[0:4, 0x20, 2]");
  CHECK(exec_error(alu, st) == "vector engine, instruction 7 (alu.add): B: 2 elements per partition: must be A's 4 or 1 (a per-partition scalar)");
  Instruction red = assemble_line("reduce.max sbuf.fp32[0:4, 0x0, 2], sbuf.fp32[0:4, 0x10, 4]");
  CHECK(exec_error(red, st) == "vector engine, instruction 7 (reduce.max): D: 2 elements per partition: a reduction writes 1");
  Instruction tr = assemble_line("transpose sbuf.fp32[0:4, 0x0, 4], sbuf.fp32[0:4, 0x10, 8]");
  CHECK(exec_error(tr, st) ==
        "vector engine, instruction 7 (transpose): D: 4 partitions x 4 elements, but the transpose of A (4 partitions x 8 elements) is 8 partitions x 4 elements");
  // Direct state access is checked too.
  CHECK_THROWS_WITH(st.sbuf(128, 0), "sbuf: partition 128 byte 0 is outside the SBUF (128 x 16384 bytes)");
  CHECK_THROWS_WITH(st.psum(8, 0, 0), "psum: bank 8 partition 0 byte 0 is outside the PSUM (8 banks x 128 x 2048 bytes)");
  CHECK_THROWS_AS(CoreState(CoreConfig{0}), std::invalid_argument);
}

TEST_CASE("the interpreter runs a pipelined kernel and detects deadlock") {
  // DMA fills x (bf16) in SBUF; tensor multiplies by W; scalar applies relu and
  // signals; vector adds 1. Semaphores order the engines.
  KernelBuilder kb;
  const Sem loaded = kb.semaphore("loaded"), mm = kb.semaphore("mm"), act = kb.semaphore("act");
  const unsigned K = 8, N = 4, M = 6;
  kb.sync().dma_start(1, 0x1000, 1, loaded);
  kb.tensor().matmul(psum(2, Dtype::FP32, 0, N, 0, M), sbuf(Dtype::BF16, 0, K, 0, N),
                     sbuf(Dtype::BF16, 0, K, 0x100, M)).wait(loaded, 1).signal(mm);
  kb.scalar().activate(sbuf(Dtype::FP32, 0, N, 0x200, M), psum(2, Dtype::FP32, 0, N, 0, M), ActFunc::RELU)
      .wait(mm, 1).signal(act);
  kb.vector().wait(act, 1);
  kb.vector().add(sbuf(Dtype::FP32, 0, N, 0x300, M), sbuf(Dtype::FP32, 0, N, 0x200, M), imm(1.0f));
  const Program prog = kb.finish();
  CoreState st(small_cfg());
  std::mt19937 rng(5);
  INFO("seed 5");
  std::vector<float> w(K * N), x(K * M);
  for (unsigned k = 0; k < K; ++k)
    for (unsigned j = 0; j < N; ++j) {
      w[k * N + j] = float(int(rng() % 9) - 4);
      st.write(sbuf(Dtype::BF16, 0, K, 0, N), k, j, f2b(w[k * N + j]) >> 16);
    }
  for (unsigned k = 0; k < K; ++k)
    for (unsigned i = 0; i < M; ++i) x[k * M + i] = float(int(rng() % 9) - 4);
  int dmas = 0;
  const RunStats rs = run(prog, st, [&](const DmaRequest& r, CoreState& s) {
    ++dmas;
    CHECK(r.queue == 1);
    CHECK(r.desc_addr == 0x1000);
    for (unsigned k = 0; k < K; ++k)
      for (unsigned i = 0; i < M; ++i) s.write(sbuf(Dtype::BF16, 0, K, 0x100, M), k, i, f2b(x[k * M + i]) >> 16);
    if (r.done_en) s.sem(r.done_sem) += 1;
  });
  CHECK(dmas == 1);
  CHECK(rs.executed == prog.size());
  for (unsigned j = 0; j < N; ++j)
    for (unsigned i = 0; i < M; ++i) {
      float acc = 0;
      for (unsigned k = 0; k < K; ++k) acc += w[k * N + j] * x[k * M + i];  // small integers: exact
      REQUIRE(st.read(sbuf(Dtype::FP32, 0, N, 0x300, M), j, i) == f2b(std::max(acc, 0.0f) + 1.0f));
    }
  CHECK(st.sem(act.id) == 1);

  // Deadlock: the vector engine waits for a semaphore nobody signals.
  KernelBuilder bad;
  const Sem never = bad.semaphore("never"), s1 = bad.semaphore();
  bad.vector().nop();
  bad.vector().wait(never, 1);
  bad.scalar().nop().wait(s1, 2);
  CoreState st2(small_cfg());
  CHECK_THROWS_WITH(run(bad.finish(), st2),
                    "deadlock: no engine can proceed; vector engine instruction 1 (wait) waits for semaphore 0 >= 1 "
                    "(it is 0); scalar engine instruction 0 (nop) waits for semaphore 1 >= 2 (it is 0)");
  // A stream without END.
  Program noend;
  noend[Engine::GPSIMD].push_back(assemble_line("nop"));
  CoreState st3(small_cfg());
  CHECK_THROWS_WITH(run(noend, st3), "gpsimd engine, instruction 1: stream: ends without END after 1 instructions");
}
