// MLP forward, backward and one SGD training step (docs/kernels.md, "MLP").
// Layout: every matmul is one instruction (T, D, H fit the partitions and
// the array), so the dataflow is a short chain per engine; the tensor engine
// works while the vector engine transposes the next operand.
#include "kernels/blocks.h"

namespace trnsim::kernels {

using detail::BufId;
using detail::check_dims;
using detail::Ctx;
using detail::Mlp;
using isa::Engine;
using isa::imm;

namespace {
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
  detail::sgd_update(x, w2m, g.dw2, H, D, hw2, Engine::GPSIMD, p.lr);
  detail::sgd_update(x, w1m, g.dw1, D, H, hw1, Engine::VECTOR, p.lr);
  return x.finish();
}

}  // namespace trnsim::kernels
