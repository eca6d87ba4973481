// Row-wise softmax and layernorm (docs/kernels.md): rows on partitions, one
// tile of up to `partitions` rows at a time, `buffers` tiles in flight.
#include <algorithm>

#include "kernels/blocks.h"

namespace trnsim::kernels {

using detail::BufId;
using detail::require;
using isa::ActFunc;
using isa::Engine;
using isa::imm;

namespace {
bool is_io(Dtype d) { return d == Dtype::FP32 || d == Dtype::BF16; }
}  // namespace

Kernel softmax(const SoftmaxParams& p, const Target& t) {
  const std::string name = "softmax";
  require(p.rows && p.cols, name, "rows and cols must be non-zero");
  require(is_io(p.x_dtype) && is_io(p.y_dtype), name, "X and Y must be FP32 or BF16");
  require(p.buffers >= 1, name, "buffers must be at least 1");
  const unsigned ex = isa::dtype_bytes(p.x_dtype), ey = isa::dtype_bytes(p.y_dtype);
  detail::Ctx x(t, name);
  const unsigned P = std::min(p.rows, t.core.partitions);
  const BufId hx = x.hbm("X", p.x, uint64_t(p.rows) * p.cols * ex);
  struct Slot { BufId in, stats, e, y; };
  std::vector<Slot> slots;
  for (unsigned s = 0; s < p.buffers; ++s) {
    const std::string n = std::to_string(s);
    // stats columns (FP32): 0 max, 4 -max, 8 sum, 12 1/sum
    slots.push_back({x.sbuf("x" + n, P, p.cols * ex), x.sbuf("stats" + n, P, 16),
                     x.sbuf("e" + n, P, p.cols * 4), x.sbuf("y" + n, P, p.cols * ey)});
  }
  unsigned tile = 0;
  for (unsigned r0 = 0; r0 < p.rows; r0 += P, ++tile) {
    const unsigned rt = std::min(P, p.rows - r0);
    const Slot& s = slots[tile % p.buffers];
    x.dma(Engine::SYNC,
          {x.load_desc(s.in, 0, 0, p.x + uint64_t(r0) * p.cols * ex, rt, p.cols * ex, p.cols * ex)},
          {hx}, {s.in});
    const isa::Operand xin = x.view(s.in, p.x_dtype, rt, p.cols);
    auto stat = [&](uint32_t off) { return x.view(s.stats, Dtype::FP32, 0, rt, off, 1); };
    x.op(Engine::VECTOR, {s.in}, {s.stats}, [&](isa::EngineStream& e) { return e.reduce_max(stat(0), xin); });
    x.op(Engine::VECTOR, {s.stats}, {s.stats}, [&](isa::EngineStream& e) { return e.mul(stat(4), stat(0), imm(-1.0f)); });
    x.op(Engine::SCALAR, {s.in, s.stats}, {s.e, s.stats}, [&](isa::EngineStream& e) {
      isa::ActOpts o;
      o.bias = x.col(s.stats, Dtype::FP32, 4);
      o.acc = x.col(s.stats, Dtype::FP32, 8);
      return e.activate(x.view(s.e, Dtype::FP32, rt, p.cols), xin, ActFunc::EXP, o);
    });
    x.op(Engine::SCALAR, {s.stats}, {s.stats}, [&](isa::EngineStream& e) {
      return e.activate(stat(12), stat(8), ActFunc::RECIPROCAL);
    });
    x.op(Engine::VECTOR, {s.e, s.stats}, {s.y}, [&](isa::EngineStream& e) {
      return e.mul(x.view(s.y, p.y_dtype, rt, p.cols), x.view(s.e, Dtype::FP32, rt, p.cols), stat(12));
    });
    const BufId hy = x.hbm("Y tile", p.y + uint64_t(r0) * p.cols * ey, 0);
    x.dma(Engine::VECTOR,
          {x.store_desc(s.y, 0, 0, p.y + uint64_t(r0) * p.cols * ey, rt, p.cols * ey, p.cols * ey)},
          {s.y}, {hy});
  }
  return x.finish();
}

namespace detail {

void layernorm_rows(Ctx& x, const LnBufs& b, Dtype x_dt, Dtype y_dt, unsigned rows, unsigned cols, float eps,
                    BufId gamma, BufId beta) {
  const float inv_n = 1.0f / float(cols);
  auto f32 = [&](BufId id) { return x.view(id, Dtype::FP32, rows, cols); };
  auto stat = [&](uint32_t off) { return x.view(b.stats, Dtype::FP32, 0, rows, off, 1); };
  const isa::Operand xin = x.view(b.in, x_dt, rows, cols);
  x.op(Engine::VECTOR, {b.in}, {b.stats}, [&](isa::EngineStream& e) { return e.reduce_sum(stat(0), xin); });
  x.op(Engine::VECTOR, {b.stats}, {b.stats}, [&](isa::EngineStream& e) { return e.mul(stat(4), stat(0), imm(-inv_n)); });
  x.op(Engine::VECTOR, {b.in, b.stats}, {b.xc}, [&](isa::EngineStream& e) { return e.add(f32(b.xc), xin, stat(4)); });
  x.op(Engine::SCALAR, {b.xc}, {b.sq, b.stats}, [&](isa::EngineStream& e) {
    isa::ActOpts o;
    o.acc = x.col(b.stats, Dtype::FP32, 8);
    return e.activate(f32(b.sq), f32(b.xc), ActFunc::SQUARE, o);
  });
  x.op(Engine::SCALAR, {b.stats}, {b.stats}, [&](isa::EngineStream& e) {
    isa::ActOpts o;
    o.scale = imm(inv_n);
    o.bias = imm(eps);
    return e.activate(stat(12), stat(8), ActFunc::RSQRT, o);
  });
  x.op(Engine::VECTOR, {b.xc, b.stats}, {b.xn}, [&](isa::EngineStream& e) { return e.mul(f32(b.xn), f32(b.xc), stat(12)); });
  x.op(Engine::GPSIMD, {b.xn, gamma}, {b.tmp}, [&](isa::EngineStream& e) {
    return e.mul(f32(b.tmp), f32(b.xn), x.view(gamma, Dtype::FP32, rows, cols));
  });
  x.op(Engine::GPSIMD, {b.tmp, beta}, {b.y}, [&](isa::EngineStream& e) {
    return e.add(x.view(b.y, y_dt, rows, cols), f32(b.tmp), x.view(beta, Dtype::FP32, rows, cols));
  });
}

}  // namespace detail

Kernel layernorm(const LayerNormParams& p, const Target& t) {
  const std::string name = "layernorm";
  require(p.rows && p.cols, name, "rows and cols must be non-zero");
  require(is_io(p.x_dtype) && is_io(p.y_dtype), name, "X and Y must be FP32 or BF16");
  require(p.buffers >= 1, name, "buffers must be at least 1");
  const unsigned ex = isa::dtype_bytes(p.x_dtype), ey = isa::dtype_bytes(p.y_dtype);
  detail::Ctx x(t, name);
  const unsigned P = std::min(p.rows, t.core.partitions);
  const BufId hx = x.hbm("X", p.x, uint64_t(p.rows) * p.cols * ex);
  const BufId hg = x.hbm("gamma", p.gamma, p.cols * 4ull), hbeta = x.hbm("beta", p.beta, p.cols * 4ull);
  // gamma and beta replicated on every partition (source stride 0).
  const BufId gamma = x.sbuf("gamma", P, p.cols * 4), beta = x.sbuf("beta", P, p.cols * 4);
  x.dma(Engine::SYNC,
        {x.load_desc(gamma, 0, 0, p.gamma, P, p.cols * 4, 0), x.load_desc(beta, 0, 0, p.beta, P, p.cols * 4, 0)},
        {hg, hbeta}, {gamma, beta});
  struct Slot { BufId in, stats, xc, sq, xn, tmp, y; };
  std::vector<Slot> slots;
  for (unsigned s = 0; s < p.buffers; ++s) {
    const std::string n = std::to_string(s);
    // stats columns (FP32): 0 sum, 4 -mean, 8 sum of squares, 12 rstd
    slots.push_back({x.sbuf("x" + n, P, p.cols * ex), x.sbuf("stats" + n, P, 16),
                     x.sbuf("xc" + n, P, p.cols * 4), x.sbuf("sq" + n, P, p.cols * 4),
                     x.sbuf("xn" + n, P, p.cols * 4), x.sbuf("t" + n, P, p.cols * 4),
                     x.sbuf("y" + n, P, p.cols * ey)});
  }
  unsigned tile = 0;
  for (unsigned r0 = 0; r0 < p.rows; r0 += P, ++tile) {
    const unsigned rt = std::min(P, p.rows - r0);
    const Slot& s = slots[tile % p.buffers];
    x.dma(Engine::SYNC,
          {x.load_desc(s.in, 0, 0, p.x + uint64_t(r0) * p.cols * ex, rt, p.cols * ex, p.cols * ex)},
          {hx}, {s.in});
    detail::layernorm_rows(x, {s.in, s.stats, s.xc, s.sq, s.xn, s.tmp, s.y}, p.x_dtype, p.y_dtype, rt, p.cols,
                           p.eps, gamma, beta);
    const BufId hy = x.hbm("Y tile", p.y + uint64_t(r0) * p.cols * ey, 0);
    x.dma(Engine::GPSIMD,
          {x.store_desc(s.y, 0, 0, p.y + uint64_t(r0) * p.cols * ey, rt, p.cols * ey, p.cols * ey)},
          {s.y}, {hy});
  }
  return x.finish();
}

}  // namespace trnsim::kernels
