#include "mgmt/mgmt_rig.h"

#include <cstring>
#include <stdexcept>

#include "tensor/tensor_block.h"

namespace trnsim::mgmt {

using sc_core::sc_time;

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
MemoryConfig mem_config(uint64_t size) {
  MemoryConfig m;
  m.base = 0;  // local offsets (the fan-in translates)
  m.size = size;
  m.dmi = false;
  return m;
}
// The block options of one engine: cfg.blocks, with its own FST under wave_dir.
cosim::BlockOptions block_options(const MgmtRigConfig& cfg, const std::string& rig, const char* block) {
  cosim::BlockOptions o = cfg.blocks;
  if (!cfg.wave_dir.empty() && o.fidelity != Fidelity::kTlm) o.wave.path = cfg.wave_dir + "/" + rig + "." + block + ".fst";
  return o;
}
}  // namespace

MgmtRig::MgmtRig(sc_core::sc_module_name name, const MgmtRigConfig& cfg)
    : sc_module(name),
      cfg_(cfg),
      mgmt_("mgmt", cfg.mgmt),
      tensor_(cosim::make_tensor_block("tensor", cosim::tensor_block_config(cfg.tensor_config, cfg.block_period),
                                       block_options(cfg, std::string(name), "tensor"))),
      dma_(cosim::make_dma_block("dma", cosim::dma_block_config(cfg.dma_config, cfg.block_period),
                                 block_options(cfg, std::string(name), "dma"))),
      bus_("bus", 0, 0),
      stream_("stream_port", tensor_->config().rows, tensor_->config().cols),
      fanin_("devmem_fanin"),
      result_fanin_("result_fanin"),
      devmem_("devmem", mem_config(MGMT_DEVMEM_SIZE)),
      results_("results", mem_config(MGMT_CORE_RESULT_SIZE)),
      tensor_irq_("tensor_irq"),
      dma_irq_("dma_irq") {
  mgmt_.ext_socket().bind(bus_.target);
  bus_.add_target("tensor.csr", MGMT_TENSOR_CSR_BASE, MGMT_ENGINE_WINDOW, false);
  bus_.dev.bind(tensor_->csr);
  bus_.add_target("dma.csr", MGMT_DMA_CSR_BASE, MGMT_ENGINE_WINDOW, false);
  bus_.dev.bind(dma_->csr);
  bus_.add_target("stream_port", MGMT_STREAM_BASE, MGMT_ENGINE_WINDOW, false);
  bus_.dev.bind(stream_.target);
  bus_.add_target("results", MGMT_TENSOR_RESULT_BASE, MGMT_CORE_RESULT_SIZE, false);
  bus_.dev.bind(result_fanin_.in);
  bus_.add_target("devmem", MGMT_DEVMEM_BASE, MGMT_DEVMEM_SIZE, false);
  bus_.dev.bind(fanin_.in);
  fanin_.add_port(0, 0);  // from the bus: local offsets already
  dma_->mem.bind(fanin_.in);
  fanin_.add_port(0, 0);  // the DMA's chip addresses: HBM x = device memory offset x
  fanin_.out.bind(devmem_.socket);
  result_fanin_.add_port(0, 0);  // from the bus
  tensor_->result.bind(result_fanin_.in);
  result_fanin_.add_port(0, 0);  // result rows at row x COLS x 4
  result_fanin_.out.bind(results_.socket);
  stream_.out.bind(tensor_->stream);

  tensor_->irq(tensor_irq_);
  dma_->irq(dma_irq_);
  mgmt_.irq_in(MGMT_IRQ_TENSOR).bind(tensor_irq_);
  mgmt_.irq_in(MGMT_IRQ_DMA).bind(dma_irq_);
}

}  // namespace trnsim::mgmt
