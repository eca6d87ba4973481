// MLP forward, backward and one SGD training step (docs/kernels.md, "MLP").
// Layout: every matmul is one instruction (T, D, H fit the partitions and
// the array), so the dataflow is a short chain per engine; the tensor engine
// works while the vector engine transposes the next operand.
#include <algorithm>

#include "kernels/kernel_context.h"

namespace trnsim::kernels {

using detail::BufId;
using detail::Ctx;
using detail::require;
using isa::ActFunc;
using isa::Engine;
using isa::imm;

namespace {
constexpr float kGeluK = 0.7978845608028654f;  // sqrt(2/pi)
constexpr float kGeluC = 0.044715f;

void check_dims(const std::string& name, const Target& t, unsigned T, unsigned D, unsigned H) {
  const unsigned lim = std::min(t.core.partitions, t.core.pe_cols);
  for (unsigned v : {T, D, H})
    require(v >= 1 && v <= lim && v * 4 <= t.core.psum_bank_bytes, name,
            "T, D and H must be 1.." + std::to_string(std::min(lim, t.core.psum_bank_bytes / 4)));
}

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

Mlp load_bf16(Ctx& x, const MlpParams& p) {
  Mlp m{x, p.t, p.d, p.h, x.sbuf("x", p.t, p.d * 2), x.sbuf("W1", p.d, p.h * 2), x.sbuf("W2", p.h, p.d * 2)};
  x.load(Engine::SYNC, m.xs, x.hbm("x", p.x, uint64_t(p.t) * p.d * 2), Dtype::BF16, p.t, p.d);
  x.load(Engine::SYNC, m.w1, x.hbm("W1", p.w1, uint64_t(p.d) * p.h * 2), Dtype::BF16, p.d, p.h);
  x.load(Engine::SYNC, m.w2, x.hbm("W2", p.w2, uint64_t(p.h) * p.d * 2), Dtype::BF16, p.h, p.d);
  return m;
}
}  // namespace

Kernel mlp_forward(const MlpParams& p, const Target& t) {
  check_dims("mlp_forward", t, p.t, p.d, p.h);
  Ctx x(t, "mlp_forward");
  Mlp m = load_bf16(x, p);
  m.forward_hidden();
  m.store_psum(Engine::SCALAR, m.forward_out(), p.t, p.d, p.y, "y");
  return x.finish();
}

Kernel mlp_backward(const MlpBackwardParams& p, const Target& t) {
  const MlpParams& q = p.mlp;
  check_dims("mlp_backward", t, q.t, q.d, q.h);
  Ctx x(t, "mlp_backward");
  Mlp m = load_bf16(x, q);
  const BufId dy = x.sbuf("dy", q.t, q.d * 2);
  x.load(Engine::SYNC, dy, x.hbm("dy", p.dy, uint64_t(q.t) * q.d * 2), Dtype::BF16, q.t, q.d);
  m.forward_hidden();
  const Mlp::Grads g = m.backward(dy, true);
  m.store_psum(Engine::SCALAR, g.dw2, q.h, q.d, p.dw2, "dW2");
  m.store_psum(Engine::GPSIMD, g.dw1, q.d, q.h, p.dw1, "dW1");
  m.store_psum(Engine::SCALAR, g.dx, q.t, q.d, p.dx, "dx");
  return x.finish();
}

Kernel mlp_train_step(const MlpTrainParams& p, const Target& t) {
  check_dims("mlp_train_step", t, p.t, p.d, p.h);
  Ctx x(t, "mlp_train_step");
  const unsigned T = p.t, D = p.d, H = p.h;
  // FP32 master weights in, BF16 copies for the matmuls.
  const BufId hw1 = x.hbm("W1", p.w1, uint64_t(D) * H * 4), hw2 = x.hbm("W2", p.w2, uint64_t(H) * D * 4);
  const BufId w1m = x.sbuf("W1 master", D, H * 4), w2m = x.sbuf("W2 master", H, D * 4);
  const BufId xs = x.sbuf("x", T, D * 2), tg = x.sbuf("target", T, D * 4);
  x.load(Engine::SYNC, xs, x.hbm("x", p.x, uint64_t(T) * D * 2), Dtype::BF16, T, D);
  x.load(Engine::SYNC, w1m, hw1, Dtype::FP32, D, H);
  x.load(Engine::SYNC, w2m, hw2, Dtype::FP32, H, D);
  x.load(Engine::SYNC, tg, x.hbm("target", p.target, uint64_t(T) * D * 4), Dtype::FP32, T, D);
  Mlp m{x, T, D, H, xs, x.sbuf("W1", D, H * 2), x.sbuf("W2", H, D * 2)};
  x.op(Engine::GPSIMD, {w1m}, {m.w1}, [&](isa::EngineStream& s) { return s.copy(m.bf(m.w1, D, H), m.f32(w1m, D, H)); });
  x.op(Engine::GPSIMD, {w2m}, {m.w2}, [&](isa::EngineStream& s) { return s.copy(m.bf(m.w2, H, D), m.f32(w2m, H, D)); });
  m.forward_hidden();
  const BufId y = m.forward_out();
  // dy = (y - target) / T, BF16.
  const BufId diff = x.sbuf("y - target", T, D * 4), dy = x.sbuf("dy", T, D * 2);
  x.op(Engine::VECTOR, {y, tg}, {diff}, [&](isa::EngineStream& s) { return s.sub(m.f32(diff, T, D), m.f32(y, T, D), m.f32(tg, T, D)); });
  x.op(Engine::VECTOR, {diff}, {dy}, [&](isa::EngineStream& s) { return s.mul(m.bf(dy, T, D), m.f32(diff, T, D), imm(1.0f / float(T))); });
  m.store_psum(Engine::SCALAR, y, T, D, p.y, "y");
  const Mlp::Grads g = m.backward(dy, false);
  // W += (-lr) dW, in SBUF, then back to HBM in place.
  auto update = [&](BufId master, BufId grad, unsigned rows, unsigned cols, BufId hbm, Engine e) {
    const BufId step = x.sbuf("step", rows, cols * 4);
    x.op(e, {grad}, {step}, [&](isa::EngineStream& s) { return s.mul(m.f32(step, rows, cols), m.f32(grad, rows, cols), imm(-p.lr)); });
    x.op(e, {master, step}, {master}, [&](isa::EngineStream& s) {
      return s.add(m.f32(master, rows, cols), m.f32(master, rows, cols), m.f32(step, rows, cols));
    });
    x.store(e, hbm, master, Dtype::FP32, rows, cols);
  };
  update(w2m, g.dw2, H, D, hw2, Engine::GPSIMD);
  update(w1m, g.dw1, D, H, hw1, Engine::VECTOR);
  return x.finish();
}

}  // namespace trnsim::kernels
