// Functional semantics of the NeuronCore instructions; see semantics.h and
// docs/isa.md. Sources are read completely before the destination is
// written, so overlapping operands are well defined.
#include "isa/semantics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace trnsim::isa {

// --- configuration and state ---------------------------------------------------

void CoreConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::invalid_argument("CoreConfig: " + what); };
  if (partitions < 1 || partitions > kMaxPartitions) bad("partitions must be 1..128");
  if (sbuf_partition_bytes < 4 || sbuf_partition_bytes > (1u << 20))
    bad("sbuf_partition_bytes must be 4..1048576");
  if (psum_banks < 1 || psum_banks > 8) bad("psum_banks must be 1..8");
  if (psum_bank_bytes < 4 || psum_bank_bytes > (1u << 20)) bad("psum_bank_bytes must be 4..1048576");
  if (semaphores < 1 || semaphores > 256) bad("semaphores must be 1..256");
  if (dma_queues < 1 || dma_queues > 256) bad("dma_queues must be 1..256");
  if (pe_rows < 1 || pe_cols < 1) bad("pe_rows and pe_cols must be at least 1");
}

CoreState::CoreState(const CoreConfig& cfg) : cfg_(cfg) {
  cfg_.validate();
  sbuf_.assign(std::size_t(cfg_.partitions) * cfg_.sbuf_partition_bytes, 0);
  psum_.assign(std::size_t(cfg_.psum_banks) * cfg_.partitions * cfg_.psum_bank_bytes, 0);
  sems_.assign(cfg_.semaphores, 0);
}

uint8_t* CoreState::sbuf(unsigned p, uint32_t byte) {
  if (p >= cfg_.partitions || byte >= cfg_.sbuf_partition_bytes)
    throw IsaError("sbuf", "partition " + std::to_string(p) + " byte " + std::to_string(byte) +
                               " is outside the SBUF (" + std::to_string(cfg_.partitions) + " x " +
                               std::to_string(cfg_.sbuf_partition_bytes) + " bytes)");
  return &sbuf_[std::size_t(p) * cfg_.sbuf_partition_bytes + byte];
}

uint8_t* CoreState::psum(unsigned bank, unsigned p, uint32_t byte) {
  if (bank >= cfg_.psum_banks || p >= cfg_.partitions || byte >= cfg_.psum_bank_bytes)
    throw IsaError("psum", "bank " + std::to_string(bank) + " partition " + std::to_string(p) +
                               " byte " + std::to_string(byte) + " is outside the PSUM (" +
                               std::to_string(cfg_.psum_banks) + " banks x " +
                               std::to_string(cfg_.partitions) + " x " +
                               std::to_string(cfg_.psum_bank_bytes) + " bytes)");
  return &psum_[(std::size_t(bank) * cfg_.partitions + p) * cfg_.psum_bank_bytes + byte];
}

uint32_t& CoreState::sem(unsigned index) {
  if (index >= cfg_.semaphores)
    throw IsaError("sem", "semaphore " + std::to_string(index) + " does not exist (" +
                              std::to_string(cfg_.semaphores) + " semaphores)");
  return sems_[index];
}

// Element addressing shared by the checks and the data path.
struct StateAccess {
  static int64_t elem_offset(const Operand& o, unsigned i) {
    const int64_t es = dtype_bytes(o.dtype);
    const int64_t n0 = o.n0 ? o.n0 : 1;
    return int64_t(o.offset) + es * ((int64_t(i) % n0) * o.s0 + (int64_t(i) / n0) * o.s1);
  }
  // Pointer to element (p, i); the operand has been range-checked.
  static uint8_t* at(CoreState& st, const Operand& o, unsigned p, unsigned i) {
    const int64_t off = o.count ? elem_offset(o, i) : int64_t(o.offset);
    const unsigned part = o.start + p;
    if (o.kind == Kind::PSUM) return st.psum(o.bank, part, uint32_t(off));
    return st.sbuf(part, uint32_t(off));
  }
};

namespace {
uint32_t load(const uint8_t* p, unsigned bytes) {
  uint32_t v = 0;
  for (unsigned b = 0; b < bytes; ++b) v |= uint32_t(p[b]) << (8 * b);
  return v;
}
void store(uint8_t* p, unsigned bytes, uint32_t v) {
  for (unsigned b = 0; b < bytes; ++b) p[b] = uint8_t(v >> (8 * b));
}

// Range check of a tensor operand against the configuration (the caller adds
// engine and instruction context).
std::optional<Problem> range_problem(const std::string& name, const Operand& o,
                                     const CoreConfig& cfg) {
  if (o.kind == Kind::PSUM && o.bank >= cfg.psum_banks)
    return Problem{name + ".bank", "PSUM bank " + std::to_string(o.bank) + " does not exist (" +
                                       std::to_string(cfg.psum_banks) + " banks)"};
  if (unsigned(o.start) + o.count > cfg.partitions)
    return Problem{name, "partitions " + std::to_string(o.start) + ".." +
                             std::to_string(o.start + o.count - 1) + " exceed the " +
                             std::to_string(cfg.partitions) + " partitions"};
  const int64_t es = dtype_bytes(o.dtype);
  int64_t lo = o.offset, hi = o.offset + es;
  if (o.count) {  // full access pattern (a column has one element)
    const int64_t d0 = int64_t(o.n0 - 1) * o.s0, d1 = int64_t(o.n1 - 1) * o.s1;
    lo += es * (std::min<int64_t>(0, d0) + std::min<int64_t>(0, d1));
    hi += es * (std::max<int64_t>(0, d0) + std::max<int64_t>(0, d1));
  }
  const bool ps = o.kind == Kind::PSUM;
  const int64_t limit = ps ? cfg.psum_bank_bytes : cfg.sbuf_partition_bytes;
  if (lo < 0 || hi > limit) {
    std::ostringstream os;
    os << (ps ? "PSUM" : "SBUF") << " bytes [" << lo << ", " << hi << ") are outside the "
       << (ps ? "bank" : "partition") << " [0, " << limit << ")";
    return Problem{name, os.str()};
  }
  return std::nullopt;
}

// A short operand (column) takes D's partitions.
Operand as_column(const Operand& col, const Operand& d) {
  Operand o = col;
  o.start = d.start;
  o.count = 0;  // marks "one element" for at()
  return o;
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
bool is_nan(uint32_t b) { return (b & 0x7F800000u) == 0x7F800000u && (b & 0x007FFFFFu); }
uint32_t daz(uint32_t b) { return (b & 0x7F800000u) == 0 ? (b & 0x80000000u) : b; }
uint32_t ftz(uint32_t b) { return daz(b); }
constexpr uint32_t kNan = numerics::kCanonicalNan;

// FP32 -> OCP FP8 (RNE). E4M3: bias 7, 3 mantissa bits, max 448, no inf
// (saturates); E5M2: bias 15, 2 mantissa bits, max 57344, overflow -> inf.
uint32_t to_fp8(uint32_t bits, bool e4m3) {
  const unsigned mbits = e4m3 ? 3 : 2;
  const int bias = e4m3 ? 7 : 15;
  const int emin = 1 - bias;
  const double maxf = e4m3 ? 448.0 : 57344.0;
  const uint32_t sign = (bits >> 31) << 7;
  const uint32_t max_code = e4m3 ? 0x7E : 0x7B;
  const uint32_t inf_code = e4m3 ? max_code : 0x7C;  // E4M3 saturates
  if (is_nan(bits)) return e4m3 ? 0x7F : 0x7E;
  bits = daz(bits);
  const double a = std::fabs(double(b2f(bits)));
  if (std::isinf(a)) return sign | inf_code;
  if (a == 0) return sign;
  int e;
  std::frexp(a, &e);
  int E = std::max(e - 1, emin);
  double r = std::nearbyint(std::ldexp(a, int(mbits) - E));  // RNE (default mode)
  if (std::ldexp(r, E - int(mbits)) > maxf) return sign | inf_code;
  if (r >= double(2u << mbits)) {  // rounding carried into the next binade
    r /= 2;
    ++E;
  }
  if (r < double(1u << mbits)) return sign | uint32_t(r);  // subnormal (E == emin)
  const uint32_t expf = uint32_t(E + bias), mant = uint32_t(r) - (1u << mbits);
  return sign | (expf << mbits) | mant;
}
}  // namespace

uint32_t CoreState::read(const Operand& o, unsigned p, unsigned i) const {
  auto& self = const_cast<CoreState&>(*this);
  return load(StateAccess::at(self, o, p, i), dtype_bytes(o.dtype));
}

void CoreState::write(const Operand& o, unsigned p, unsigned i, uint32_t raw) {
  store(StateAccess::at(*this, o, p, i), dtype_bytes(o.dtype), raw);
}

// --- numerics --------------------------------------------------------------------

uint32_t to_fp32(Dtype dt, uint32_t raw) {
  switch (dt) {
    case Dtype::BF16:
    case Dtype::FP8E4M3:
    case Dtype::FP8E5M2: return numerics::widen_to_fp32(to_numerics(dt), uint16_t(raw));
    case Dtype::FP32: return raw;
    case Dtype::INT32: return f2b(float(int32_t(raw)));  // RNE (default mode)
  }
  throw IsaError("dtype", "bad dtype " + std::to_string(uint32_t(dt)));
}

uint32_t from_fp32(Dtype dt, uint32_t f) {
  switch (dt) {
    case Dtype::FP32: return f;
    case Dtype::BF16: {
      if (is_nan(f)) return 0x7FC0;
      f = daz(f);
      return (f + 0x7FFFu + ((f >> 16) & 1u)) >> 16;
    }
    case Dtype::FP8E4M3: return to_fp8(f, true);
    case Dtype::FP8E5M2: return to_fp8(f, false);
    case Dtype::INT32: {
      if (is_nan(f)) return 0;
      const double v = std::nearbyint(double(b2f(daz(f))));
      if (v >= 2147483647.0) return 0x7FFFFFFFu;
      if (v <= -2147483648.0) return 0x80000000u;
      return uint32_t(int32_t(v));
    }
  }
  throw IsaError("dtype", "bad dtype " + std::to_string(uint32_t(dt)));
}

uint32_t alu_fp32(AluOp op, uint32_t a, uint32_t b) {
  switch (op) {
    case AluOp::ADD: return numerics::add(a, b);
    case AluOp::SUB: return numerics::add(a, is_nan(b) ? b : b ^ 0x80000000u);
    case AluOp::MUL: {
      if (is_nan(a) || is_nan(b)) return kNan;
      // The product of two floats is exact in double; one rounding to float.
      const double p = double(b2f(daz(a))) * double(b2f(daz(b)));
      const uint32_t r = f2b(float(p));
      return is_nan(r) ? kNan : ftz(r);
    }
    case AluOp::MAX:
    case AluOp::MIN: {
      if (is_nan(a) || is_nan(b)) return kNan;
      a = daz(a);
      b = daz(b);
      const float fa = b2f(a), fb = b2f(b);
      const bool want_max = op == AluOp::MAX;
      if (fa == fb) {  // equal, or +0 vs -0: max prefers +0, min prefers -0
        const bool neg = want_max ? ((a & b) >> 31) : ((a | b) >> 31);
        return (a & 0x7FFFFFFFu) | (neg ? 0x80000000u : 0);
      }
      return (fa > fb) == want_max ? a : b;
    }
  }
  throw IsaError("op", "unknown ALU operation " + std::to_string(uint32_t(op)));
}

uint32_t act_fp32(ActFunc fn, uint32_t xb) {
  if (is_nan(xb)) return kNan;
  xb = daz(xb);
  switch (fn) {
    case ActFunc::IDENTITY: return xb;
    case ActFunc::RELU: return (xb >> 31) || xb == 0 ? 0u : xb;
    case ActFunc::SQUARE: return alu_fp32(AluOp::MUL, xb, xb);
    default: break;
  }
  const double x = b2f(xb);
  double y = 0;
  switch (fn) {
    case ActFunc::GELU_TANH: {
      const double k = std::sqrt(2.0 / 3.14159265358979323846);
      y = 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
      break;
    }
    case ActFunc::SIGMOID: y = 1.0 / (1.0 + std::exp(-x)); break;
    case ActFunc::TANH: y = std::tanh(x); break;
    case ActFunc::EXP: y = std::exp(x); break;
    case ActFunc::RECIPROCAL: y = 1.0 / x; break;
    case ActFunc::RSQRT: y = 1.0 / std::sqrt(x); break;
    default: throw IsaError("func", "unknown function " + std::to_string(uint32_t(fn)));
  }
  const uint32_t r = f2b(float(y));
  return is_nan(r) ? kNan : ftz(r);
}

// --- checks ------------------------------------------------------------------------

namespace {
[[noreturn]] void fail(const Instruction& in, const ExecContext& ctx, const std::string& field,
                       const std::string& msg) {
  throw IsaError(field, msg, int(ctx.engine), ctx.index, mnemonic(in));
}

void need(bool cond, const Instruction& in, const ExecContext& ctx, const std::string& field,
          const std::string& msg) {
  if (!cond) fail(in, ctx, field, msg);
}

std::string shape(const Operand& o) {
  return std::to_string(o.count) + " partitions x " + std::to_string(o.elems()) + " elements";
}
}  // namespace

void check_dynamic(const Instruction& in, const CoreState& st, const ExecContext& ctx) {
  const CoreConfig& cfg = st.config();
  if (auto p = check(in)) fail(in, ctx, p->field, p->message);
  need(engine_executes(ctx.engine, in.op), in, ctx, "opcode",
       std::string(opcode_name(in.op)) + " does not run on the " + engine_name(ctx.engine) +
           " engine (runs on: " + engines_of(in.op) + ")");
  auto sem_ok = [&](bool en, unsigned s, const char* field) {
    need(!en || s < cfg.semaphores, in, ctx, field,
         "semaphore " + std::to_string(s) + " does not exist (" + std::to_string(cfg.semaphores) +
             " semaphores)");
  };
  sem_ok(in.wait_en, in.wait_sem, "wait");
  sem_ok(in.signal_en, in.signal_sem, "signal");
  auto range = [&](const char* name, const Operand& o) {
    if (auto p = range_problem(name, o, cfg)) fail(in, ctx, p->field, p->message);
  };
  auto same_parts = [&](const char* name, const Operand& o, const Operand& ref, const char* refname) {
    need(o.count == ref.count, in, ctx, name,
         std::to_string(o.count) + " partitions, but " + refname + " has " +
             std::to_string(ref.count));
  };
  auto same_elems = [&](const char* name, const Operand& o, const Operand& ref, const char* refname) {
    need(o.elems() == ref.elems(), in, ctx, name,
         std::to_string(o.elems()) + " elements per partition, but " + refname + " has " +
             std::to_string(ref.elems()));
  };
  switch (in.op) {
    case Opcode::WAIT:
    case Opcode::SIGNAL:
    case Opcode::SEM_SET: sem_ok(true, in.sem, "sem"); break;
    case Opcode::DMA_START:
      need(in.queue < cfg.dma_queues, in, ctx, "queue",
           "DMA queue " + std::to_string(in.queue) + " does not exist (" +
               std::to_string(cfg.dma_queues) + " queues)");
      sem_ok(in.done_en, in.done_sem, "done");
      break;
    case Opcode::MATMUL: {
      range("D", in.d);
      range("B", in.b);
      const unsigned k = in.b.count, m = in.b.elems();
      unsigned n;
      if (in.load_weights) {
        range("A", in.a);
        same_parts("A", in.a, in.b, "B (K)");
        n = in.a.elems();
      } else {
        need(st.weights.valid, in, ctx, "A", "reuse_weights, but no weights are loaded");
        need(st.weights.k == k, in, ctx, "B",
             "K = " + std::to_string(k) + " partitions, but the loaded weights have K = " +
                 std::to_string(st.weights.k));
        n = st.weights.n;
      }
      need(n <= cfg.pe_cols, in, ctx, "A",
           "N = " + std::to_string(n) + " exceeds the array's " + std::to_string(cfg.pe_cols) +
               " columns");
      need(in.d.count == n, in, ctx, "D",
           std::to_string(in.d.count) + " partitions, but N (A's elements) = " + std::to_string(n));
      need(in.d.elems() == m, in, ctx, "D",
           std::to_string(in.d.elems()) + " elements, but M (B's elements) = " + std::to_string(m));
      break;
    }
    case Opcode::ACTIVATE:
      range("D", in.d);
      range("A", in.a);
      same_parts("A", in.a, in.d, "D");
      same_elems("A", in.a, in.d, "D");
      if (in.bias.is_tensor()) range("bias", as_column(in.bias, in.d));
      if (in.scale.is_tensor()) range("scale", as_column(in.scale, in.d));
      if (in.acc.is_tensor()) range("acc", as_column(in.acc, in.d));
      break;
    case Opcode::ALU:
      range("D", in.d);
      range("A", in.a);
      same_parts("A", in.a, in.d, "D");
      same_elems("A", in.a, in.d, "D");
      if (in.b.is_tensor()) {
        range("B", in.b);
        same_parts("B", in.b, in.a, "A");
        need(in.b.elems() == in.a.elems() || in.b.elems() == 1, in, ctx, "B",
             std::to_string(in.b.elems()) + " elements per partition: must be A's " +
                 std::to_string(in.a.elems()) + " or 1 (a per-partition scalar)");
      }
      break;
    case Opcode::REDUCE:
      range("D", in.d);
      range("A", in.a);
      same_parts("D", in.d, in.a, "A");
      need(in.d.elems() == 1, in, ctx, "D",
           std::to_string(in.d.elems()) + " elements per partition: a reduction writes 1");
      break;
    case Opcode::COPY:
      range("D", in.d);
      range("A", in.a);
      same_parts("A", in.a, in.d, "D");
      same_elems("A", in.a, in.d, "D");
      break;
    case Opcode::TRANSPOSE:
      range("D", in.d);
      range("A", in.a);
      need(in.d.count == in.a.elems() && in.d.elems() == in.a.count, in, ctx, "D",
           shape(in.d) + ", but the transpose of A (" + shape(in.a) + ") is " +
               std::to_string(in.a.elems()) + " partitions x " + std::to_string(in.a.count) +
               " elements");
      break;
    case Opcode::MEMSET:
    case Opcode::IOTA: range("D", in.d); break;
    default: break;
  }
}

// --- execution ------------------------------------------------------------------

bool ready(const Instruction& in, const CoreState& st, const ExecContext& ctx) {
  auto& s = const_cast<CoreState&>(st);
  if (in.wait_en) {
    need(in.wait_sem < st.config().semaphores, in, ctx, "wait",
         "semaphore " + std::to_string(in.wait_sem) + " does not exist");
    if (s.sem(in.wait_sem) < in.wait_value) return false;
  }
  if (in.op == Opcode::WAIT) {
    need(in.sem < st.config().semaphores, in, ctx, "sem",
         "semaphore " + std::to_string(in.sem) + " does not exist");
    if (s.sem(in.sem) < in.value) return false;
  }
  return true;
}

namespace {
// All elements of a tensor operand as FP32 bits, [p][i].
std::vector<uint32_t> read_f32(CoreState& st, const Operand& o) {
  std::vector<uint32_t> v(std::size_t(o.count) * o.elems());
  for (unsigned p = 0; p < o.count; ++p)
    for (unsigned i = 0; i < o.elems(); ++i)
      v[std::size_t(p) * o.elems() + i] = to_fp32(o.dtype, st.read(o, p, i));
  return v;
}
void write_f32(CoreState& st, const Operand& o, const std::vector<uint32_t>& v) {
  for (unsigned p = 0; p < o.count; ++p)
    for (unsigned i = 0; i < o.elems(); ++i)
      st.write(o, p, i, from_fp32(o.dtype, v[std::size_t(p) * o.elems() + i]));
}
// Per-partition scalar of a short operand (immediate or column), FP32 bits.
uint32_t scalar_of(CoreState& st, const Operand& s, const Operand& d, unsigned p) {
  if (s.kind == Kind::IMM) return s.imm;
  const Operand col = as_column(s, d);
  return to_fp32(col.dtype, st.read(col, p, 0));
}

void do_matmul(const Instruction& in, CoreState& st) {
  const unsigned k = in.b.count, m = in.b.elems();
  if (in.load_weights) {
    LoadedWeights& w = st.weights;
    w.valid = true;
    w.dtype = in.a.dtype;
    w.k = in.a.count;
    w.n = in.a.elems();
    w.codes.assign(std::size_t(w.k) * w.n, 0);
    for (unsigned kk = 0; kk < w.k; ++kk)
      for (unsigned j = 0; j < w.n; ++j)
        w.codes[std::size_t(kk) * w.n + j] = uint16_t(st.read(in.a, kk, j));
  }
  const LoadedWeights& w = st.weights;
  const unsigned n = w.n;
  // numerics::gemm_ref computes C[M][N] = A'[M][K] x B'[K][N]: A' is the moving
  // tile transposed (row m = column m of B), B' the stationary weights; PSUM
  // holds C transposed: partition n, element m.
  std::vector<uint16_t> a(std::size_t(m) * k);
  for (unsigned kk = 0; kk < k; ++kk)
    for (unsigned mm = 0; mm < m; ++mm) a[std::size_t(mm) * k + kk] = uint16_t(st.read(in.b, kk, mm));
  std::vector<uint32_t> c(std::size_t(m) * n);
  if (in.accumulate)
    for (unsigned nn = 0; nn < n; ++nn)
      for (unsigned mm = 0; mm < m; ++mm) c[std::size_t(mm) * n + nn] = st.read(in.d, nn, mm);
  numerics::GemmShape s;
  s.m = m;
  s.k = k;
  s.n = n;
  s.tile_rows = st.config().pe_rows;
  numerics::gemm_ref(s, to_numerics(in.b.dtype), a.data(), to_numerics(w.dtype), w.codes.data(),
                     c.data(), in.accumulate);
  for (unsigned nn = 0; nn < n; ++nn)
    for (unsigned mm = 0; mm < m; ++mm) st.write(in.d, nn, mm, c[std::size_t(mm) * n + nn]);
}

void do_activate(const Instruction& in, CoreState& st) {
  const std::vector<uint32_t> x = read_f32(st, in.a);
  const unsigned parts = in.d.count, ne = in.d.elems();
  std::vector<uint32_t> y(x.size());
  std::vector<uint32_t> sums(parts, 0);
  for (unsigned p = 0; p < parts; ++p) {
    const uint32_t scale = scalar_of(st, in.scale, in.d, p);
    const uint32_t bias = scalar_of(st, in.bias, in.d, p);
    uint32_t sum = 0;  // +0.0
    for (unsigned i = 0; i < ne; ++i) {
      const std::size_t idx = std::size_t(p) * ne + i;
      const uint32_t u = numerics::add(alu_fp32(AluOp::MUL, x[idx], scale), bias);
      y[idx] = act_fp32(in.func, u);
      sum = numerics::add(sum, y[idx]);
    }
    sums[p] = sum;
  }
  write_f32(st, in.d, y);
  if (in.acc.is_tensor()) {
    const Operand col = as_column(in.acc, in.d);
    for (unsigned p = 0; p < parts; ++p) st.write(col, p, 0, from_fp32(col.dtype, sums[p]));
  }
}

void do_alu(const Instruction& in, CoreState& st) {
  const std::vector<uint32_t> a = read_f32(st, in.a);
  std::vector<uint32_t> b;
  if (in.b.is_tensor()) b = read_f32(st, in.b);
  const unsigned parts = in.a.count, ne = in.a.elems();
  std::vector<uint32_t> out(a.size());
  for (unsigned p = 0; p < parts; ++p)
    for (unsigned i = 0; i < ne; ++i) {
      const std::size_t idx = std::size_t(p) * ne + i;
      uint32_t bv;
      if (!in.b.is_tensor()) bv = in.b.imm;
      else if (in.b.elems() == 1) bv = b[p];
      else bv = b[idx];
      out[idx] = alu_fp32(in.alu, a[idx], bv);
    }
  write_f32(st, in.d, out);
}

void do_reduce(const Instruction& in, CoreState& st) {
  const std::vector<uint32_t> a = read_f32(st, in.a);
  const unsigned parts = in.a.count, ne = in.a.elems();
  std::vector<uint32_t> out(parts);
  for (unsigned p = 0; p < parts; ++p) {
    uint32_t r = in.alu == AluOp::ADD ? 0u : daz(a[std::size_t(p) * ne]);
    if (in.alu != AluOp::ADD && is_nan(r)) r = kNan;
    for (unsigned i = in.alu == AluOp::ADD ? 0 : 1; i < ne; ++i)
      r = alu_fp32(in.alu, r, a[std::size_t(p) * ne + i]);
    out[p] = r;
  }
  write_f32(st, in.d, out);
}

void do_copy(const Instruction& in, CoreState& st, bool transpose) {
  const Operand& s = in.a;
  // Fast path, the same result: a bit copy (same dtype, no transpose) between
  // operands whose elements are contiguous in each partition: whole partition
  // rows, all read before any is written (as below, so overlap is the same).
  auto dense = [](const Operand& o) { return o.count > 0 && o.s0 == 1 && (o.n1 <= 1 || o.s1 == int32_t(o.n0)); };
  if (!transpose && s.dtype == in.d.dtype && dense(s) && dense(in.d) && s.count == in.d.count &&
      s.elems() == in.d.elems()) {
    const std::size_t row = std::size_t(s.elems()) * dtype_bytes(s.dtype);
    std::vector<uint8_t> buf(std::size_t(s.count) * row);
    for (unsigned p = 0; p < s.count; ++p) std::memcpy(&buf[p * row], StateAccess::at(st, s, p, 0), row);
    for (unsigned p = 0; p < s.count; ++p) std::memcpy(StateAccess::at(st, in.d, p, 0), &buf[p * row], row);
    return;
  }
  // The same for a transpose: element i of source partition p is element p
  // of destination partition i; moved in blocks of 32 x 32 (cache-friendly).
  if (transpose && s.dtype == in.d.dtype && dense(s) && dense(in.d) && in.d.count == s.elems() &&
      in.d.elems() == s.count) {
    const std::size_t es = dtype_bytes(s.dtype), P = s.count, E = s.elems();
    std::vector<uint8_t> buf(P * E * es);
    for (unsigned p = 0; p < P; ++p) std::memcpy(&buf[p * E * es], StateAccess::at(st, s, p, 0), E * es);
    constexpr std::size_t kBlk = 32;
    for (std::size_t i0 = 0; i0 < E; i0 += kBlk)
      for (std::size_t p0 = 0; p0 < P; p0 += kBlk)
        for (std::size_t i = i0; i < std::min(E, i0 + kBlk); ++i) {
          uint8_t* dst = StateAccess::at(st, in.d, unsigned(i), 0);
          const std::size_t p1 = std::min(P, p0 + kBlk);
          if (es == 2)  // (fixed-size copies inline; a variable-size memcpy is a call)
            for (std::size_t p = p0; p < p1; ++p) std::memcpy(dst + p * 2, &buf[(p * E + i) * 2], 2);
          else if (es == 4)
            for (std::size_t p = p0; p < p1; ++p) std::memcpy(dst + p * 4, &buf[(p * E + i) * 4], 4);
          else
            for (std::size_t p = p0; p < p1; ++p) std::memcpy(dst + p * es, &buf[(p * E + i) * es], es);
        }
    return;
  }
  std::vector<uint32_t> raw(std::size_t(s.count) * s.elems());
  for (unsigned p = 0; p < s.count; ++p)
    for (unsigned i = 0; i < s.elems(); ++i) raw[std::size_t(p) * s.elems() + i] = st.read(s, p, i);
  const bool same = s.dtype == in.d.dtype;  // a bit copy
  for (unsigned p = 0; p < s.count; ++p)
    for (unsigned i = 0; i < s.elems(); ++i) {
      const uint32_t v = raw[std::size_t(p) * s.elems() + i];
      const uint32_t o = same ? v : from_fp32(in.d.dtype, to_fp32(s.dtype, v));
      if (transpose) st.write(in.d, i, p, o);
      else st.write(in.d, p, i, o);
    }
}

void do_memset(const Instruction& in, CoreState& st) {
  const uint32_t v = from_fp32(in.d.dtype, in.a.imm);
  for (unsigned p = 0; p < in.d.count; ++p)
    for (unsigned i = 0; i < in.d.elems(); ++i) st.write(in.d, p, i, v);
}

void do_iota(const Instruction& in, CoreState& st) {
  for (unsigned p = 0; p < in.d.count; ++p)
    for (unsigned i = 0; i < in.d.elems(); ++i) {
      // Two's complement wrap-around, computed without signed overflow.
      const uint32_t v = uint32_t(in.iota_base) + uint32_t(in.iota_part_step) * p +
                         uint32_t(in.iota_free_step) * i;
      const uint32_t out = in.d.dtype == Dtype::INT32
                               ? v
                               : from_fp32(in.d.dtype, to_fp32(Dtype::INT32, v));
      st.write(in.d, p, i, out);
    }
}
}  // namespace

void apply(const Instruction& in, CoreState& st, const ExecContext& ctx) {
  check_dynamic(in, st, ctx);
  switch (in.op) {
    case Opcode::SIGNAL: st.sem(in.sem) += in.value; break;
    case Opcode::SEM_SET: st.sem(in.sem) = in.value; break;
    case Opcode::MATMUL: do_matmul(in, st); break;
    case Opcode::ACTIVATE: do_activate(in, st); break;
    case Opcode::ALU: do_alu(in, st); break;
    case Opcode::REDUCE: do_reduce(in, st); break;
    case Opcode::COPY: do_copy(in, st, false); break;
    case Opcode::TRANSPOSE: do_copy(in, st, true); break;
    case Opcode::MEMSET: do_memset(in, st); break;
    case Opcode::IOTA: do_iota(in, st); break;
    default: break;  // NOP, END, WAIT (the condition is ready()'s), DMA_START (the caller's)
  }
}

void complete(const Instruction& in, CoreState& st, const ExecContext& ctx) {
  if (!in.signal_en) return;
  need(in.signal_sem < st.config().semaphores, in, ctx, "signal",
       "semaphore " + std::to_string(in.signal_sem) + " does not exist");
  st.sem(in.signal_sem) += 1;
}

ExecResult execute(const Instruction& in, CoreState& st, const ExecContext& ctx) {
  check_dynamic(in, st, ctx);
  ExecResult r;
  if (!ready(in, st, ctx)) {
    r.status = ExecStatus::kBlocked;
    return r;
  }
  apply(in, st, ctx);
  complete(in, st, ctx);
  if (in.op == Opcode::END) r.status = ExecStatus::kEnd;
  if (in.op == Opcode::DMA_START) {
    r.status = ExecStatus::kDma;
    r.dma = DmaRequest{in.queue, in.desc_addr, in.desc_count, in.done_en, in.done_sem};
  }
  return r;
}

RunStats run(const Program& prog, CoreState& st, const DmaHandler& dma) {
  RunStats stats;
  std::array<std::size_t, kNumEngines> pc{};
  std::array<bool, kNumEngines> ended{};
  for (unsigned e = 0; e < kNumEngines; ++e) ended[e] = prog.streams[e].empty();
  for (;;) {
    bool all_ended = true, progress = false;
    for (unsigned e = 0; e < kNumEngines; ++e) {
      if (ended[e]) continue;
      all_ended = false;
      const auto& s = prog.streams[e];
      const ExecContext ctx{Engine(e), long(pc[e])};
      if (pc[e] >= s.size())
        throw IsaError("stream", "ends without END after " + std::to_string(s.size()) +
                                     " instructions", int(e), long(pc[e]));
      const Instruction& in = s[pc[e]];
      const ExecResult r = execute(in, st, ctx);
      if (r.status == ExecStatus::kBlocked) continue;
      progress = true;
      ++stats.executed;
      ++pc[e];
      if (r.status == ExecStatus::kEnd) ended[e] = true;
      if (r.status == ExecStatus::kDma) {
        if (!dma) throw IsaError("queue", "DMA_START, but the run has no DMA handler", int(e), ctx.index, mnemonic(in));
        dma(r.dma, st);
      }
    }
    if (all_ended) return stats;
    ++stats.rounds;
    if (!progress) {
      std::ostringstream os;
      os << "deadlock: no engine can proceed;";
      for (unsigned e = 0; e < kNumEngines; ++e) {
        if (ended[e]) continue;
        const Instruction& in = prog.streams[e][pc[e]];
        const bool hdr = in.wait_en && st.sem(in.wait_sem) < in.wait_value;
        const unsigned sem = hdr ? in.wait_sem : in.sem;
        const uint32_t want = hdr ? in.wait_value : in.value;
        os << " " << engine_name(Engine(e)) << " engine instruction " << pc[e] << " ("
           << mnemonic(in) << ") waits for semaphore " << sem << " >= " << want << " (it is "
           << st.sem(sem) << ");";
      }
      std::string msg = os.str();
      msg.pop_back();
      throw IsaError("", msg);
    }
  }
}

}  // namespace trnsim::isa
