// One SGD training step of a pre-LN single-head transformer layer
// (docs/kernels.md, "Transformer layer training step"). Every matrix is one
// tile (T, D, H <= partitions and pe_cols), so each matmul is one instruction
// and the program is a dataflow chain over five phases; SBUF and PSUM are
// reused between phases with Ctx::mark/release (at most 6 PSUM banks live).
//
// Matmul convention (isa.md): matmul(out, A, B) = A^T B with A [K x N]
// stationary and B [K x M] moving, out [N x M] in PSUM (FP32). Matmul inputs
// are BF16: rounded where noted "bf16" below, and nowhere else.
#include <cmath>

#include "kernels/blocks.h"

namespace trnsim::kernels {

using detail::BufId;
using detail::Ctx;
using detail::Mlp;
using isa::ActFunc;
using isa::AluOp;
using isa::Engine;
using isa::imm;

Kernel transformer_train_step(const TransformerTrainParams& p, const Target& t) {
  const std::string name = "transformer_train_step";
  detail::check_dims(name, t, p.t, p.d, p.h);
  Ctx x(t, name);
  const unsigned T = p.t, D = p.d, H = p.h;
  const float scale = 1.0f / std::sqrt(float(D));

  auto F = [&](BufId b, unsigned parts, unsigned elems) { return x.view(b, Dtype::FP32, parts, elems); };
  auto B = [&](BufId b, unsigned parts, unsigned elems) { return x.view(b, Dtype::BF16, parts, elems); };
  auto colv = [&](BufId b, uint32_t off) { return x.view(b, Dtype::FP32, 0, T, off, 1); };  // [T x 1]
  // dst = op(a, b) on engine e (vector or gpsimd); operands given as views.
  auto alu = [&](Engine e, AluOp op, const std::vector<BufId>& reads, BufId dst, isa::Operand d, isa::Operand a,
                 isa::Operand b) {
    x.op(e, reads, {dst}, [&](isa::EngineStream& s) { return s.alu(op, d, a, b); });
  };
  auto copy = [&](Engine e, BufId dst, isa::Operand d, BufId src, isa::Operand a) {
    x.op(e, {src}, {dst}, [&](isa::EngineStream& s) { return s.copy(d, a); });
  };

  // ---- HBM tensors ------------------------------------------------------------
  const uint64_t td = uint64_t(T) * D * 4;
  const BufId hx = x.hbm("x", p.x, td), htg = x.hbm("target", p.target, td), hy = x.hbm("y", p.y, td);
  const BufId hg1 = x.hbm("ln1 gamma", p.ln1_gamma, D * 4ull), hb1 = x.hbm("ln1 beta", p.ln1_beta, D * 4ull),
              hg2 = x.hbm("ln2 gamma", p.ln2_gamma, D * 4ull), hb2 = x.hbm("ln2 beta", p.ln2_beta, D * 4ull);
  const uint64_t dd = uint64_t(D) * D * 4, dh = uint64_t(D) * H * 4;
  const BufId hwq = x.hbm("Wq", p.wq, dd), hwk = x.hbm("Wk", p.wk, dd), hwv = x.hbm("Wv", p.wv, dd),
              hwo = x.hbm("Wo", p.wo, dd), hw1 = x.hbm("W1", p.w1, dh), hw2 = x.hbm("W2", p.w2, dh);

  // ---- buffers live for the whole step ----------------------------------------
  const BufId xs = x.sbuf("x", T, D * 4), tg = x.sbuf("target", T, D * 4);
  const BufId g1 = x.sbuf("ln1 gamma", T, D * 4), b1 = x.sbuf("ln1 beta", T, D * 4),
              g2 = x.sbuf("ln2 gamma", T, D * 4), b2 = x.sbuf("ln2 beta", T, D * 4);
  const BufId wqm = x.sbuf("Wq master", D, D * 4), wkm = x.sbuf("Wk master", D, D * 4),
              wvm = x.sbuf("Wv master", D, D * 4), wom = x.sbuf("Wo master", D, D * 4),
              w1m = x.sbuf("W1 master", D, H * 4), w2m = x.sbuf("W2 master", H, D * 4);
  const BufId wob = x.sbuf("Wo", D, D * 2), w1b = x.sbuf("W1", D, H * 2), w2b = x.sbuf("W2", H, D * 2);
  const BufId a1 = x.sbuf("xn1", T, D * 2);                                  // layernorm 1 out, bf16
  const BufId qt = x.sbuf("qT", D, T * 2), kt = x.sbuf("kT", D, T * 2), v = x.sbuf("v", T, D * 2);
  const BufId pf = x.sbuf("P", T, T * 4), pb = x.sbuf("P bf16", T, T * 2);  // normalised softmax
  const BufId ob = x.sbuf("o", T, D * 2);
  const BufId h1 = x.sbuf("h1", T, D * 4);
  const BufId st2 = x.sbuf("ln2 stats", T, 16), xn2 = x.sbuf("ln2 xhat", T, D * 4), a2 = x.sbuf("hn", T, D * 2);
  const BufId ys = x.sbuf("y", T, D * 4), dyf = x.sbuf("dy", T, D * 4), dyb = x.sbuf("dy bf16", T, D * 2);
  const BufId dh1 = x.sbuf("dh1", T, D * 4), dh1b = x.sbuf("dh1 bf16", T, D * 2);
  Mlp m{x, T, D, H, a2, w1b, w2b};

  // Loads (sync queue): x and LN1's gamma/beta first, the weights after.
  x.load(Engine::SYNC, xs, hx, Dtype::FP32, T, D);
  x.dma(Engine::SYNC, {x.load_desc(g1, 0, 0, p.ln1_gamma, T, D * 4, 0), x.load_desc(b1, 0, 0, p.ln1_beta, T, D * 4, 0)},
        {hg1, hb1}, {g1, b1});
  x.load(Engine::SYNC, wqm, hwq, Dtype::FP32, D, D);
  x.load(Engine::SYNC, wkm, hwk, Dtype::FP32, D, D);
  x.load(Engine::SYNC, wvm, hwv, Dtype::FP32, D, D);
  x.load(Engine::SYNC, wom, hwo, Dtype::FP32, D, D);
  x.dma(Engine::SYNC, {x.load_desc(g2, 0, 0, p.ln2_gamma, T, D * 4, 0), x.load_desc(b2, 0, 0, p.ln2_beta, T, D * 4, 0)},
        {hg2, hb2}, {g2, b2});
  x.load(Engine::SYNC, w1m, hw1, Dtype::FP32, D, H);
  x.load(Engine::SYNC, w2m, hw2, Dtype::FP32, H, D);
  x.load(Engine::SYNC, tg, htg, Dtype::FP32, T, D);

  // ---- phase 1: layernorm 1 and attention forward -------------------------------
  Ctx::Mark mk = x.mark();
  {
    const BufId wqb = x.sbuf("Wq", D, D * 2), wkb = x.sbuf("Wk", D, D * 2), wvb = x.sbuf("Wv", D, D * 2);
    copy(Engine::GPSIMD, wqb, B(wqb, D, D), wqm, F(wqm, D, D));  // bf16 weights
    copy(Engine::GPSIMD, wkb, B(wkb, D, D), wkm, F(wkm, D, D));
    copy(Engine::GPSIMD, wvb, B(wvb, D, D), wvm, F(wvm, D, D));
    copy(Engine::GPSIMD, wob, B(wob, D, D), wom, F(wom, D, D));  // kept for the backward
    const BufId st1 = x.sbuf("ln1 stats", T, 16), xc = x.sbuf("ln xc", T, D * 4), sq = x.sbuf("ln sq", T, D * 4),
                xn = x.sbuf("ln1 xhat", T, D * 4), tmp = x.sbuf("ln tmp", T, D * 4);
    detail::layernorm_rows(x, {xs, st1, xc, sq, xn, tmp, a1}, Dtype::FP32, Dtype::BF16, T, D, p.eps, g1, b1);
    const BufId a1t = x.sbuf("xn1T", D, T * 2);
    m.transpose(a1t, a1, T, D);
    const BufId ps_q = x.psum("qT"), ps_k = x.psum("kT"), ps_v = x.psum("v");
    m.matmul(ps_q, wqb, a1t, D, D, T);  // qT [D x T] = Wq^T xn^T
    copy(Engine::SCALAR, qt, B(qt, D, T), ps_q, F(ps_q, D, T));  // bf16
    m.matmul(ps_k, wkb, a1t, D, D, T);  // kT
    copy(Engine::GPSIMD, kt, B(kt, D, T), ps_k, F(ps_k, D, T));  // bf16
    m.matmul(ps_v, a1t, wvb, D, T, D);  // v [T x D] = xn Wv
    copy(Engine::SCALAR, v, B(v, T, D), ps_v, F(ps_v, T, D));    // bf16
    // P = softmax(q k^T / sqrt(D)), normalised before P v (the backward needs P).
    const BufId ps_s = x.psum("scores");
    m.matmul(ps_s, qt, kt, D, T, T);  // S [T x T] = q k^T
    const BufId st = x.sbuf("softmax stats", T, 16), e = x.sbuf("exp", T, T * 4);  // 0 max, 4 -max*scale, 8 sum, 12 1/sum
    x.op(Engine::VECTOR, {ps_s}, {st}, [&](isa::EngineStream& s) { return s.reduce_max(colv(st, 0), F(ps_s, T, T)); });
    alu(Engine::VECTOR, AluOp::MUL, {st}, st, colv(st, 4), colv(st, 0), imm(-scale));
    x.op(Engine::SCALAR, {ps_s, st}, {e, st}, [&](isa::EngineStream& s) {
      isa::ActOpts o;
      o.scale = imm(scale);
      o.bias = x.col(st, Dtype::FP32, 4);
      o.acc = x.col(st, Dtype::FP32, 8);
      return s.activate(F(e, T, T), F(ps_s, T, T), ActFunc::EXP, o);
    });
    x.op(Engine::SCALAR, {st}, {st}, [&](isa::EngineStream& s) {
      return s.activate(colv(st, 12), colv(st, 8), ActFunc::RECIPROCAL);
    });
    alu(Engine::VECTOR, AluOp::MUL, {e, st}, pf, F(pf, T, T), F(e, T, T), colv(st, 12));
    copy(Engine::GPSIMD, pb, B(pb, T, T), pf, F(pf, T, T));  // bf16
    const BufId pt = x.sbuf("PT", T, T * 2), otb = x.sbuf("oT", D, T * 2);
    m.transpose(pt, pb, T, T);
    const BufId ps_o = x.psum("oT");
    m.matmul(ps_o, v, pt, T, D, T);  // oT [D x T] = v^T P^T
    copy(Engine::SCALAR, otb, B(otb, D, T), ps_o, F(ps_o, D, T));  // bf16
    m.transpose(ob, otb, D, T);       // o [T x D] for dWo
    const BufId ps_a = x.psum("o Wo");
    m.matmul(ps_a, otb, wob, D, T, D);  // o Wo [T x D]
    alu(Engine::VECTOR, AluOp::ADD, {ps_a, xs}, h1, F(h1, T, D), F(ps_a, T, D), F(xs, T, D));  // h1 = x + o Wo
  }
  x.release(mk);
  copy(Engine::GPSIMD, w1b, B(w1b, D, H), w1m, F(w1m, D, H));
  copy(Engine::GPSIMD, w2b, B(w2b, H, D), w2m, F(w2m, H, D));

  // ---- phase 2: layernorm 2 --------------------------------------------------------
  mk = x.mark();
  {
    const BufId xc = x.sbuf("ln xc", T, D * 4), sq = x.sbuf("ln sq", T, D * 4), tmp = x.sbuf("ln tmp", T, D * 4);
    detail::layernorm_rows(x, {h1, st2, xc, sq, xn2, tmp, a2}, Dtype::FP32, Dtype::BF16, T, D, p.eps, g2, b2);
  }
  x.release(mk);

  // ---- phase 3: MLP forward, y, dy; phase 4: MLP backward, LN2 backward ---------------
  const Ctx::Mark mlp_mark = x.mark();
  m.forward_hidden();  // hT (PSUM) and gelu(hT) (bf16), kept for the backward
  mk = x.mark();
  {
    const BufId ps_y = m.forward_out();
    alu(Engine::VECTOR, AluOp::ADD, {ps_y, h1}, ys, F(ys, T, D), F(ps_y, T, D), F(h1, T, D));  // y = h1 + MLP
    x.store(Engine::SCALAR, hy, ys, Dtype::FP32, T, D);
    const BufId diff = x.sbuf("y - target", T, D * 4);
    alu(Engine::VECTOR, AluOp::SUB, {ys, tg}, diff, F(diff, T, D), F(ys, T, D), F(tg, T, D));
    alu(Engine::VECTOR, AluOp::MUL, {diff}, dyf, F(dyf, T, D), F(diff, T, D), imm(1.0f / float(T)));
    copy(Engine::GPSIMD, dyb, B(dyb, T, D), dyf, F(dyf, T, D));  // bf16
  }
  x.release(mk);
  {
    const Mlp::Grads g = m.backward(dyb, true);  // dW1, dW2, and d(hn) in g.dx
    detail::sgd_update(x, w2m, g.dw2, H, D, hw2, Engine::GPSIMD, p.lr);
    detail::sgd_update(x, w1m, g.dw1, D, H, hw1, Engine::VECTOR, p.lr);
    // Layernorm 2 backward (gamma fixed): dxhat = d(hn) gamma;
    // dln = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)); dh1 = dy + dln.
    const BufId dxh = x.sbuf("dxhat", T, D * 4), prod = x.sbuf("dxhat xhat", T, D * 4),
                ls = x.sbuf("ln2 bwd stats", T, 16),  // 0 sum dxhat, 4 sum dxhat xhat, 8 -mean, 12 -mean
                t1 = x.sbuf("ln2 bwd t1", T, D * 4), t2 = x.sbuf("ln2 bwd t2", T, D * 4);
    const float minus_inv_d = -(1.0f / float(D));
    alu(Engine::VECTOR, AluOp::MUL, {g.dx, g2}, dxh, F(dxh, T, D), F(g.dx, T, D), F(g2, T, D));
    alu(Engine::GPSIMD, AluOp::MUL, {dxh, xn2}, prod, F(prod, T, D), F(dxh, T, D), F(xn2, T, D));
    x.op(Engine::VECTOR, {dxh}, {ls}, [&](isa::EngineStream& s) { return s.reduce_sum(colv(ls, 0), F(dxh, T, D)); });
    x.op(Engine::GPSIMD, {prod}, {ls}, [&](isa::EngineStream& s) { return s.reduce_sum(colv(ls, 4), F(prod, T, D)); });
    alu(Engine::VECTOR, AluOp::MUL, {ls}, ls, colv(ls, 8), colv(ls, 0), imm(minus_inv_d));
    alu(Engine::VECTOR, AluOp::MUL, {ls}, ls, colv(ls, 12), colv(ls, 4), imm(minus_inv_d));
    alu(Engine::VECTOR, AluOp::ADD, {dxh, ls}, t1, F(t1, T, D), F(dxh, T, D), colv(ls, 8));
    alu(Engine::GPSIMD, AluOp::MUL, {xn2, ls}, t2, F(t2, T, D), F(xn2, T, D), colv(ls, 12));
    alu(Engine::VECTOR, AluOp::ADD, {t1, t2}, t1, F(t1, T, D), F(t1, T, D), F(t2, T, D));
    alu(Engine::VECTOR, AluOp::MUL, {t1, st2}, t1, F(t1, T, D), F(t1, T, D), colv(st2, 12));
    alu(Engine::VECTOR, AluOp::ADD, {dyf, t1}, dh1, F(dh1, T, D), F(dyf, T, D), F(t1, T, D));  // residual
    copy(Engine::GPSIMD, dh1b, B(dh1b, T, D), dh1, F(dh1, T, D));  // bf16
  }
  x.release(mlp_mark);

  // ---- phase 5: attention backward and the Q/K/V/O updates ------------------------------
  const BufId dqb = x.sbuf("dq", T, D * 2), dkb = x.sbuf("dk", T, D * 2), dvb = x.sbuf("dv", T, D * 2);
  mk = x.mark();
  {
    const BufId ps_dwo = x.psum("dWo");
    m.matmul(ps_dwo, ob, dh1b, T, D, D);  // dWo [D x D] = o^T dh1
    detail::sgd_update(x, wom, ps_dwo, D, D, hwo, Engine::GPSIMD, p.lr);
    const BufId dh1t = x.sbuf("dh1T", D, T * 2), wot = x.sbuf("WoT", D, D * 2);
    m.transpose(dh1t, dh1b, T, D);
    m.transpose(wot, wob, D, D);
    const BufId ps_do = x.psum("doT"), dotb = x.sbuf("doT", D, T * 2), dob = x.sbuf("do", T, D * 2);
    m.matmul(ps_do, wot, dh1t, D, D, T);  // doT [D x T] = Wo dh1^T
    copy(Engine::SCALAR, dotb, B(dotb, D, T), ps_do, F(ps_do, D, T));  // bf16
    m.transpose(dob, dotb, D, T);
    const BufId vt = x.sbuf("vT", D, T * 2);
    m.transpose(vt, v, T, D);
    const BufId ps_dp = x.psum("dP"), ps_dv = x.psum("dV");
    m.matmul(ps_dp, dotb, vt, D, T, T);  // dP [T x T] = do v^T
    m.matmul(ps_dv, pb, dob, T, T, D);   // dV [T x D] = P^T do
    copy(Engine::GPSIMD, dvb, B(dvb, T, D), ps_dv, F(ps_dv, T, D));  // bf16
    // Softmax backward: dS = P (dP - rowsum(dP P)), times 1/sqrt(D) (bf16).
    const BufId pr = x.sbuf("dP P", T, T * 4), ss = x.sbuf("dS stats", T, 16), ds = x.sbuf("dS", T, T * 4),
                dsb = x.sbuf("dS bf16", T, T * 2), dst = x.sbuf("dST", T, T * 2);  // ss: 0 rowsum, 4 -rowsum
    alu(Engine::VECTOR, AluOp::MUL, {ps_dp, pf}, pr, F(pr, T, T), F(ps_dp, T, T), F(pf, T, T));
    x.op(Engine::VECTOR, {pr}, {ss}, [&](isa::EngineStream& s) { return s.reduce_sum(colv(ss, 0), F(pr, T, T)); });
    alu(Engine::VECTOR, AluOp::MUL, {ss}, ss, colv(ss, 4), colv(ss, 0), imm(-1.0f));
    alu(Engine::VECTOR, AluOp::ADD, {ps_dp, ss}, ds, F(ds, T, T), F(ps_dp, T, T), colv(ss, 4));
    alu(Engine::VECTOR, AluOp::MUL, {ds, pf}, ds, F(ds, T, T), F(ds, T, T), F(pf, T, T));
    alu(Engine::VECTOR, AluOp::MUL, {ds}, dsb, B(dsb, T, T), F(ds, T, T), imm(scale));
    m.transpose(dst, dsb, T, T);
    const BufId qb = x.sbuf("q", T, D * 2), kb = x.sbuf("k", T, D * 2);
    m.transpose(qb, qt, D, T);
    m.transpose(kb, kt, D, T);
    const BufId ps_dq = x.psum("dq"), ps_dk = x.psum("dk");
    m.matmul(ps_dq, dst, kb, T, T, D);  // dq [T x D] = dS k / sqrt(D)
    m.matmul(ps_dk, dsb, qb, T, T, D);  // dk [T x D] = dS^T q / sqrt(D)
    copy(Engine::SCALAR, dqb, B(dqb, T, D), ps_dq, F(ps_dq, T, D));  // bf16
    copy(Engine::GPSIMD, dkb, B(dkb, T, D), ps_dk, F(ps_dk, T, D));  // bf16
  }
  x.release(mk);
  const BufId ps_dwq = x.psum("dWq"), ps_dwk = x.psum("dWk"), ps_dwv = x.psum("dWv");
  m.matmul(ps_dwv, a1, dvb, T, D, D);  // dWv = xn^T dV
  detail::sgd_update(x, wvm, ps_dwv, D, D, hwv, Engine::GPSIMD, p.lr);
  m.matmul(ps_dwq, a1, dqb, T, D, D);  // dWq = xn^T dq
  detail::sgd_update(x, wqm, ps_dwq, D, D, hwq, Engine::VECTOR, p.lr);
  m.matmul(ps_dwk, a1, dkb, T, D, D);  // dWk = xn^T dk
  detail::sgd_update(x, wkm, ps_dwk, D, D, hwk, Engine::GPSIMD, p.lr);
  return x.finish();
}

}  // namespace trnsim::kernels
