// Tiled GEMM (docs/kernels.md, "GEMM"). Main form (when one K x n_tile panel
// of B fits in SBUF): per block of m_tile rows of A, the sync engine loads
// the block (whole rows of K) and the vector engine transposes its K tiles
// into a resident A^T panel (K on partitions); the tensor engine multiplies
// the panel by the B tiles of the current group of N tiles, J output tiles
// at a time in J PSUM banks, the J matmuls of a K tile sharing one
// stationary load (reuse_weights); B tiles stay resident while every M block
// passes (loaded once). The scalar and gpsimd engines take turns evacuating
// a bank to SBUF (converting to C's dtype) and storing it. Every transfer is
// split over DMA queues on different DMA engines. Otherwise the streaming
// form reloads both operands per output tile and K step.
#include <algorithm>

#include "kernels/kernel_context.h"

namespace trnsim::kernels {

using detail::BufId;
using detail::ceil_div;
using detail::Ctx;
using detail::require;
using isa::Engine;

namespace {

uint32_t align64(uint64_t b) { return uint32_t((b + 63) & ~uint64_t(63)); }

// Transfers larger than this are split into pieces on different queues.
constexpr uint64_t kPieceBytes = 32 * 1024;

struct Tiles {
  unsigned mt, nt, kt;
  unsigned ea, eb, ec;
};

// The streaming form (one slot per operand and buffer; A and B tiles loaded
// for every output tile and K step, on the sync engine's queue).
Kernel gemm_streaming(const GemmParams& p, const Target& t, const Tiles& z) {
  const unsigned mt = z.mt, nt = z.nt, kt = z.kt, ea = z.ea, eb = z.eb, ec = z.ec;
  Ctx x(t, "gemm");
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
      const BufId hc = x.hbm("C tile", p.c + (uint64_t(m0) * p.n + n0) * ec, 0);
      x.dma(Engine::SCALAR,
            {x.store_desc(o, 0, 0, p.c + (uint64_t(m0) * p.n + n0) * ec, mm, nn * ec, p.n * ec)},
            {o}, {hc});
    }
  }
  return x.finish();
}

}  // namespace

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
  require(p.dma_queues <= c.dma_queues, name,
          "dma_queues " + std::to_string(p.dma_queues) + " exceeds the core's " +
              std::to_string(c.dma_queues) + " DMA queues");

  const Tiles z{mt, nt, kt, isa::dtype_bytes(p.a_dtype), isa::dtype_bytes(p.b_dtype),
                isa::dtype_bytes(p.c_dtype)};
  const unsigned ea = z.ea, eb = z.eb, ec = z.ec;
  const unsigned MB = ceil_div(p.m, mt), NT = ceil_div(p.n, nt), KT = ceil_div(p.k, kt);

  // ---- SBUF plan (bytes per partition) ----
  // A^T panels: a_slots x (KT tiles of mt elements) on kt partitions; the
  // next M block's panel is prepared while the current one is used.
  const unsigned a_slots = std::min(p.buffers, 2u);
  const uint64_t at_bytes = align64(uint64_t(KT) * mt * ea);
  const uint64_t an_bytes = align64(uint64_t(p.k) * ea);  // an A block as loaded (mt rows of K)
  const uint64_t bt_bytes = align64(uint64_t(nt) * eb);  // one B tile (kt rows)
  const uint64_t c_bytes = align64(uint64_t(nt) * ec);
  // Groups of NG N tiles whose B panels stay resident while every M block
  // passes; A is loaded once per group. A staging slots: two (the next
  // block's A load needs no wait) unless the second would cost B residency.
  const uint64_t panel = uint64_t(KT) * bt_bytes;  // K x n_tile of B
  auto fixed = [&](unsigned an_slots) {
    return a_slots * at_bytes + an_slots * an_bytes + uint64_t(p.buffers) * c_bytes;
  };
  auto groups_of = [&](unsigned an_slots) -> unsigned {
    const uint64_t f = fixed(an_slots);
    return f > c.sbuf_partition_bytes ? 0 : unsigned(std::min<uint64_t>(NT, (c.sbuf_partition_bytes - f) / panel));
  };
  if (groups_of(1) == 0) return gemm_streaming(p, t, z);
  const unsigned an_slots = a_slots > 1 && groups_of(2) == groups_of(1) ? 2 : 1;
  const unsigned NG = groups_of(an_slots);
  const unsigned groups = ceil_div(NT, NG);
  // C staging slots beyond the PSUM banks (buffers >= 2) from what is left:
  // a store may then take longer than a tile's matmuls without holding up
  // the evacuation.
  const uint64_t left = c.sbuf_partition_bytes - fixed(an_slots) - uint64_t(NG) * panel;
  const unsigned c_slots =
      p.buffers == 1 ? 1 : unsigned(std::min<uint64_t>(std::max(8u, p.buffers), p.buffers + left / c_bytes));

  // ---- DMA queues ----
  // A pool of P queues spread evenly over the ISA queue space (the chip maps
  // queue q to DMA engine q / queues_per_engine, so even spacing reaches every
  // engine), starting at the sync engine's own queue 4: even pool entries
  // carry loads (issued by sync), odd ones stores (issued by the engine that
  // evacuated the tile: scalar and gpsimd alternate when there are at least
  // two store queues).
  Ctx x(t, name);
  const unsigned Q = c.dma_queues;
  const unsigned free_sems = c.semaphores > detail::kFixedSources
                                 ? std::min(c.semaphores, detail::kNumSources) - detail::kFixedSources
                                 : 0;
  unsigned pool = p.dma_queues ? p.dma_queues : std::min({32u, Q, free_sems});
  if (!p.dma_queues) {
    unsigned pw = 1;
    while (pw * 2 <= pool) pw *= 2;
    pool = pw;
  }
  std::vector<unsigned> load_q, store_q[2];
  Engine evac[2] = {Engine::SCALAR, Engine::GPSIMD};
  if (pool < 2) {
    load_q.push_back(x.queue(Engine::SYNC, 4));
    store_q[0].push_back(x.queue(Engine::SCALAR, 2));
  } else {
    const unsigned stride = std::max(1u, Q / pool);
    for (unsigned i = 0; i < pool; ++i) {
      const unsigned q = (4 + i * stride) % Q;
      if (i % 2 == 0) load_q.push_back(x.queue(Engine::SYNC, q));
      else {
        const unsigned e = pool >= 4 ? (i / 2) % 2 : 0;
        store_q[e].push_back(x.queue(evac[e], q));
      }
    }
  }
  const unsigned n_evac = store_q[1].empty() ? 1 : 2;
  unsigned load_rr = 0, store_rr[2] = {0, 0};

  // rows x row_bytes between HBM (row pitch `pitch`) and partitions 0.. of
  // `buf`, in pieces of about kPieceBytes on consecutive queues of `qs`.
  auto parts = [&](bool load, BufId buf, unsigned rows, uint32_t row_bytes, uint64_t hbm, uint32_t pitch,
                   const std::vector<unsigned>& qs, unsigned& rr) {
    const uint64_t bytes = uint64_t(rows) * row_bytes;
    const unsigned n = unsigned(std::max<uint64_t>(
        1, std::min<uint64_t>({(bytes + kPieceBytes - 1) / kPieceBytes, rows, qs.size()})));
    const unsigned per = ceil_div(rows, n);
    std::vector<Ctx::DmaPart> v;
    for (unsigned r0 = 0; r0 < rows; r0 += per) {
      const unsigned rr_rows = std::min(per, rows - r0);
      const uint64_t h = hbm + uint64_t(r0) * pitch;
      v.push_back({qs[rr++ % qs.size()],
                   {load ? x.load_desc(buf, r0, 0, h, rr_rows, row_bytes, pitch)
                         : x.store_desc(buf, r0, 0, h, rr_rows, row_bytes, pitch)}});
    }
    return v;
  };

  // ---- buffers ----
  const BufId ha = x.hbm("A", p.a, uint64_t(p.m) * p.k * ea);
  const BufId hb = x.hbm("B", p.b, uint64_t(p.k) * p.n * eb);
  std::vector<BufId> a_t, b_t, out, ps;
  for (unsigned s = 0; s < a_slots; ++s) a_t.push_back(x.sbuf("aT" + std::to_string(s), kt, uint32_t(at_bytes)));
  // PSUM: `buffers` sets of J banks; J output tiles accumulate at once so
  // that J matmuls in a row share one stationary tile (buffers = 1: J = 1).
  const unsigned J = p.buffers == 1 ? 1 : std::max(1u, std::min(NG, c.psum_banks / p.buffers));
  for (unsigned s = 0; s < p.buffers * J; ++s) ps.push_back(x.psum("psum" + std::to_string(s)));
  for (unsigned s = 0; s < c_slots; ++s) out.push_back(x.sbuf("c" + std::to_string(s), mt, uint32_t(c_bytes)));
  for (unsigned i = 0; i < NG * KT; ++i) b_t.push_back(x.sbuf("b" + std::to_string(i), kt, uint32_t(bt_bytes)));
  std::vector<BufId> a_nat;
  for (unsigned s = 0; s < an_slots; ++s) a_nat.push_back(x.sbuf("a" + std::to_string(s), mt, uint32_t(an_bytes)));

  // ---- schedule: instances (group, M block) ----
  struct Inst {
    unsigned g, mb;
  };
  std::vector<Inst> inst;
  for (unsigned g = 0; g < groups; ++g)
    for (unsigned i = 0; i < MB; ++i) inst.push_back({g, i});
  // Load the instance's A block (whole rows of K: long bursts) and transpose
  // its K tiles into the A^T panel.
  auto prep = [&](unsigned s) {
    const unsigned m0 = inst[s].mb * mt, mm = std::min(mt, p.m - m0);
    const BufId at = a_t[s % a_slots], an = a_nat[s % an_slots];
    x.dma(parts(true, an, mm, p.k * ea, p.a + uint64_t(m0) * p.k * ea, p.k * ea, load_q, load_rr), {ha}, {an});
    for (unsigned tt = 0; tt < KT; ++tt) {
      const unsigned k0 = tt * kt, kk = std::min(kt, p.k - k0);
      x.op(Engine::VECTOR, {an}, {at}, [&](isa::EngineStream& e) {
        return e.transpose(x.view(at, p.a_dtype, 0, kk, tt * mt * ea, mm),
                           x.view(an, p.a_dtype, 0, mm, k0 * ea, kk));
      });
    }
  };
  // Load the B tiles of group g in the order the matmuls use them.
  auto load_b = [&](unsigned g) {
    const unsigned j_end = std::min(NT, (g + 1) * NG);
    for (unsigned jc = g * NG; jc < j_end; jc += J)
      for (unsigned tt = 0; tt < KT; ++tt)
        for (unsigned j = jc; j < std::min(j_end, jc + J); ++j) {
          const unsigned n0 = j * nt, nn = std::min(nt, p.n - n0);
          const unsigned k0 = tt * kt, kk = std::min(kt, p.k - k0);
          const BufId bt = b_t[(j - g * NG) * KT + tt];
          x.dma(parts(true, bt, kk, nn * eb, p.b + (uint64_t(k0) * p.n + n0) * eb, p.n * eb, load_q, load_rr),
                {hb}, {bt});
        }
  };
  unsigned tile = 0, chunk = 0;
  // The output tiles of the instance, J at a time (one bank each of bank set
  // chunk % buffers): per K tile, J matmuls share the stationary A^T tile
  // (the first loads it, the others reuse it), then J evacuations and stores.
  auto body = [&](unsigned s) {
    const unsigned g = inst[s].g, m0 = inst[s].mb * mt, mm = std::min(mt, p.m - m0);
    const BufId at = a_t[s % a_slots];
    const unsigned j_end = std::min(NT, (g + 1) * NG);
    for (unsigned jc = g * NG; jc < j_end; jc += J, ++chunk) {
      const unsigned jn = std::min(J, j_end - jc), set = chunk % p.buffers;
      for (unsigned tt = 0; tt < KT; ++tt) {
        const unsigned k0 = tt * kt, kk = std::min(kt, p.k - k0);
        for (unsigned u = 0; u < jn; ++u) {
          const unsigned j = jc + u, nn = std::min(nt, p.n - j * nt);
          const BufId acc = ps[set * J + u];
          const BufId bt = b_t[(j - g * NG) * KT + tt];
          x.op(Engine::TENSOR, {at, bt}, {acc}, [&](isa::EngineStream& e) {
            isa::MatmulOpts o;
            o.accumulate = tt > 0;
            o.reuse_weights = u > 0;
            return e.matmul(x.view(acc, Dtype::FP32, mm, nn),
                            u > 0 ? isa::Operand{} : x.view(at, p.a_dtype, 0, kk, tt * mt * ea, mm),
                            x.view(bt, p.b_dtype, kk, nn), o);
          });
        }
      }
      for (unsigned u = 0; u < jn; ++u, ++tile) {
        const unsigned n0 = (jc + u) * nt, nn = std::min(nt, p.n - n0);
        const BufId acc = ps[set * J + u];
        const unsigned ev = tile % n_evac;
        const BufId o = out[tile % c_slots];
        x.op(evac[ev], {acc}, {o}, [&](isa::EngineStream& e) {
          return e.copy(x.view(o, p.c_dtype, mm, nn), x.view(acc, Dtype::FP32, mm, nn));
        });
        // Each C tile is its own HBM buffer: stores of different tiles do not wait for each other.
        const uint64_t hc_addr = p.c + (uint64_t(m0) * p.n + n0) * ec;
        const BufId hc = x.hbm("C tile", hc_addr, 0);
        x.dma(parts(false, o, mm, nn * ec, hc_addr, p.n * ec, store_q[ev], store_rr[ev]), {o}, {hc});
      }
    }
  };

  // Emission order: the next instance's A panel is prepared (loads and
  // transposes) before the current instance's matmuls when there are two
  // panel slots; B tiles of a group are loaded before its first instance.
  // With two staging slots the next A load waits for nothing, so it goes
  // first (ahead of the B tiles in the queues); with one it waits for this
  // block's transposes and would hold up the sync engine, so it goes after.
  const unsigned look = a_slots - 1;
  const unsigned n = unsigned(inst.size());
  unsigned prepared = 0;
  for (unsigned s = 0; s < n; ++s) {
    if (s == 0) prep(prepared++);
    if (an_slots == 1 && inst[s].mb == 0) load_b(inst[s].g);
    while (prepared < n && prepared <= s + look) prep(prepared++);
    if (an_slots == 2 && inst[s].mb == 0) load_b(inst[s].g);
    body(s);
  }
  return x.finish();
}

}  // namespace trnsim::kernels
