#include "dma/dma_driver.h"

#include <sstream>
#include <stdexcept>

#include "dma_regs.hpp"

namespace trnsim::cosim {

namespace regs = trnsim::regs::dma;

namespace {

void put32(std::array<uint8_t, 32>& b, uint32_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t fld(uint32_t v, uint32_t lsb, uint32_t mask) { return (v & mask) << lsb; }

}  // namespace

std::array<uint8_t, 32> DmaDesc::encode() const {
  static_assert(regs::DESC_SIZE == 32, "descriptor size");
  std::array<uint8_t, 32> b{};
  put32(b, regs::DESC_SRC_LO_OFFSET, static_cast<uint32_t>(src));
  put32(b, regs::DESC_SRC_HI_OFFSET, static_cast<uint32_t>(src >> 32));
  put32(b, regs::DESC_DST_LO_OFFSET, static_cast<uint32_t>(dst));
  put32(b, regs::DESC_DST_HI_OFFSET, static_cast<uint32_t>(dst >> 32));
  put32(b, regs::DESC_LEN_OFFSET, fld(len, regs::DESC_LEN_BYTES_LSB, regs::DESC_LEN_BYTES_MASK));
  put32(b, regs::DESC_CTRL_OFFSET,
        fld(rows, regs::DESC_CTRL_ROWS_LSB, regs::DESC_CTRL_ROWS_MASK) |
            fld(irq, regs::DESC_CTRL_IRQ_LSB, regs::DESC_CTRL_IRQ_MASK) |
            fld(last, regs::DESC_CTRL_LAST_LSB, regs::DESC_CTRL_LAST_MASK) |
            fld(cpl, regs::DESC_CTRL_CPL_LSB, regs::DESC_CTRL_CPL_MASK));
  put32(b, regs::DESC_SRC_STRIDE_OFFSET, src_stride);
  put32(b, regs::DESC_DST_STRIDE_OFFSET, dst_stride);
  return b;
}

DmaDriver::DmaDriver(std::unique_ptr<DmaRtl> rtl, const Axi4MemConfig& mem_cfg)
    : rtl_(std::move(rtl)), mem_([&] {
        if (!rtl_) throw std::invalid_argument("DmaDriver: no RTL model");
        Axi4MemConfig c = mem_cfg;
        c.data_bytes = rtl_->config().data_bytes();
        return c;
      }()) {
  reset();
}

DmaDriver::~DmaDriver() = default;

uint32_t DmaDriver::qreg(unsigned q, uint32_t q0_offset) {
  return q0_offset + q * (regs::Q1_CTRL_OFFSET - regs::Q0_CTRL_OFFSET);
}

void DmaDriver::reset() {
  csr_.abort();
  tail_.fill(0);
  in_reset_ = true;
  for (int i = 0; i < 4; ++i) tick();
  in_reset_ = false;
  mem_.reset_bus();
  tick();
}

void DmaDriver::run_cycles(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) tick();
}

void DmaDriver::tick() {
  in_.rst_n = !in_reset_;
  csr_.drive(in_);
  if (in_reset_) {
    in_.mem = Axi4SlaveOut{};
    in_.mem.rdata.assign(config().data_bytes() / 4, 0);
  } else {
    mem_.drive(in_.mem);
  }
  rtl_->set_inputs(in_);
  rtl_->get_outputs(out_);
  if (!in_reset_) mem_.observe(out_.mem);

  csr_.observe(out_, cycle_);
  rtl_->clock();
  ++cycle_;
}

void DmaDriver::csr_blocking(bool write, uint32_t addr, uint32_t data, uint8_t strb,
                             uint64_t max_cycles) {
  csr_.start(write, addr, data, strb);
  const uint64_t start = cycle_;
  while (!csr_.done()) {
    if (cycle_ - start > max_cycles) {
      std::ostringstream os;
      os << "DMA (" << config().name << "): CSR " << (write ? "write" : "read") << " at 0x"
         << std::hex << addr << std::dec << " timed out at cycle " << cycle_;
      throw std::runtime_error(os.str());
    }
    tick();
  }
}

uint32_t DmaDriver::csr_read(uint32_t addr, uint8_t* resp) {
  csr_blocking(false, addr, 0, 0xF, 1000);
  if (resp) *resp = csr_.resp();
  return csr_.rdata();
}

uint8_t DmaDriver::csr_write(uint32_t addr, uint32_t data, uint8_t strb) {
  csr_blocking(true, addr, data, strb, 1000);
  return csr_.resp();
}

void DmaDriver::setup_queue(unsigned q, const DmaQueueSetup& s, bool enable) {
  setup_[q] = s;
  tail_[q] = 0;
  csr_write(qreg(q, regs::Q0_RING_BASE_LO_OFFSET), static_cast<uint32_t>(s.ring_base));
  csr_write(qreg(q, regs::Q0_RING_BASE_HI_OFFSET), static_cast<uint32_t>(s.ring_base >> 32));
  csr_write(qreg(q, regs::Q0_RING_SIZE_OFFSET), s.entries);
  csr_write(qreg(q, regs::Q0_CPL_BASE_LO_OFFSET), static_cast<uint32_t>(s.cpl_base));
  csr_write(qreg(q, regs::Q0_CPL_BASE_HI_OFFSET), static_cast<uint32_t>(s.cpl_base >> 32));
  const uint32_t win_stride = regs::Q0_WIN1_BASE_LO_OFFSET - regs::Q0_WIN0_BASE_LO_OFFSET;
  for (unsigned w = 0; w < 2; ++w) {
    const uint32_t o = w * win_stride;
    const DmaWindow& win = s.windows[w];
    csr_write(qreg(q, regs::Q0_WIN0_BASE_LO_OFFSET + o), static_cast<uint32_t>(win.base));
    csr_write(qreg(q, regs::Q0_WIN0_BASE_HI_OFFSET + o), static_cast<uint32_t>(win.base >> 32));
    csr_write(qreg(q, regs::Q0_WIN0_LIMIT_LO_OFFSET + o), static_cast<uint32_t>(win.limit));
    csr_write(qreg(q, regs::Q0_WIN0_LIMIT_HI_OFFSET + o), static_cast<uint32_t>(win.limit >> 32));
  }
  // TAIL is written as the doorbell; start from the hardware HEAD.
  tail_[q] = csr_read(qreg(q, regs::Q0_HEAD_OFFSET));
  enable_queue(q, enable);
}

void DmaDriver::enable_queue(unsigned q, bool enable) {
  csr_write(qreg(q, regs::Q0_CTRL_OFFSET),
            enable ? (regs::Q0_CTRL_ENABLE_MASK << regs::Q0_CTRL_ENABLE_LSB) : 0);
}

void DmaDriver::reset_queue(unsigned q) {
  // Firmware sequence (docs/dma.md): disable, reset (HEAD = 0, error and
  // pause cleared, a running descriptor abandoned), TAIL = 0, enable again.
  // Disabling first keeps the queue from restarting at HEAD = 0 with the old
  // TAIL.
  const uint32_t en = csr_read(qreg(q, regs::Q0_CTRL_OFFSET)) &
                      (regs::Q0_CTRL_ENABLE_MASK << regs::Q0_CTRL_ENABLE_LSB);
  csr_write(qreg(q, regs::Q0_CTRL_OFFSET), 0);
  csr_write(qreg(q, regs::Q0_CTRL_OFFSET), regs::Q0_CTRL_RESET_MASK << regs::Q0_CTRL_RESET_LSB);
  tail_[q] = 0;
  csr_write(qreg(q, regs::Q0_TAIL_OFFSET), 0);
  csr_write(qreg(q, regs::Q0_CTRL_OFFSET), en);
}

void DmaDriver::resume_queue(unsigned q) {
  const uint32_t en = csr_read(qreg(q, regs::Q0_CTRL_OFFSET)) &
                      (regs::Q0_CTRL_ENABLE_MASK << regs::Q0_CTRL_ENABLE_LSB);
  csr_write(qreg(q, regs::Q0_CTRL_OFFSET),
            en | (regs::Q0_CTRL_RESUME_MASK << regs::Q0_CTRL_RESUME_LSB));
}

void DmaDriver::push_many(unsigned q, const std::vector<DmaDesc>& ds) {
  const DmaQueueSetup& s = setup_[q];
  if (s.entries == 0) throw std::logic_error("DmaDriver::push: queue not set up");
  for (const DmaDesc& d : ds) {
    const auto bytes = d.encode();
    mem_.write(s.ring_base + uint64_t{tail_[q]} * regs::DESC_SIZE, bytes.data(), bytes.size());
    tail_[q] = (tail_[q] + 1) % s.entries;
  }
  csr_write(qreg(q, regs::Q0_TAIL_OFFSET), tail_[q]);
}

uint32_t DmaDriver::push(unsigned q, const DmaDesc& d) {
  const uint32_t idx = tail_[q];
  push_many(q, {d});
  return idx;
}

DmaQueueStatus DmaDriver::queue_status(unsigned q) {
  DmaQueueStatus st;
  const uint32_t s = csr_read(qreg(q, regs::Q0_STATUS_OFFSET));
  st.busy = (s >> regs::Q0_STATUS_BUSY_LSB) & regs::Q0_STATUS_BUSY_MASK;
  st.error = (s >> regs::Q0_STATUS_ERROR_LSB) & regs::Q0_STATUS_ERROR_MASK;
  st.paused = (s >> regs::Q0_STATUS_PAUSED_LSB) & regs::Q0_STATUS_PAUSED_MASK;
  st.code = (s >> regs::Q0_STATUS_CODE_LSB) & regs::Q0_STATUS_CODE_MASK;
  st.head = csr_read(qreg(q, regs::Q0_HEAD_OFFSET));
  st.err_addr = csr_read(qreg(q, regs::Q0_ERR_ADDR_LO_OFFSET)) |
                uint64_t{csr_read(qreg(q, regs::Q0_ERR_ADDR_HI_OFFSET))} << 32;
  return st;
}

DmaCounters DmaDriver::counters() {
  DmaCounters c;
  c.bytes_moved = csr_read(regs::BYTES_MOVED_OFFSET);
  c.descs_done = csr_read(regs::DESCS_DONE_OFFSET);
  c.busy_cycles = csr_read(regs::BUSY_CYCLES_OFFSET);
  c.stall_cycles = csr_read(regs::STALL_CYCLES_OFFSET);
  c.errors = csr_read(regs::ERRORS_OFFSET);
  return c;
}

DmaQueueStatus DmaDriver::wait_queue(unsigned q, uint64_t max_cycles) {
  const uint64_t start = cycle_;
  for (;;) {
    DmaQueueStatus st = queue_status(q);
    if (!st.busy && (st.error || st.paused || st.head == tail_[q])) return st;
    if (cycle_ - start > max_cycles) {
      std::ostringstream os;
      os << "DMA (" << config().name << "): queue " << q << " still running at cycle " << cycle_
         << " (HEAD " << st.head << ", TAIL " << tail_[q] << ", memory reads in flight "
         << mem_.reads_outstanding() << ", writes " << mem_.writes_outstanding() << ")";
      throw std::runtime_error(os.str());
    }
    run_cycles(16);
  }
}

void DmaDriver::wait_all(unsigned mask, uint64_t max_cycles) {
  for (unsigned q = 0; q < 4; ++q) {
    if ((mask >> q) & 1) wait_queue(q, max_cycles);
  }
}

}  // namespace trnsim::cosim
