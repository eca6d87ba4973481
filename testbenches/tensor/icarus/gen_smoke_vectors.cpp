// Stimulus and expected results for the Icarus smoke testbench
// (tb_tensor_engine_smoke.sv), as $readmemh files. Expected values come from
// the golden model (trnsim::numerics::gemm_ref with the array's ROWS as the K
// tile), so the testbench checks the RTL bit for bit against it.
//
//   gen_smoke_vectors --rows R --cols C --psum-depth P --out DIR [--m M] [--seed S]
//
// Two GEMMs, each N = COLS (one column tile), each over two PSUM passes:
//   0: BF16 x BF16,       K = ROWS + ceil(ROWS/2): a full pass, then a partial
//      one whose unused activation lanes carry NaN (they must be ignored);
//   1: FP8 E4M3 x E5M2,   K = 2 * ROWS, at the top of the PSUM
//      (PSUM_ADDR = P - M when the two fit side by side).
// Random finite values from a fixed seed, plus special values (zeros,
// subnormals, extremes, infinities, NaNs) at fixed places.
//
// Files (lane 0 in the low bits of every row):
//   smoke_meta.hex   rows cols psum_depth n_cmds n_w n_act n_res seed macs (32-bit words)
//   smoke_cmds.hex   per command 9 words: dtype_a dtype_w load_w accumulate emit irq
//                    m_rows k_rows psum_addr
//   smoke_w.hex      weight rows (COLS x 16 bit)
//   smoke_act.hex    activation rows (ROWS x 16 bit)
//   smoke_res.hex    expected result rows {psum address (16 bit), COLS x 32 bit}
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "numerics/numerics.h"

namespace {

namespace nm = trnsim::numerics;

struct Cmd {
  unsigned dta, dtw, load_w, acc, emit, irq, m, k, psum;
};

struct Out {
  std::vector<Cmd> cmds;
  std::vector<std::vector<uint16_t>> w, act;  // rows of lanes
  struct Res {
    unsigned addr;
    std::vector<uint32_t> data;
  };
  std::vector<Res> res;
  uint64_t macs = 0;
};

uint16_t random_code(nm::Dtype dt, std::mt19937_64& rng) {
  for (;;) {
    uint16_t code;
    if (dt == nm::Dtype::kBf16) {
      // sign, exponent 121..133 (about 2^-6 .. 2^6), any mantissa
      const auto e = static_cast<uint16_t>(121 + rng() % 13);
      code = static_cast<uint16_t>(((rng() & 1) << 15) | (e << 7) | (rng() & 0x7F));
    } else {
      code = static_cast<uint16_t>(rng() & 0xFF);
    }
    if ((nm::widen_to_fp32(dt, code) & 0x7F800000u) != 0x7F800000u) return code;  // finite
  }
}

// One GEMM over the array: ceil(K / ROWS) commands (the first overwrites the
// PSUM rows, later ones accumulate, the last one emits and raises DONE).
void add_gemm(Out& out, std::size_t rows, std::size_t cols, std::size_t m, std::size_t k,
              unsigned psum, nm::Dtype dta, const std::vector<uint16_t>& a, nm::Dtype dtb,
              const std::vector<uint16_t>& b, uint16_t pad_lane) {
  const std::size_t n = cols;
  for (std::size_t k0 = 0; k0 < k; k0 += rows) {
    const std::size_t kr = std::min(rows, k - k0);
    const bool last = k0 + rows >= k;
    out.cmds.push_back(Cmd{static_cast<unsigned>(dta), static_cast<unsigned>(dtb), 1,
                           k0 > 0 ? 1u : 0u, last ? 1u : 0u, last ? 1u : 0u,
                           static_cast<unsigned>(m), static_cast<unsigned>(kr), psum});
    for (std::size_t j = 0; j < kr; ++j) {
      std::vector<uint16_t> row(cols);
      for (std::size_t x = 0; x < n; ++x) row[x] = b[(k0 + j) * n + x];
      out.w.push_back(row);
    }
    for (std::size_t i = 0; i < m; ++i) {
      std::vector<uint16_t> row(rows, pad_lane);  // lanes >= K_ROWS: ignored by the engine
      for (std::size_t y = 0; y < kr; ++y) row[y] = a[i * k + k0 + y];
      out.act.push_back(row);
    }
    out.macs += static_cast<uint64_t>(m) * kr * cols;
  }
  nm::GemmShape s;
  s.m = m;
  s.k = k;
  s.n = n;
  s.tile_rows = rows;
  std::vector<uint32_t> c(m * n);
  nm::gemm_ref(s, dta, a.data(), dtb, b.data(), c.data(), false);
  unsigned nan = 0, inf = 0, zero = 0;
  for (std::size_t i = 0; i < m; ++i) {
    Out::Res r{psum + static_cast<unsigned>(i), std::vector<uint32_t>(c.begin() + i * n,
                                                                      c.begin() + (i + 1) * n)};
    for (uint32_t v : r.data) {
      if ((v & 0x7F800000u) == 0x7F800000u) ((v & 0x7FFFFFu) ? nan : inf)++;
      if ((v & 0x7FFFFFFFu) == 0) zero++;
    }
    out.res.push_back(r);
  }
  std::cout << "gen_smoke_vectors: GEMM " << nm::dtype_name(dta) << " x " << nm::dtype_name(dtb)
            << " M=" << m << " K=" << k << " N=" << n << " at PSUM " << psum << ": "
            << (k + rows - 1) / rows << " commands; results: " << nan << " NaN, " << inf
            << " inf, " << zero << " zero of " << m * n << "\n";
}

std::string hex_row(const std::vector<uint16_t>& lanes) {
  std::string s;
  char buf[8];
  for (std::size_t i = lanes.size(); i-- > 0;) {
    std::snprintf(buf, sizeof buf, "%04x", lanes[i]);
    s += buf;
  }
  return s;
}

std::string hex_res(const Out::Res& r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04x", r.addr);
  std::string s = buf;
  for (std::size_t i = r.data.size(); i-- > 0;) {
    std::snprintf(buf, sizeof buf, "%08x", r.data[i]);
    s += buf;
  }
  return s;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

unsigned long arg_num(const std::string& name, const char* v) {
  char* end = nullptr;
  const unsigned long x = std::strtoul(v, &end, 0);
  if (!*v || *end) throw std::invalid_argument(name + ": not a number: " + v);
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::size_t rows = 4, cols = 4, psum_depth = 16, m = 0;
    uint64_t seed = 20240611;
    std::string out_dir = ".";
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (i + 1 >= argc) throw std::invalid_argument("missing value after " + a);
      const char* v = argv[++i];
      if (a == "--rows") rows = arg_num(a, v);
      else if (a == "--cols") cols = arg_num(a, v);
      else if (a == "--psum-depth") psum_depth = arg_num(a, v);
      else if (a == "--m") m = arg_num(a, v);
      else if (a == "--seed") seed = arg_num(a, v);
      else if (a == "--out") out_dir = v;
      else throw std::invalid_argument("unknown option " + a);
    }
    if (rows < 1 || rows > 1023 || cols < 1 || cols > 1023 || psum_depth < 1 || psum_depth > 65536)
      throw std::invalid_argument("rows/cols must be 1..1023, psum-depth 1..65536");
    if (m == 0) m = std::max<std::size_t>(1, std::min<std::size_t>(8, psum_depth / 2));
    if (m > psum_depth) throw std::invalid_argument("--m must not exceed --psum-depth");
    std::cout << "gen_smoke_vectors: rows " << rows << " cols " << cols << " psum depth "
              << psum_depth << " m " << m << " seed " << seed << "\n";

    std::mt19937_64 rng(seed);
    Out out;

    // GEMM 0: BF16 x BF16, two passes, the second partial.
    {
      const nm::Dtype dt = nm::Dtype::kBf16;
      const std::size_t k = rows + (rows + 1) / 2, n = cols;
      std::vector<uint16_t> a(m * k), b(k * n);
      for (auto& x : a) x = random_code(dt, rng);
      for (auto& x : b) x = random_code(dt, rng);
      auto at = [&](std::size_t i, std::size_t j) -> uint16_t& { return a[(i % m) * k + j % k]; };
      auto bt = [&](std::size_t j, std::size_t x) -> uint16_t& { return b[(j % k) * n + x % n]; };
      at(0, 0) = 0x8000;  // -0
      at(1, 0) = 0x7F80;  // +inf: inf * finite, and inf * 0 below
      bt(0, 1) = 0x0000;  // +0 (row 1, column 1: inf * 0 = NaN)
      at(2, 1) = 0x0001;  // subnormal: read as zero (DAZ)
      at(3, 2) = 0x7F7F;  // max normal: overflows to inf with any |w| >= 2
      bt(2, 0) = 0x4100;  // 8.0
      at(4, 3) = 0xFFC1;  // NaN with a payload: canonical NaN out
      bt(1, 0) = 0x8080;  // -min normal
      at(6, 2) = 0xFF80;  // -inf
      at(5, k - 1) = 0x0080;  // min normal: tiny product, flushed (FTZ)
      bt(k - 1, 0) = 0x0080;
      add_gemm(out, rows, cols, m, k, 0, dt, a, dt, b, 0x7FC1);
    }
    // GEMM 1: FP8 E4M3 activations x FP8 E5M2 weights, two full passes.
    {
      const nm::Dtype dta = nm::Dtype::kFp8E4m3, dtb = nm::Dtype::kFp8E5m2;
      const std::size_t k = 2 * rows, n = cols;
      std::vector<uint16_t> a(m * k), b(k * n);
      for (auto& x : a) x = random_code(dta, rng);
      for (auto& x : b) x = random_code(dtb, rng);
      auto at = [&](std::size_t i, std::size_t j) -> uint16_t& { return a[(i % m) * k + j % k]; };
      auto bt = [&](std::size_t j, std::size_t x) -> uint16_t& { return b[(j % k) * n + x % n]; };
      at(0, 0) = 0x7F;  // E4M3 NaN
      at(1, 1) = 0x01;  // E4M3 smallest subnormal
      at(2, 0) = 0x7E;  // E4M3 max (448)
      bt(0, 1) = 0x7C;  // E5M2 +inf
      bt(2, 0) = 0x7B;  // E5M2 max (57344)
      bt(3, n - 1) = 0x80;  // E5M2 -0
      bt(1, 0) = 0x01;  // E5M2 smallest subnormal
      const unsigned psum = (psum_depth >= 2 * m) ? static_cast<unsigned>(psum_depth - m) : 0;
      add_gemm(out, rows, cols, m, k, psum, dta, a, dtb, b, 0x00);
    }

    std::string meta, cmds, w, act, res;
    char buf[64];
    const uint64_t meta_words[] = {rows, cols, psum_depth, out.cmds.size(), out.w.size(),
                                   out.act.size(), out.res.size(), seed & 0xFFFFFFFFu,
                                   out.macs & 0xFFFFFFFFu};
    meta = "// rows cols psum_depth n_cmds n_w n_act n_res seed macs\n";
    for (uint64_t x : meta_words) {
      std::snprintf(buf, sizeof buf, "%08llx\n", static_cast<unsigned long long>(x));
      meta += buf;
    }
    cmds = "// dtype_a dtype_w load_w accumulate emit irq m_rows k_rows psum_addr\n";
    for (const Cmd& c : out.cmds) {
      std::snprintf(buf, sizeof buf, "%x %x %x %x %x %x %04x %04x %04x\n", c.dta, c.dtw, c.load_w,
                    c.acc, c.emit, c.irq, c.m, c.k, c.psum);
      cmds += buf;
    }
    for (const auto& r : out.w) w += hex_row(r) + "\n";
    for (const auto& r : out.act) act += hex_row(r) + "\n";
    for (const auto& r : out.res) res += hex_res(r) + "\n";
    write_file(out_dir + "/smoke_meta.hex", meta);
    write_file(out_dir + "/smoke_cmds.hex", cmds);
    write_file(out_dir + "/smoke_w.hex", w);
    write_file(out_dir + "/smoke_act.hex", act);
    write_file(out_dir + "/smoke_res.hex", res);
    std::cout << "gen_smoke_vectors: " << out.cmds.size() << " commands, " << out.w.size()
              << " weight rows, " << out.act.size() << " activation rows, " << out.res.size()
              << " result rows -> " << out_dir << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "gen_smoke_vectors: " << e.what() << "\n";
    return 2;
  }
}
