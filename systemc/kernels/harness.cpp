#include "kernels/harness.h"

#include <array>
#include <cstdio>
#include <deque>
#include <sstream>

#include "chip/chip_map.h"

namespace trnsim::kernels {

namespace {
std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

uint8_t* HostMemory::at(uint64_t addr, uint64_t len) {
  if (addr > bytes_.size() || len > bytes_.size() - addr)
    throw std::out_of_range("HBM access [" + hex(addr) + ", " + hex(addr + len) +
                            ") is outside the " + std::to_string(bytes_.size()) + "-byte HBM");
  return bytes_.data() + addr;
}

void HostMemory::write(uint64_t addr, const std::vector<uint8_t>& data) {
  if (data.empty()) return;
  std::copy(data.begin(), data.end(), at(addr, data.size()));
}

void HostMemory::write_elems(uint64_t addr, Dtype dt, const std::vector<uint32_t>& raw) {
  const unsigned es = isa::dtype_bytes(dt);
  uint8_t* p = at(addr, uint64_t(es) * raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i)
    for (unsigned b = 0; b < es; ++b) p[i * es + b] = uint8_t(raw[i] >> (8 * b));
}

std::vector<uint32_t> HostMemory::read_elems(uint64_t addr, Dtype dt, std::size_t count) const {
  const unsigned es = isa::dtype_bytes(dt);
  const uint8_t* p = const_cast<HostMemory*>(this)->at(addr, uint64_t(es) * count);
  std::vector<uint32_t> out(count);
  for (std::size_t i = 0; i < count; ++i)
    for (unsigned b = 0; b < es; ++b) out[i] |= uint32_t(p[i * es + b]) << (8 * b);
  return out;
}

uint8_t* FunctionalDma::resolve(uint64_t addr, isa::CoreState& st) {
  if (addr < hbm_.size()) return hbm_.at(addr);
  const isa::CoreConfig& c = st.config();
  const uint64_t base = chip::core_base(core_);
  if (addr >= base && addr < base + chip::kCoreStride) {
    const uint64_t off = addr - base;
    if (off >= chip::kSbufOffset && off < chip::kPsumOffset) {
      const uint64_t p = (off - chip::kSbufOffset) / chip::kSbufPartitionStride;
      const uint64_t b = (off - chip::kSbufOffset) % chip::kSbufPartitionStride;
      if (p < c.partitions && b < c.sbuf_partition_bytes) return st.sbuf(unsigned(p), uint32_t(b));
    } else if (off >= chip::kPsumOffset && off < chip::kCoreCtrlOffset) {
      const uint64_t p = (off - chip::kPsumOffset) / chip::kPsumPartitionStride;
      const uint64_t b = (off - chip::kPsumOffset) % chip::kPsumPartitionStride;
      if (p < c.partitions && b < uint64_t(c.psum_banks) * c.psum_bank_bytes)
        return st.psum(unsigned(b / c.psum_bank_bytes), unsigned(p), uint32_t(b % c.psum_bank_bytes));
    }
  }
  return nullptr;
}

void FunctionalDma::execute(const isa::DmaRequest& req, isa::CoreState& st) {
  for (unsigned i = 0; i < req.desc_count; ++i) {
    const uint64_t da = req.desc_addr + 32ull * i;
    auto fail = [&](const std::string& what, uint64_t addr) {
      throw std::runtime_error("DMA queue " + std::to_string(req.queue) + ", descriptor " +
                               std::to_string(i) + " of " + std::to_string(req.desc_count) +
                               " at " + hex(da) + ": " + what + " address " + hex(addr) +
                               " is outside the HBM (" + std::to_string(hbm_.size()) +
                               " bytes) and core " + std::to_string(core_) + "'s SBUF/PSUM");
    };
    uint8_t raw[32];
    for (unsigned b = 0; b < 32; ++b) {
      const uint8_t* p = resolve(da + b, st);
      if (!p) fail("descriptor", da + b);
      raw[b] = *p;
    }
    const Descriptor d = decode_descriptor(raw);
    if (d.len == 0 || d.rows == 0)
      throw std::runtime_error("DMA queue " + std::to_string(req.queue) + ", descriptor at " +
                               hex(da) + ": LEN " + std::to_string(d.len) + " and ROWS " +
                               std::to_string(d.rows) + " must be non-zero");
    for (unsigned r = 0; r < d.rows; ++r) {
      const uint64_t s = d.src + uint64_t(r) * d.src_stride, t = d.dst + uint64_t(r) * d.dst_stride;
      for (uint32_t b = 0; b < d.len; ++b) {
        const uint8_t* from = resolve(s + b, st);
        if (!from) fail("row " + std::to_string(r) + " source", s + b);
        uint8_t* to = resolve(t + b, st);
        if (!to) fail("row " + std::to_string(r) + " destination", t + b);
        *to = *from;
      }
    }
    bytes_ += uint64_t(d.len) * d.rows;
    ++descs_;
  }
}

RunResult run_kernel(const Kernel& k, isa::CoreState& st, HostMemory& hbm, unsigned core_index,
                     const RunOptions& opt) {
  hbm.write(k.desc_base, k.descriptor_bytes());
  FunctionalDma dma(hbm, core_index);
  RunResult res;
  if (opt.dma_latency == 0) {
    const isa::RunStats s = isa::run(k.program, st, [&](const isa::DmaRequest& r, isa::CoreState& cs) {
      dma.execute(r, cs);
      ++res.dma_requests;
      if (r.done_en) cs.sem(r.done_sem) += 1;
    });
    res.executed = s.executed;
    res.rounds = s.rounds;
    res.dma_descriptors = dma.descriptors_done();
    res.dma_bytes = dma.bytes_moved();
    return res;
  }

  // The delayed loop: the same round robin as isa::run, plus per-queue FIFOs.
  struct Pending {
    isa::DmaRequest req;
    uint64_t due;
  };
  std::vector<std::deque<Pending>> queues(st.config().dma_queues);
  std::array<std::size_t, isa::kNumEngines> pc{};
  std::array<bool, isa::kNumEngines> ended{};
  for (unsigned e = 0; e < isa::kNumEngines; ++e) ended[e] = k.program.streams[e].empty();
  for (uint64_t round = 0;; ++round) {
    if (round >= opt.max_rounds)
      throw std::runtime_error("kernel " + k.name + ": no end after " +
                               std::to_string(opt.max_rounds) + " rounds");
    bool all_ended = true, progress = false;
    for (unsigned e = 0; e < isa::kNumEngines; ++e) {
      if (ended[e]) continue;
      all_ended = false;
      const auto& s = k.program.streams[e];
      const isa::ExecContext ctx{isa::Engine(e), long(pc[e])};
      if (pc[e] >= s.size())
        throw isa::IsaError("stream", "ends without END after " + std::to_string(s.size()) +
                                          " instructions", int(e), long(pc[e]));
      const isa::ExecResult r = isa::execute(s[pc[e]], st, ctx);
      if (r.status == isa::ExecStatus::kBlocked) continue;
      progress = true;
      ++res.executed;
      ++pc[e];
      if (r.status == isa::ExecStatus::kEnd) ended[e] = true;
      if (r.status == isa::ExecStatus::kDma) {
        auto& q = queues.at(r.dma.queue);
        const uint64_t due = std::max(round + opt.dma_latency, q.empty() ? 0 : q.back().due + 1);
        if (opt.data_at_issue) dma.execute(r.dma, st);
        q.push_back({r.dma, due});
        ++res.dma_requests;
      }
    }
    bool pending = false, completed = false;
    for (auto& q : queues) {
      while (!q.empty() && q.front().due <= round) {
        const isa::DmaRequest& r = q.front().req;
        if (!opt.data_at_issue) dma.execute(r, st);
        if (r.done_en) st.sem(r.done_sem) += 1;
        q.pop_front();
        completed = true;
      }
      pending = pending || !q.empty();
    }
    if (all_ended && !pending) {
      res.rounds = round + 1;
      break;
    }
    if (!progress && !completed && !pending) {
      std::ostringstream os;
      os << "deadlock: no engine can proceed;";
      for (unsigned e = 0; e < isa::kNumEngines; ++e) {
        if (ended[e]) continue;
        const isa::Instruction& in = k.program.streams[e][pc[e]];
        const bool hdr = in.wait_en && st.sem(in.wait_sem) < in.wait_value;
        const unsigned sem = hdr ? in.wait_sem : in.sem;
        const uint32_t want = hdr ? in.wait_value : in.value;
        os << " " << isa::engine_name(isa::Engine(e)) << " engine instruction " << pc[e] << " ("
           << isa::mnemonic(in) << ") waits for semaphore " << sem << " >= " << want
           << " (it is " << st.sem(sem) << ");";
      }
      std::string msg = os.str();
      msg.pop_back();
      throw isa::IsaError("", msg);
    }
  }
  res.dma_descriptors = dma.descriptors_done();
  res.dma_bytes = dma.bytes_moved();
  return res;
}

}  // namespace trnsim::kernels
