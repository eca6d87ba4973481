#include "blocks.h"

#include <stdexcept>

#include "dma/dma_lockstep.h"
#include "dma/dma_rtl.h"
#include "dma/dma_rtl_tlm.h"
#include "dma/dma_tlm.h"
#include "tensor/tensor_lockstep.h"
#include "tensor/tensor_rtl.h"
#include "tensor/tensor_rtl_tlm.h"
#include "tensor/tensor_tlm.h"

namespace trnsim::cosim {

tensor::TensorBlockConfig tensor_block_config(const std::string& rtl_config,
                                              const sc_core::sc_time& period) {
  for (const auto& c : tensor_rtl_configs()) {
    if (c.name != rtl_config) continue;
    tensor::TensorBlockConfig b;
    b.rtl_config = c.name;
    b.rows = c.rows;
    b.cols = c.cols;
    b.psum_depth = c.psum_depth;
    b.cmd_depth = c.cmd_depth;
    b.period = period;
    return b;
  }
  make_tensor_rtl(rtl_config);  // throws, naming the built configurations
  throw std::logic_error("unreachable");
}

dma::DmaBlockConfig dma_block_config(const std::string& rtl_config, const sc_core::sc_time& period) {
  for (const auto& c : dma_rtl_configs()) {
    if (c.name != rtl_config) continue;
    dma::DmaBlockConfig b;
    b.rtl_config = c.name;
    b.num_queues = c.num_queues;
    b.data_bits = c.data_bits;
    b.max_burst_beats = c.max_burst_beats;
    b.max_outstanding = c.max_outstanding;
    b.period = period;
    return b;
  }
  make_dma_rtl(rtl_config);  // throws, naming the built configurations
  throw std::logic_error("unreachable");
}

namespace {

constexpr unsigned kDmaCsrCycles = 3;

std::unique_ptr<tensor::TensorBlock> tensor_rtl(const char* name, const tensor::TensorBlockConfig& cfg,
                                                const BlockOptions& opt) {
  TensorRtlTlmOptions o;
  o.skip_idle = opt.skip_idle;
  o.wave = opt.wave;
  return std::make_unique<TensorRtlTlm>(name, cfg, o);
}

std::unique_ptr<dma::DmaBlock> dma_rtl(const char* name, const dma::DmaBlockConfig& cfg,
                                       const BlockOptions& opt) {
  auto d = std::make_unique<DmaRtlTlm>(name, cfg, opt.wave);
  d->set_idle_skipping(opt.skip_idle);
  return d;
}

// The fast DMA model's timing as the factory makes it. A CSR access through
// the RTL's AXI4-Lite slave takes 3 cycles from the request to the end of the
// response (measured in lockstep: the rtl form's accesses end 2 cycles after
// the default model's, csr_latency 1). csr_latency 3 with csr_to_pick 0 gives
// the initiator the RTL's latency and keeps the doorbell -> pick timing the
// model was calibrated with (the engine is woken at the end of the access:
// request + 1 + 2 == request + 3 + 0).
dma::DmaTlmTiming dma_tlm_timing() {
  dma::DmaTlmTiming t;
  t.csr_to_pick = t.csr_latency + t.csr_to_pick - kDmaCsrCycles;
  t.csr_latency = kDmaCsrCycles;
  return t;
}

}  // namespace

std::unique_ptr<tensor::TensorBlock> make_tensor_block(const char* name,
                                                       const tensor::TensorBlockConfig& cfg,
                                                       const BlockOptions& opt) {
  switch (opt.fidelity) {
    case Fidelity::kTlm:
      return std::make_unique<tensor::TensorTlm>(name, cfg);
    case Fidelity::kRtl:
      return tensor_rtl(name, cfg, opt);
    case Fidelity::kLockstep: {
      TensorRtlTlm* rtl = nullptr;
      auto ls = std::make_unique<TensorLockstep>(
          name, cfg,
          [&](const char* n, const tensor::TensorBlockConfig& c) {
            auto b = tensor_rtl(n, c, opt);
            rtl = static_cast<TensorRtlTlm*>(b.get());
            return b;
          },
          [](const char* n, const tensor::TensorBlockConfig& c) {
            return std::make_unique<tensor::TensorTlm>(n, c);
          });
      ls->checker().set_stop_on_divergence(opt.stop_on_divergence);
      if (!opt.wave.path.empty())
        ls->checker().set_on_divergence([rtl](const std::string&) { rtl->wave_trigger("lockstep divergence"); });
      return ls;
    }
  }
  throw std::logic_error("unknown fidelity");
}

std::unique_ptr<dma::DmaBlock> make_dma_block(const char* name, const dma::DmaBlockConfig& cfg,
                                              const BlockOptions& opt) {
  switch (opt.fidelity) {
    case Fidelity::kTlm:
      return std::make_unique<dma::DmaTlm>(name, cfg, dma_tlm_timing());
    case Fidelity::kRtl:
      return dma_rtl(name, cfg, opt);
    case Fidelity::kLockstep: {
      DmaRtlTlm* rtl = nullptr;
      auto ls = std::make_unique<DmaLockstep>(
          name, cfg,
          [&](const char* n, const dma::DmaBlockConfig& c) {
            auto b = dma_rtl(n, c, opt);
            rtl = static_cast<DmaRtlTlm*>(b.get());
            return b;
          },
          [](const char* n, const dma::DmaBlockConfig& c) {
            return std::make_unique<dma::DmaTlm>(n, c, dma_tlm_timing());
          });
      ls->checker().set_stop_on_divergence(opt.stop_on_divergence);
      if (!opt.wave.path.empty())
        ls->checker().set_on_divergence([rtl](const std::string&) { rtl->wave_trigger("lockstep divergence"); });
      return ls;
    }
  }
  throw std::logic_error("unknown fidelity");
}

}  // namespace trnsim::cosim
