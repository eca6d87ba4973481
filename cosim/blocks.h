// Blocks of the chosen fidelity, behind their one TLM-2.0 interface:
//   rtl       the Verilated RTL in its TLM wrapper (cosim/*/..._rtl_tlm.h)
//   tlm       the fast C++ model (systemc/*/..._tlm.h)
//   lockstep  both, compared transaction by transaction (cosim/*/..._lockstep.h)
// chosen per instance at run time (configuration or command line), no
// rebuild. The RTL form needs a Verilated configuration whose geometry
// equals the block configuration (configs/rtl_configs.json).
#pragma once

#include <memory>
#include <string>

#include "common/fidelity.h"
#include "common/wave_window.h"
#include "dma/dma_block.h"
#include "tensor/tensor_block.h"

namespace trnsim::cosim {

struct BlockOptions {
  Fidelity fidelity = Fidelity::kTlm;
  WaveOptions wave;               // rtl and lockstep: the RTL form's waveform
  bool skip_idle = true;          // rtl: clock gating on idle_o
  bool stop_on_divergence = true; // lockstep
};

// The block configuration of a Verilated configuration (geometry from
// configs/rtl_configs.json). Throws std::invalid_argument for an unknown name.
tensor::TensorBlockConfig tensor_block_config(const std::string& rtl_config,
                                              const sc_core::sc_time& period);
dma::DmaBlockConfig dma_block_config(const std::string& rtl_config, const sc_core::sc_time& period);

std::unique_ptr<tensor::TensorBlock> make_tensor_block(const char* name,
                                                       const tensor::TensorBlockConfig& cfg,
                                                       const BlockOptions& opt);
std::unique_ptr<dma::DmaBlock> make_dma_block(const char* name, const dma::DmaBlockConfig& cfg,
                                              const BlockOptions& opt);

}  // namespace trnsim::cosim
