// Tiled GEMM (docs/kernels.md, "GEMM"): sync DMAs A and B tiles in, the
// vector engine transposes the A tile (K onto partitions), the tensor engine
// accumulates the K tiles in a PSUM bank, the scalar engine evacuates the bank
// to SBUF (converting to C's dtype) and DMAs the tile out.
#include <algorithm>

#include "kernels/kernel_context.h"

namespace trnsim::kernels {

using detail::BufId;
using detail::ceil_div;
using detail::require;
using isa::Engine;

Kernel gemm(const GemmParams& p, const Target& t) {
  const std::string name = "gemm";
  const isa::CoreConfig& c = t.core;
  require(p.m && p.k && p.n, name, "M, K and N must be non-zero");
  auto is_in = [](Dtype d) { return d == Dtype::BF16 || d == Dtype::FP8E4M3 || d == Dtype::FP8E5M2; };
  require(is_in(p.a_dtype) && is_in(p.b_dtype), name, "A and B must be BF16 or FP8");
  require(p.c_dtype == Dtype::FP32 || p.c_dtype == Dtype::BF16, name, "C must be FP32 or BF16");
  require(p.buffers >= 1 && p.buffers <= c.psum_banks, name,
          "buffers must be 1.." + std::to_string(c.psum_banks) + " (one PSUM bank each)");
  const unsigned mt_max = std::min(c.pe_cols, c.partitions);
  const unsigned nt_max = c.psum_bank_bytes / 4;
  const unsigned kt_max = c.partitions >= c.pe_rows ? c.partitions / c.pe_rows * c.pe_rows : c.partitions;
  const unsigned mt = p.m_tile ? p.m_tile : std::min(p.m, mt_max);
  const unsigned nt = p.n_tile ? p.n_tile : std::min(p.n, nt_max);
  const unsigned kt = p.k_tile ? p.k_tile : std::min(p.k, kt_max);
  require(mt >= 1 && mt <= mt_max, name, "m_tile must be 1.." + std::to_string(mt_max));
  require(nt >= 1 && nt <= nt_max, name, "n_tile must be 1.." + std::to_string(nt_max));
  require(kt >= 1 && kt <= c.partitions, name, "k_tile must be 1.." + std::to_string(c.partitions));
  require(kt % c.pe_rows == 0 || kt >= p.k, name,
          "k_tile " + std::to_string(kt) + " must be a multiple of pe_rows (" +
              std::to_string(c.pe_rows) + ") so K tiles line up with the array");

  const unsigned ea = isa::dtype_bytes(p.a_dtype), eb = isa::dtype_bytes(p.b_dtype),
                 ec = isa::dtype_bytes(p.c_dtype);
  detail::Ctx x(t, name);
  const BufId ha = x.hbm("A", p.a, uint64_t(p.m) * p.k * ea);
  const BufId hb = x.hbm("B", p.b, uint64_t(p.k) * p.n * eb);
  std::vector<BufId> a_nat, a_t, b_in, out, ps;
  for (unsigned s = 0; s < p.buffers; ++s) {
    const std::string n = std::to_string(s);
    a_nat.push_back(x.sbuf("a" + n, mt, kt * ea));
    a_t.push_back(x.sbuf("aT" + n, kt, mt * ea));
    b_in.push_back(x.sbuf("b" + n, kt, nt * eb));
    out.push_back(x.sbuf("c" + n, mt, nt * ec));
    ps.push_back(x.psum("psum" + n));
  }

  unsigned step = 0, tile = 0;
  for (unsigned m0 = 0; m0 < p.m; m0 += mt) {
    const unsigned mm = std::min(mt, p.m - m0);
    for (unsigned n0 = 0; n0 < p.n; n0 += nt, ++tile) {
      const unsigned nn = std::min(nt, p.n - n0);
      const BufId acc = ps[tile % p.buffers];
      for (unsigned k0 = 0; k0 < p.k; k0 += kt, ++step) {
        const unsigned kk = std::min(kt, p.k - k0);
        const unsigned s = step % p.buffers;
        // A[m0.., k0..] as mm partitions x kk; B[k0.., n0..] as kk partitions x nn.
        const Descriptor da = x.load_desc(a_nat[s], 0, 0, p.a + (uint64_t(m0) * p.k + k0) * ea, mm,
                                          kk * ea, p.k * ea);
        const Descriptor db = x.load_desc(b_in[s], 0, 0, p.b + (uint64_t(k0) * p.n + n0) * eb, kk,
                                          nn * eb, p.n * eb);
        x.dma(Engine::SYNC, {da, db}, {ha, hb}, {a_nat[s], b_in[s]});
        const isa::Operand at = x.view(a_t[s], p.a_dtype, kk, mm);
        x.op(Engine::VECTOR, {a_nat[s]}, {a_t[s]}, [&](isa::EngineStream& e) {
          return e.transpose(at, x.view(a_nat[s], p.a_dtype, mm, kk));
        });
        const bool accumulate = k0 > 0;
        x.op(Engine::TENSOR, {a_t[s], b_in[s]}, {acc}, [&](isa::EngineStream& e) {
          isa::MatmulOpts o;
          o.accumulate = accumulate;
          return e.matmul(x.view(acc, Dtype::FP32, mm, nn), at, x.view(b_in[s], p.b_dtype, kk, nn), o);
        });
      }
      const BufId o = out[tile % p.buffers];
      x.op(Engine::SCALAR, {acc}, {o}, [&](isa::EngineStream& e) {
        return e.copy(x.view(o, p.c_dtype, mm, nn), x.view(acc, Dtype::FP32, mm, nn));
      });
      // Each C tile is its own HBM buffer: stores of different tiles do not wait for each other.
      const BufId hc = x.hbm("C tile", p.c + (uint64_t(m0) * p.n + n0) * ec, 0);
      x.dma(Engine::SCALAR,
            {x.store_desc(o, 0, 0, p.c + (uint64_t(m0) * p.n + n0) * ec, mm, nn * ec, p.n * ec)},
            {o}, {hc});
    }
  }
  return x.finish();
}

}  // namespace trnsim::kernels
