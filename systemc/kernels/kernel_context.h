// Internal: the dataflow layer every kernel is written on. A kernel allocates
// buffers (SBUF regions, PSUM banks, HBM tensors), then emits operations
// saying which buffers each reads and writes; the context inserts the
// semaphore waits (read after write, write after read, write after write)
// and the signals, so the program is correct by construction and as
// parallel as its buffer allocation allows (docs/kernels.md, "Dataflow").
//
// Semaphores: one per compute engine (TENSOR, VECTOR, SCALAR, GPSIMD; every
// compute instruction signals its engine's, so "sem >= n" means the engine's
// first n instructions are done), and one per DMA queue (the queue's done
// semaphore; "sem >= n" means its first n DMA_STARTs completed). Each issuing
// engine has its own queue, so a queue's requests are issued in emission
// order; the DMA model must complete each queue's requests in order.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "isa/kernel_builder.h"
#include "kernels/kernels.h"

namespace trnsim::kernels::detail {

using isa::Engine;
using isa::Operand;

// Sources of completion tokens: 0..3 compute engines (Engine value), 5..9 the
// DMA queue of the issuing engine (5 + Engine value); from kFixedSources on,
// the extra DMA queues a kernel opens with Ctx::queue (one semaphore each).
inline constexpr unsigned kFixedSources = 10;
inline constexpr unsigned kNumSources = 48;  // fixed + at most 38 extra queues
using Tokens = std::array<uint32_t, kNumSources>;  // per source: needed count (0 = none)

enum class Mem { SBUF, PSUM, HBM };

struct Buf {
  std::string name;
  Mem mem = Mem::SBUF;
  unsigned start = 0, parts = 0;  // SBUF/PSUM partitions
  uint32_t offset = 0, bytes = 0; // SBUF: offset and bytes per partition
  unsigned bank = 0;              // PSUM
  uint64_t addr = 0, size = 0;    // HBM
  Tokens write{}, reads{};
};
using BufId = unsigned;

class Ctx {
 public:
  Ctx(const Target& t, std::string name);
  const isa::CoreConfig& cfg() const { return t_.core; }

  // ---- allocation ----
  // SBUF: `bytes` per partition on partitions [0, parts), 64-byte aligned.
  BufId sbuf(const std::string& name, unsigned parts, uint32_t bytes);
  // One whole PSUM bank (all partitions).
  BufId psum(const std::string& name);
  BufId hbm(const std::string& name, uint64_t addr, uint64_t size);
  // Free every SBUF buffer and PSUM bank allocated after `mark` (a later
  // allocation of the same space waits for all their readers and writers).
  struct Mark { uint32_t sbuf_top; unsigned psum_top; };
  Mark mark() const { return {sbuf_top_, psum_top_}; }
  void release(const Mark& m);

  // ---- operands ----
  // Tensor view of an SBUF/PSUM buffer: partitions [p0, p0+parts), `elems`
  // elements of `dt` from byte `off` of the buffer.
  Operand view(BufId b, Dtype dt, unsigned p0, unsigned parts, uint32_t off, unsigned elems) const;
  Operand view(BufId b, Dtype dt, unsigned parts, unsigned elems) const {
    return view(b, dt, 0, parts, 0, elems);
  }
  // Column (ACTIVATE bias/scale/acc) at byte `off` of the buffer.
  Operand col(BufId b, Dtype dt, uint32_t off = 0) const;

  // ---- operations ----
  // Emit one compute instruction on `e` with the waits its buffers need; the
  // instruction signals e's semaphore. `emit` appends exactly one instruction.
  isa::InstrRef op(Engine e, const std::vector<BufId>& reads, const std::vector<BufId>& writes,
                   const std::function<isa::InstrRef(isa::EngineStream&)>& emit);
  // One DMA_START on `issuer`'s queue for these descriptors.
  void dma(Engine issuer, const std::vector<Descriptor>& descs, const std::vector<BufId>& reads,
           const std::vector<BufId>& writes);
  // An extra DMA queue: ISA queue `isa_queue`, issued only by `issuer`, with
  // its own done semaphore ("dma.q<N>"); returns its source for DmaPart. The
  // issuer's own queue (isa_queue == issuer) is its fixed source. A queue
  // has one issuer (so its requests are issued in emission order).
  unsigned queue(Engine issuer, unsigned isa_queue);
  // One logical transfer split into DMA_STARTs on several queues of one
  // issuer (sources from queue()): they wait for what the transfer needs,
  // and readers of `writes` wait for all of them.
  struct DmaPart {
    unsigned queue;  // source from queue()
    std::vector<Descriptor> descs;
  };
  void dma(const std::vector<DmaPart>& parts, const std::vector<BufId>& reads,
           const std::vector<BufId>& writes);

  // ---- descriptors ----
  // rows x row_bytes from HBM (row pitch hbm_pitch bytes; 0 replicates one
  // row) into partitions p0.. of an SBUF buffer at byte `off`.
  Descriptor load_desc(BufId sbuf, unsigned p0, uint32_t off, uint64_t hbm_addr, unsigned rows,
                       uint32_t row_bytes, uint32_t hbm_pitch) const;
  Descriptor store_desc(BufId sbuf, unsigned p0, uint32_t off, uint64_t hbm_addr, unsigned rows,
                        uint32_t row_bytes, uint32_t hbm_pitch) const;

  // Convenience: a whole [rows x cols] row-major HBM matrix <-> SBUF buffer
  // (rows on partitions), one descriptor.
  void load(Engine issuer, BufId dst, BufId src_hbm, Dtype dt, unsigned rows, unsigned cols);
  void store(Engine issuer, BufId dst_hbm, BufId src, Dtype dt, unsigned rows, unsigned cols);

  isa::KernelBuilder& kb() { return kb_; }
  Kernel finish();

 private:
  void record(Engine e, unsigned src, uint32_t count, const std::vector<BufId>& reads,
              const std::vector<BufId>& writes);
  Tokens needs(Engine e, const std::vector<BufId>& reads, const std::vector<BufId>& writes) const;

  Target t_;
  std::string name_;
  isa::KernelBuilder kb_;
  std::array<isa::Sem, kNumSources> sems_{};
  std::array<uint32_t, kNumSources> counts_{};
  unsigned num_sources_ = kFixedSources;
  std::array<unsigned, kNumSources> src_issuer_{}, src_queue_{};  // DMA sources: issuer, ISA queue
  std::vector<int> queue_src_;  // by ISA queue: its source, -1 unused
  // Per engine: the counts it has already waited for (an engine issues in
  // order and counters only grow, so a later wait for no more is redundant).
  std::array<Tokens, isa::kNumEngines> waited_{};
  void drop_waited(Engine e, Tokens& need);
  std::vector<Buf> bufs_;
  std::vector<Descriptor> descs_;
  uint32_t sbuf_top_ = 0;
  unsigned psum_top_ = 0;
  Tokens recycled_sbuf_{}, recycled_psum_{};
};

// Ceil division and helpers shared by the kernels.
inline unsigned ceil_div(unsigned a, unsigned b) { return (a + b - 1) / b; }
void require(bool cond, const std::string& kernel, const std::string& msg);

}  // namespace trnsim::kernels::detail
