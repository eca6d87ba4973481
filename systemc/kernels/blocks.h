// Internal building blocks shared by several kernels (docs/kernels.md): the
// one-tile MLP (forward, backward) used by the MLP kernels and the
// transformer step, a layernorm over one tile of rows (norm.cpp), and the SGD
// update of an FP32 master weight from a gradient in PSUM.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/kernel_context.h"

namespace trnsim::kernels::detail {

using isa::ActFunc;
using isa::imm;

constexpr float kGeluK = 0.7978845608028654f;  // sqrt(2/pi)
constexpr float kGeluC = 0.044715f;

// T, D, H each fit the partitions, the array columns and one PSUM bank row.
inline void check_dims(const std::string& name, const Target& t, unsigned T, unsigned D, unsigned H) {
  const unsigned lim = std::min(t.core.partitions, t.core.pe_cols);
  for (unsigned v : {T, D, H})
    require(v >= 1 && v <= lim && v * 4 <= t.core.psum_bank_bytes, name,
            "T, D and H must be 1.." + std::to_string(std::min(lim, t.core.psum_bank_bytes / 4)));
}

// The one-tile MLP y = gelu_tanh(x W1) W2 (docs/kernels.md, "MLP"): BF16 x,
// W1, W2 in SBUF; forward_hidden/forward_out/backward emit its operations.
struct Mlp {
  Ctx& x;
  unsigned T, D, H;
  BufId xs, w1, w2;  // BF16 in SBUF: x [T x D], W1 [D x H], W2 [H x D]
  BufId xt = 0, ht = 0, at = 0;

  isa::Operand bf(BufId b, unsigned parts, unsigned elems) const { return x.view(b, Dtype::BF16, parts, elems); }
  isa::Operand f32(BufId b, unsigned parts, unsigned elems) const { return x.view(b, Dtype::FP32, parts, elems); }
  void transpose(BufId dst, BufId src, unsigned parts, unsigned elems, Engine e = Engine::VECTOR) {
    x.op(e, {src}, {dst}, [&](isa::EngineStream& s) { return s.transpose(bf(dst, elems, parts), bf(src, parts, elems)); });
  }
  // out[N x M] = a[K x N]^T b[K x M]
  void matmul(BufId out, BufId a, BufId b, unsigned k, unsigned n, unsigned m) {
    x.op(Engine::TENSOR, {a, b}, {out}, [&](isa::EngineStream& s) {
      return s.matmul(f32(out, n, m), bf(a, k, n), bf(b, k, m));
    });
  }

  // hT = (x W1)^T in PSUM [H x T]; aT = gelu(hT) BF16 [H x T].
  void forward_hidden() {
    xt = x.sbuf("xT", D, T * 2);
    transpose(xt, xs, T, D);
    ht = x.psum("hT");
    matmul(ht, w1, xt, D, H, T);
    at = x.sbuf("aT", H, T * 2);
    x.op(Engine::SCALAR, {ht}, {at}, [&](isa::EngineStream& s) {
      return s.activate(bf(at, H, T), f32(ht, H, T), ActFunc::GELU_TANH);
    });
  }
  // y = a W2 in PSUM [T x D].
  BufId forward_out() {
    const BufId y = x.psum("y");
    matmul(y, at, w2, H, T, D);
    return y;
  }

  struct Grads { BufId dw1, dw2, dx; };
  // Backward from dy (BF16 [T x D] in SBUF); dx only if want_dx.
  Grads backward(BufId dy, bool want_dx) {
    Grads g{};
    const BufId a = x.sbuf("a", T, H * 2);
    transpose(a, at, H, T);
    g.dw2 = x.psum("dW2");
    matmul(g.dw2, a, dy, T, H, D);  // dW2[H x D] = a^T dy
    const BufId w2t = x.sbuf("W2T", D, H * 2), dyt = x.sbuf("dyT", D, T * 2);
    transpose(w2t, w2, H, D);
    transpose(dyt, dy, T, D);
    const BufId dat = x.psum("daT");
    matmul(dat, w2t, dyt, D, H, T);  // daT[H x T] = W2 dy^T

    // g = gelu'(h) = 0.5 (1 + t) + 0.5 k h (1 - t^2)(1 + 3c h^2), t = tanh(k (h + c h^3)),
    // on [H x T] FP32, split between the vector and scalar engines.
    std::vector<BufId> tmp;
    for (int i = 0; i < 7; ++i) tmp.push_back(x.sbuf("gelu'" + std::to_string(i), H, T * 4));
    const BufId h2 = tmp[0], pq = tmp[1], inner = tmp[2], th = tmp[3], t2 = tmp[4], r = tmp[5], gd = tmp[6];
    auto F = [&](BufId b) { return f32(b, H, T); };
    const isa::Operand hv = f32(ht, H, T);
    auto vec = [&](const std::vector<BufId>& rd, BufId wr, isa::AluOp op, isa::Operand lhs, isa::Operand rhs) {
      x.op(Engine::VECTOR, rd, {wr}, [&](isa::EngineStream& s) { return s.alu(op, F(wr), lhs, rhs); });
    };
    auto act = [&](BufId rd, isa::Operand in, BufId wr, ActFunc f, float scale, float bias) {
      x.op(Engine::SCALAR, {rd}, {wr}, [&](isa::EngineStream& s) {
        isa::ActOpts o;
        o.scale = imm(scale);
        o.bias = imm(bias);
        return s.activate(F(wr), in, f, o);
      });
    };
    vec({ht}, h2, isa::AluOp::MUL, hv, hv);                         // h^2
    act(h2, F(h2), pq, ActFunc::IDENTITY, kGeluC, 1.0f);            // 1 + c h^2
    vec({ht, pq}, inner, isa::AluOp::MUL, hv, F(pq));               // h + c h^3
    act(inner, F(inner), th, ActFunc::TANH, kGeluK, 0.0f);          // t
    vec({th}, t2, isa::AluOp::MUL, F(th), F(th));                   // t^2
    act(t2, F(t2), t2, ActFunc::IDENTITY, -1.0f, 1.0f);             // 1 - t^2
    act(h2, F(h2), pq, ActFunc::IDENTITY, 3.0f * kGeluC, 1.0f);     // 1 + 3c h^2
    vec({ht, t2}, r, isa::AluOp::MUL, hv, F(t2));                   // h (1 - t^2)
    vec({r, pq}, r, isa::AluOp::MUL, F(r), F(pq));                  // h (1 - t^2)(1 + 3c h^2)
    vec({r}, r, isa::AluOp::MUL, F(r), imm(0.5f * kGeluK));         // 0.5 k ...
    act(th, F(th), th, ActFunc::IDENTITY, 0.5f, 0.5f);              // 0.5 (1 + t)
    vec({r, th}, gd, isa::AluOp::ADD, F(r), F(th));                 // gelu'(h)
    const BufId dht = x.sbuf("dhT", H, T * 2);
    x.op(Engine::VECTOR, {dat, gd}, {dht}, [&](isa::EngineStream& s) {
      return s.mul(bf(dht, H, T), f32(dat, H, T), F(gd));          // dh = da gelu'(h), BF16
    });
    const BufId dh = x.sbuf("dh", T, H * 2);
    transpose(dh, dht, H, T);
    g.dw1 = x.psum("dW1");
    matmul(g.dw1, xs, dh, T, D, H);  // dW1[D x H] = x^T dh
    if (want_dx) {
      const BufId w1t = x.sbuf("W1T", H, D * 2);
      transpose(w1t, w1, D, H, Engine::VECTOR);
      g.dx = x.psum("dx");
      matmul(g.dx, dht, w1t, H, T, D);  // dx[T x D] = dh W1^T
    }
    return g;
  }

  // PSUM [parts x elems] FP32 -> SBUF -> HBM (evacuated and stored by `e`).
  void store_psum(Engine e, BufId ps, unsigned parts, unsigned elems, uint64_t addr, const std::string& what) {
    const BufId sb = x.sbuf(what, parts, elems * 4);
    x.op(e, {ps}, {sb}, [&](isa::EngineStream& s) { return s.copy(f32(sb, parts, elems), f32(ps, parts, elems)); });
    x.store(e, x.hbm(what, addr, uint64_t(parts) * elems * 4), sb, Dtype::FP32, parts, elems);
  }
};

// SGD on an FP32 master weight in SBUF: master += (-lr) grad (grad FP32, in
// PSUM or SBUF), then the master is stored to `hbm` (in place), all on `e`.
inline void sgd_update(Ctx& x, BufId master, BufId grad, unsigned rows, unsigned cols, BufId hbm, Engine e,
                       float lr) {
  const BufId step = x.sbuf("step", rows, cols * 4);
  auto f32 = [&](BufId b) { return x.view(b, Dtype::FP32, rows, cols); };
  x.op(e, {grad}, {step}, [&](isa::EngineStream& s) { return s.mul(f32(step), f32(grad), imm(-lr)); });
  x.op(e, {master, step}, {master}, [&](isa::EngineStream& s) { return s.add(f32(master), f32(master), f32(step)); });
  x.store(e, hbm, master, Dtype::FP32, rows, cols);
}

// Layernorm of one tile of `rows` rows (on partitions) x `cols`, as the
// layernorm kernel does it (norm.cpp): `in` (x_dt) -> stats columns (FP32:
// 0 sum, 4 -mean, 8 sum of squares, 12 rstd), xc = x - mean, sq = xc^2,
// xn = xc * rstd (x-hat, FP32), tmp = xn * gamma, y = tmp + beta (y_dt).
// gamma and beta: FP32 [rows x cols] (replicated rows). Vector, scalar, gpsimd.
struct LnBufs {
  BufId in, stats, xc, sq, xn, tmp, y;
};
void layernorm_rows(Ctx& x, const LnBufs& b, Dtype x_dt, Dtype y_dt, unsigned rows, unsigned cols, float eps,
                    BufId gamma, BufId beta);

}  // namespace trnsim::kernels::detail
