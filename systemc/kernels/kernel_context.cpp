#include "kernels/kernel_context.h"

#include <algorithm>
#include <stdexcept>

#include "chip/chip_map.h"
#include "dma_regs.hpp"

namespace trnsim::kernels {

bool Descriptor::operator==(const Descriptor& o) const {
  return src == o.src && dst == o.dst && len == o.len && rows == o.rows &&
         src_stride == o.src_stride && dst_stride == o.dst_stride;
}

namespace {
namespace R = regs::dma;
void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(p[i]) << (8 * i);
  return v;
}
static_assert(R::DESC_SIZE == 32, "descriptor layout changed");
}  // namespace

void encode_descriptor(const Descriptor& d, uint8_t* out) {
  std::fill(out, out + R::DESC_SIZE, uint8_t(0));
  put32(out + R::DESC_SRC_LO_OFFSET, uint32_t(d.src));
  put32(out + R::DESC_SRC_HI_OFFSET, uint32_t(d.src >> 32));
  put32(out + R::DESC_DST_LO_OFFSET, uint32_t(d.dst));
  put32(out + R::DESC_DST_HI_OFFSET, uint32_t(d.dst >> 32));
  put32(out + R::DESC_LEN_OFFSET, d.len);
  put32(out + R::DESC_CTRL_OFFSET, (uint32_t(d.rows) & R::DESC_CTRL_ROWS_MASK)
                                       << R::DESC_CTRL_ROWS_LSB);
  put32(out + R::DESC_SRC_STRIDE_OFFSET, d.src_stride);
  put32(out + R::DESC_DST_STRIDE_OFFSET, d.dst_stride);
}

Descriptor decode_descriptor(const uint8_t* in) {
  Descriptor d;
  d.src = get32(in + R::DESC_SRC_LO_OFFSET) | uint64_t(get32(in + R::DESC_SRC_HI_OFFSET)) << 32;
  d.dst = get32(in + R::DESC_DST_LO_OFFSET) | uint64_t(get32(in + R::DESC_DST_HI_OFFSET)) << 32;
  d.len = get32(in + R::DESC_LEN_OFFSET);
  d.rows = uint16_t((get32(in + R::DESC_CTRL_OFFSET) >> R::DESC_CTRL_ROWS_LSB) &
                    R::DESC_CTRL_ROWS_MASK);
  d.src_stride = get32(in + R::DESC_SRC_STRIDE_OFFSET);
  d.dst_stride = get32(in + R::DESC_DST_STRIDE_OFFSET);
  return d;
}

std::vector<uint8_t> Kernel::descriptor_bytes() const {
  std::vector<uint8_t> out(descriptors.size() * R::DESC_SIZE);
  for (std::size_t i = 0; i < descriptors.size(); ++i)
    encode_descriptor(descriptors[i], out.data() + i * R::DESC_SIZE);
  return out;
}

namespace detail {

void require(bool cond, const std::string& kernel, const std::string& msg) {
  if (!cond) throw std::invalid_argument("kernel " + kernel + ": " + msg);
}

namespace {
constexpr unsigned kQueueSource = 5;  // source of issuer e's DMA queue: 5 + e
const char* kSourceNames[kFixedSources] = {"tensor", "vector", "scalar", "gpsimd", "sync",
                                         "dma.tensor", "dma.vector", "dma.scalar",
                                         "dma.gpsimd", "dma.sync"};
void merge(Tokens& into, const Tokens& from) {
  for (unsigned i = 0; i < kNumSources; ++i) into[i] = std::max(into[i], from[i]);
}
}  // namespace

Ctx::Ctx(const Target& t, std::string name) : t_(t), name_(std::move(name)) {
  t_.core.validate();
  require(t_.desc_base % 32 == 0, name_, "desc_base must be 32-byte aligned");
  require(t_.core.semaphores >= kFixedSources, name_,
          "needs " + std::to_string(kFixedSources) + " semaphores");
  require(t_.core.dma_queues >= 5, name_, "needs 5 DMA queues (one per issuing engine)");
  for (unsigned i = 0; i < kFixedSources; ++i) sems_[i] = kb_.semaphore(kSourceNames[i]);
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    src_issuer_[kQueueSource + e] = e;
    src_queue_[kQueueSource + e] = e;
  }
  queue_src_.assign(t_.core.dma_queues, -1);
}

unsigned Ctx::queue(Engine issuer, unsigned isa_queue) {
  const unsigned e = unsigned(issuer);
  require(isa_queue < cfg().dma_queues, name_,
          "DMA queue " + std::to_string(isa_queue) + " does not exist (the core has " +
              std::to_string(cfg().dma_queues) + ")");
  int& owner = queue_src_[isa_queue];
  if (owner >= 0) {
    require(src_issuer_[unsigned(owner)] == e, name_,
            "DMA queue " + std::to_string(isa_queue) + " is already issued by the " +
                isa::engine_name(isa::Engine(src_issuer_[unsigned(owner)])) + " engine");
    return unsigned(owner);
  }
  if (isa_queue == e) {
    owner = int(kQueueSource + e);
    return unsigned(owner);
  }
  require(num_sources_ < kNumSources && num_sources_ < cfg().semaphores, name_,
          "no semaphore left for DMA queue " + std::to_string(isa_queue) + " (" +
              std::to_string(num_sources_) + " in use)");
  const unsigned src = num_sources_++;
  sems_[src] = kb_.semaphore("dma.q" + std::to_string(isa_queue));
  src_issuer_[src] = e;
  src_queue_[src] = isa_queue;
  owner = int(src);
  return src;
}

BufId Ctx::sbuf(const std::string& name, unsigned parts, uint32_t bytes) {
  require(parts >= 1 && parts <= cfg().partitions, name_,
          "buffer " + name + ": " + std::to_string(parts) + " partitions (the core has " +
              std::to_string(cfg().partitions) + ")");
  const uint32_t size = (bytes + 63) & ~63u;
  require(uint64_t(sbuf_top_) + size <= cfg().sbuf_partition_bytes, name_,
          "buffer " + name + " (" + std::to_string(size) + " bytes per partition) does not fit: " +
              std::to_string(sbuf_top_) + " of " + std::to_string(cfg().sbuf_partition_bytes) +
              " bytes already allocated");
  Buf b;
  b.name = name;
  b.mem = Mem::SBUF;
  b.parts = parts;
  b.offset = sbuf_top_;
  b.bytes = size;
  b.write = recycled_sbuf_;
  sbuf_top_ += size;
  bufs_.push_back(b);
  return BufId(bufs_.size() - 1);
}

BufId Ctx::psum(const std::string& name) {
  require(psum_top_ < cfg().psum_banks, name_,
          "buffer " + name + ": all " + std::to_string(cfg().psum_banks) + " PSUM banks in use");
  Buf b;
  b.name = name;
  b.mem = Mem::PSUM;
  b.parts = cfg().partitions;
  b.bank = psum_top_++;
  b.bytes = cfg().psum_bank_bytes;
  b.write = recycled_psum_;
  bufs_.push_back(b);
  return BufId(bufs_.size() - 1);
}

BufId Ctx::hbm(const std::string& name, uint64_t addr, uint64_t size) {
  Buf b;
  b.name = name;
  b.mem = Mem::HBM;
  b.addr = addr;
  b.size = size;
  bufs_.push_back(b);
  return BufId(bufs_.size() - 1);
}

void Ctx::release(const Mark& m) {
  for (Buf& b : bufs_) {
    const bool dead_sbuf = b.mem == Mem::SBUF && b.bytes && b.offset >= m.sbuf_top;
    const bool dead_psum = b.mem == Mem::PSUM && b.bytes && b.bank >= m.psum_top;
    if (!dead_sbuf && !dead_psum) continue;
    Tokens& r = dead_sbuf ? recycled_sbuf_ : recycled_psum_;
    merge(r, b.write);
    merge(r, b.reads);
    b.bytes = 0;  // dead: using it again is an error
  }
  sbuf_top_ = m.sbuf_top;
  psum_top_ = m.psum_top;
}

Operand Ctx::view(BufId id, Dtype dt, unsigned p0, unsigned parts, uint32_t off,
                  unsigned elems) const {
  const Buf& b = bufs_.at(id);
  require(b.bytes != 0 && b.mem != Mem::HBM, name_, "buffer " + b.name + " is released or in HBM");
  require(p0 + parts <= b.parts, name_, "view of " + b.name + " exceeds its partitions");
  require(off + uint64_t(elems) * isa::dtype_bytes(dt) <= b.bytes, name_,
          "view of " + b.name + " exceeds its " + std::to_string(b.bytes) + " bytes");
  if (b.mem == Mem::PSUM) return isa::psum(b.bank, dt, b.start + p0, parts, off, elems);
  return isa::sbuf(dt, b.start + p0, parts, b.offset + off, elems);
}

Operand Ctx::col(BufId id, Dtype dt, uint32_t off) const {
  const Buf& b = bufs_.at(id);
  require(b.bytes != 0 && b.mem != Mem::HBM, name_, "buffer " + b.name + " is released or in HBM");
  if (b.mem == Mem::PSUM) return isa::psum_col(b.bank, dt, off);
  return isa::sbuf_col(dt, b.offset + off);
}

Tokens Ctx::needs(Engine, const std::vector<BufId>& reads, const std::vector<BufId>& writes) const {
  Tokens n{};
  for (BufId r : reads) merge(n, bufs_.at(r).write);
  for (BufId w : writes) {
    merge(n, bufs_.at(w).write);
    merge(n, bufs_.at(w).reads);
  }
  return n;
}

void Ctx::record(Engine, unsigned src, uint32_t count, const std::vector<BufId>& reads,
                 const std::vector<BufId>& writes) {
  for (BufId r : reads) {
    uint32_t& v = bufs_.at(r).reads[src];
    v = std::max(v, count);
  }
  for (BufId w : writes) {
    Buf& b = bufs_.at(w);
    b.write = Tokens{};
    b.reads = Tokens{};
    b.write[src] = count;
  }
}

void Ctx::drop_waited(Engine e, Tokens& need) {
  Tokens& w = waited_[unsigned(e)];
  for (unsigned src = 0; src < kNumSources; ++src) {
    if (need[src] <= w[src]) need[src] = 0;
    else w[src] = need[src];
  }
}

isa::InstrRef Ctx::op(Engine e, const std::vector<BufId>& reads, const std::vector<BufId>& writes,
                      const std::function<isa::InstrRef(isa::EngineStream&)>& emit) {
  const unsigned me = unsigned(e);
  require(me < 4, name_, "compute operations run on tensor, vector, scalar or gpsimd");
  Tokens need = needs(e, reads, writes);
  need[me] = 0;  // the engine keeps its own program order
  drop_waited(e, need);
  // One wait goes into the instruction's header, the rest are WAITs before it.
  int header = -1;
  isa::EngineStream& s = kb_.engine(e);
  for (unsigned src = 0; src < kNumSources; ++src) {
    if (!need[src]) continue;
    if (header < 0) {
      header = int(src);
      continue;
    }
    s.wait(sems_[src], need[src]);
  }
  isa::InstrRef ref = emit(s);
  if (header >= 0) ref.wait(sems_[unsigned(header)], need[unsigned(header)]);
  ref.signal(sems_[me]);
  record(e, me, ++counts_[me], reads, writes);
  return ref;
}

void Ctx::dma(Engine issuer, const std::vector<Descriptor>& descs, const std::vector<BufId>& reads,
              const std::vector<BufId>& writes) {
  dma({DmaPart{queue(issuer, unsigned(issuer)), descs}}, reads, writes);
}

void Ctx::dma(const std::vector<DmaPart>& parts, const std::vector<BufId>& reads,
              const std::vector<BufId>& writes) {
  require(!parts.empty(), name_, "a DMA needs at least one part");
  for (const DmaPart& p : parts) {
    require(p.queue >= kQueueSource && p.queue < num_sources_, name_, "DMA part on an unknown queue source");
    require(!p.descs.empty(), name_, "a DMA needs at least one descriptor");
    require(src_issuer_[p.queue] == src_issuer_[parts[0].queue], name_,
            "the parts of one DMA must have one issuing engine");
  }
  const Engine issuer = Engine(src_issuer_[parts[0].queue]);
  // The DMA reads and writes outside the issuing engine's pipeline, so it
  // waits for that engine's own earlier instructions too. The later parts
  // issue after the first (in-order engine), so only the first waits.
  Tokens need = needs(issuer, reads, writes);
  drop_waited(issuer, need);
  isa::EngineStream& s = kb_.engine(issuer);
  int header = -1;
  for (unsigned src = 0; src < kNumSources; ++src) {
    if (!need[src]) continue;
    if (header < 0) {
      header = int(src);
      continue;
    }
    s.wait(sems_[src], need[src]);
  }
  Tokens done{};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const DmaPart& p = parts[i];
    const uint64_t addr = t_.desc_base + 32ull * descs_.size();
    descs_.insert(descs_.end(), p.descs.begin(), p.descs.end());
    isa::InstrRef ref = s.dma_start(src_queue_[p.queue], addr, unsigned(p.descs.size()), sems_[p.queue]);
    if (i == 0 && header >= 0) ref.wait(sems_[unsigned(header)], need[unsigned(header)]);
    done[p.queue] = ++counts_[p.queue];
  }
  for (BufId r : reads) merge(bufs_.at(r).reads, done);
  for (BufId w : writes) {
    Buf& b = bufs_.at(w);
    b.write = done;
    b.reads = Tokens{};
  }
}

Descriptor Ctx::load_desc(BufId id, unsigned p0, uint32_t off, uint64_t hbm_addr, unsigned rows,
                          uint32_t row_bytes, uint32_t hbm_pitch) const {
  const Buf& b = bufs_.at(id);
  require(b.mem == Mem::SBUF && b.bytes, name_, "DMA into " + b.name + ": not a live SBUF buffer");
  require(p0 + rows <= b.parts && off + row_bytes <= b.bytes && rows <= 0xFFFF, name_,
          "DMA into " + b.name + " exceeds the buffer");
  Descriptor d;
  d.src = hbm_addr;
  d.dst = chip::sbuf_addr(t_.core_index, b.start + p0, b.offset + off);
  d.len = row_bytes;
  d.rows = uint16_t(rows);
  d.src_stride = hbm_pitch;
  d.dst_stride = uint32_t(chip::kSbufPartitionStride);
  return d;
}

Descriptor Ctx::store_desc(BufId id, unsigned p0, uint32_t off, uint64_t hbm_addr, unsigned rows,
                           uint32_t row_bytes, uint32_t hbm_pitch) const {
  Descriptor d = load_desc(id, p0, off, hbm_addr, rows, row_bytes, hbm_pitch);
  std::swap(d.src, d.dst);
  std::swap(d.src_stride, d.dst_stride);
  return d;
}

void Ctx::load(Engine issuer, BufId dst, BufId src_hbm, Dtype dt, unsigned rows, unsigned cols) {
  const uint32_t rb = cols * isa::dtype_bytes(dt);
  dma(issuer, {load_desc(dst, 0, 0, bufs_.at(src_hbm).addr, rows, rb, rb)}, {src_hbm}, {dst});
}

void Ctx::store(Engine issuer, BufId dst_hbm, BufId src, Dtype dt, unsigned rows, unsigned cols) {
  const uint32_t rb = cols * isa::dtype_bytes(dt);
  dma(issuer, {store_desc(src, 0, 0, bufs_.at(dst_hbm).addr, rows, rb, rb)}, {src}, {dst_hbm});
}

Kernel Ctx::finish() {
  Kernel k;
  k.name = name_;
  k.program = kb_.finish();
  k.descriptors = descs_;
  k.desc_base = t_.desc_base;
  for (unsigned i = 0; i < num_sources_; ++i)
    k.sem_names.push_back(i < kFixedSources ? kSourceNames[i] : "dma.q" + std::to_string(src_queue_[i]));
  for (unsigned i = kQueueSource; i < num_sources_; ++i)
    if (counts_[i]) k.queues.push_back(src_queue_[i]);
  return k;
}

}  // namespace detail
}  // namespace trnsim::kernels
