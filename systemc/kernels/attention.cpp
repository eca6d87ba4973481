// Single-head attention forward (docs/kernels.md, "Attention"):
// O = softmax(Q K^T / sqrt(d)) V with the normalisation applied after P V.
#include <algorithm>
#include <cmath>

#include "kernels/kernel_context.h"

namespace trnsim::kernels {

using detail::BufId;
using detail::require;
using isa::ActFunc;
using isa::Engine;
using isa::imm;

Kernel attention(const AttentionParams& p, const Target& t) {
  const std::string name = "attention";
  const isa::CoreConfig& c = t.core;
  const unsigned lim = std::min(c.partitions, c.pe_cols);
  require(p.s >= 1 && p.s <= lim && p.s * 4 <= c.psum_bank_bytes, name,
          "s must be 1.." + std::to_string(std::min(lim, c.psum_bank_bytes / 4)));
  require(p.d >= 1 && p.d <= lim, name, "d must be 1.." + std::to_string(lim));
  require(p.o_dtype == Dtype::FP32 || p.o_dtype == Dtype::BF16, name, "O must be FP32 or BF16");
  const unsigned s = p.s, d = p.d, eo = isa::dtype_bytes(p.o_dtype);
  const uint32_t row = d * 2;
  detail::Ctx x(t, name);
  const BufId hq = x.hbm("Q", p.q, uint64_t(s) * row), hk = x.hbm("K", p.k, uint64_t(s) * row),
              hv = x.hbm("V", p.v, uint64_t(s) * row), ho = x.hbm("O", p.o, uint64_t(s) * d * eo);
  const BufId q = x.sbuf("q", s, row), k = x.sbuf("k", s, row), v = x.sbuf("v", s, row);
  const BufId qt = x.sbuf("qT", d, s * 2), kt = x.sbuf("kT", d, s * 2);
  const BufId pr = x.sbuf("p", s, s * 2), pt = x.sbuf("pT", s, s * 2);
  const BufId stats = x.sbuf("stats", s, 16);  // FP32 columns: 0 max, 4 -max*scale, 8 sum, 12 1/sum
  const BufId o = x.sbuf("o", s, d * eo);
  const BufId ps_s = x.psum("scores"), ps_o = x.psum("out");
  // Q and K first (the scores need them), V separately so it overlaps.
  x.dma(Engine::SYNC, {x.load_desc(q, 0, 0, p.q, s, row, row), x.load_desc(k, 0, 0, p.k, s, row, row)},
        {hq, hk}, {q, k});
  x.dma(Engine::SYNC, {x.load_desc(v, 0, 0, p.v, s, row, row)}, {hv}, {v});
  x.op(Engine::VECTOR, {q}, {qt}, [&](isa::EngineStream& e) {
    return e.transpose(x.view(qt, Dtype::BF16, d, s), x.view(q, Dtype::BF16, s, d));
  });
  x.op(Engine::VECTOR, {k}, {kt}, [&](isa::EngineStream& e) {
    return e.transpose(x.view(kt, Dtype::BF16, d, s), x.view(k, Dtype::BF16, s, d));
  });
  const isa::Operand scores = x.view(ps_s, Dtype::FP32, s, s);
  x.op(Engine::TENSOR, {qt, kt}, {ps_s}, [&](isa::EngineStream& e) {
    return e.matmul(scores, x.view(qt, Dtype::BF16, d, s), x.view(kt, Dtype::BF16, d, s));
  });
  auto stat = [&](uint32_t off) { return x.view(stats, Dtype::FP32, 0, s, off, 1); };
  const float scale = 1.0f / std::sqrt(float(d));
  x.op(Engine::VECTOR, {ps_s}, {stats}, [&](isa::EngineStream& e) { return e.reduce_max(stat(0), scores); });
  x.op(Engine::VECTOR, {stats}, {stats}, [&](isa::EngineStream& e) { return e.mul(stat(4), stat(0), imm(-scale)); });
  x.op(Engine::SCALAR, {ps_s, stats}, {pr, stats}, [&](isa::EngineStream& e) {
    isa::ActOpts opt;
    opt.scale = imm(scale);
    opt.bias = x.col(stats, Dtype::FP32, 4);
    opt.acc = x.col(stats, Dtype::FP32, 8);
    return e.activate(x.view(pr, Dtype::BF16, s, s), scores, ActFunc::EXP, opt);
  });
  x.op(Engine::SCALAR, {stats}, {stats}, [&](isa::EngineStream& e) {
    return e.activate(stat(12), stat(8), ActFunc::RECIPROCAL);
  });
  x.op(Engine::VECTOR, {pr}, {pt}, [&](isa::EngineStream& e) {
    return e.transpose(x.view(pt, Dtype::BF16, s, s), x.view(pr, Dtype::BF16, s, s));
  });
  x.op(Engine::TENSOR, {pt, v}, {ps_o}, [&](isa::EngineStream& e) {
    return e.matmul(x.view(ps_o, Dtype::FP32, s, d), x.view(pt, Dtype::BF16, s, s),
                    x.view(v, Dtype::BF16, s, d));
  });
  x.op(Engine::VECTOR, {ps_o, stats}, {o}, [&](isa::EngineStream& e) {
    return e.mul(x.view(o, p.o_dtype, s, d), x.view(ps_o, Dtype::FP32, s, d), stat(12));
  });
  x.store(Engine::VECTOR, ho, o, p.o_dtype, s, d);
  return x.finish();
}

}  // namespace trnsim::kernels
