#include "mgmt/mgmt_rig.h"

#include <cstring>
#include <stdexcept>

#include "tensor/tensor_block.h"

namespace trnsim::mgmt {

using sc_core::sc_time;

// --- RigStreamPort -----------------------------------------------------------

RigStreamPort::RigStreamPort(sc_core::sc_module_name name, unsigned rows, unsigned cols)
    : sc_module(name), target("target"), out("out"), rows_(rows), cols_(cols) {
  if (!rows || !cols) throw std::invalid_argument(std::string(this->name()) + ": rows and cols must be > 0");
  target.register_b_transport(this, &RigStreamPort::b_transport);
}

void RigStreamPort::push(std::vector<uint16_t>& lanes, unsigned row_lanes, uint16_t lo, uint16_t hi,
                         uint64_t stream_addr, sc_time& delay) {
  lanes.push_back(lo);
  if (lanes.size() < row_lanes) lanes.push_back(hi);  // odd rows: the last word's high lane is padding
  if (lanes.size() < row_lanes) return;
  std::vector<unsigned char> bytes(2 * row_lanes);
  for (unsigned i = 0; i < row_lanes; ++i) {
    bytes[2 * i] = static_cast<unsigned char>(lanes[i]);
    bytes[2 * i + 1] = static_cast<unsigned char>(lanes[i] >> 8);
  }
  lanes.clear();
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(stream_addr);
  gp.set_data_ptr(bytes.data());
  gp.set_data_length(static_cast<unsigned>(bytes.size()));
  gp.set_streaming_width(static_cast<unsigned>(bytes.size()));
  gp.set_byte_enable_ptr(nullptr);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  out->b_transport(gp, delay);
  if (gp.is_response_ok()) ++rows_fed_;
  else error_ = true;
}

void RigStreamPort::b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t a = gp.get_address();
  if (gp.get_data_length() != 4 || (a & 3) || gp.get_byte_enable_ptr()) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  uint32_t v = 0;
  if (gp.is_write()) std::memcpy(&v, gp.get_data_ptr(), 4);
  const uint16_t lo = static_cast<uint16_t>(v), hi = static_cast<uint16_t>(v >> 16);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  switch (a) {
    case MGMT_STREAM_WEIGHT:
    case MGMT_STREAM_ACT:
      if (!gp.is_write()) break;
      if (a == MGMT_STREAM_WEIGHT) push(weights_, cols_, lo, hi, tensor::kWeightStreamAddr, delay);
      else push(acts_, rows_, lo, hi, tensor::kActStreamAddr, delay);
      return;
    case MGMT_STREAM_STATUS:
      if (gp.is_write()) {
        if (v & 1u) {
          error_ = false;
          weights_.clear();
          acts_.clear();
        }
      } else {
        v = (error_ ? 1u : 0u) | (static_cast<uint32_t>(weights_.size() & 0xFF) << 8) |
            (static_cast<uint32_t>(acts_.size() & 0xFF) << 16);
        std::memcpy(gp.get_data_ptr(), &v, 4);
      }
      return;
    case MGMT_STREAM_ROWS_FED:
      if (gp.is_write()) break;
      std::memcpy(gp.get_data_ptr(), &rows_fed_, 4);
      return;
    default:
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
  }
  // A read of a write-only register or a write of a read-only one.
  gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
}

// --- RigFanIn ----------------------------------------------------------------

RigFanIn::RigFanIn(sc_core::sc_module_name name) : sc_module(name), in("in"), out("out") {
  in.register_b_transport(this, &RigFanIn::b_transport);
  in.register_transport_dbg(this, &RigFanIn::transport_dbg);
  in.register_get_direct_mem_ptr(this, &RigFanIn::get_direct_mem_ptr);
}

bool RigFanIn::translate(int port, tlm::tlm_generic_payload& gp, uint64_t& orig) {
  orig = gp.get_address();
  const Map& m = maps_.at(static_cast<std::size_t>(port));
  if (orig < m.sub) return false;
  gp.set_address(orig - m.sub + m.add);
  return true;
}

void RigFanIn::b_transport(int port, tlm::tlm_generic_payload& gp, sc_time& delay) {
  uint64_t orig = 0;
  if (!translate(port, gp, orig)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  out->b_transport(gp, delay);
  gp.set_address(orig);
  gp.set_dmi_allowed(false);
}

unsigned RigFanIn::transport_dbg(int port, tlm::tlm_generic_payload& gp) {
  uint64_t orig = 0;
  if (!translate(port, gp, orig)) return 0;
  const unsigned n = out->transport_dbg(gp);
  gp.set_address(orig);
  return n;
}

bool RigFanIn::get_direct_mem_ptr(int, tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  dmi.set_start_address(0);
  dmi.set_end_address(~sc_dt::uint64{0});
  return false;
}

// --- MgmtRig -----------------------------------------------------------------

namespace {
MemoryConfig devmem_config() {
  MemoryConfig m;
  m.base = 0;  // local offsets (the fan-in translates)
  m.size = MGMT_DEVMEM_SIZE;
  m.dmi = false;
  return m;
}
}  // namespace

MgmtRig::MgmtRig(sc_core::sc_module_name name, const MgmtRigConfig& cfg)
    : sc_module(name),
      cfg_(cfg),
      mgmt_("mgmt", cfg.mgmt),
      tensor_(cosim::make_tensor_block("tensor", cosim::tensor_block_config(cfg.tensor_config, cfg.block_period),
                                       cfg.blocks)),
      dma_(cosim::make_dma_block("dma", cosim::dma_block_config(cfg.dma_config, cfg.block_period), cfg.blocks)),
      bus_("bus", 0, 0),
      stream_("stream_port", tensor_->config().rows, tensor_->config().cols),
      fanin_("devmem_fanin"),
      devmem_("devmem", devmem_config()),
      tensor_irq_("tensor_irq"),
      dma_irq_("dma_irq") {
  mgmt_.ext_socket().bind(bus_.target);
  bus_.add_target("tensor.csr", MGMT_TENSOR_CSR_BASE, MGMT_ENGINE_WINDOW, false);
  bus_.dev.bind(tensor_->csr);
  bus_.add_target("dma.csr", MGMT_DMA_CSR_BASE, MGMT_ENGINE_WINDOW, false);
  bus_.dev.bind(dma_->csr);
  bus_.add_target("stream_port", MGMT_STREAM_BASE, MGMT_ENGINE_WINDOW, false);
  bus_.dev.bind(stream_.target);
  bus_.add_target("devmem", MGMT_DEVMEM_BASE, MGMT_DEVMEM_SIZE, false);
  bus_.dev.bind(fanin_.in);
  fanin_.add_port(0, 0);  // from the bus: local offsets already
  dma_->mem.bind(fanin_.in);
  fanin_.add_port(MGMT_DEVMEM_BASE, 0);  // the DMA's (global) addresses
  tensor_->result.bind(fanin_.in);
  fanin_.add_port(0, MGMT_TENSOR_RESULT_BASE - MGMT_DEVMEM_BASE);  // result rows
  fanin_.out.bind(devmem_.socket);
  stream_.out.bind(tensor_->stream);

  tensor_->irq(tensor_irq_);
  dma_->irq(dma_irq_);
  mgmt_.irq_in(MGMT_IRQ_TENSOR).bind(tensor_irq_);
  mgmt_.irq_in(MGMT_IRQ_DMA).bind(dma_irq_);
}

}  // namespace trnsim::mgmt
