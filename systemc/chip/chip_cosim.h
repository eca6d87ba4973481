// The chip with the RTL and lockstep forms of the tensor and DMA blocks
// (cosim/blocks.h): block factories that pick each block's fidelity from
// ChipOptions (or ChipConfig.fidelity) and check that the Verilated
// configuration named by core.tensor.rtl_config / core.dma.rtl_config has the
// chip's geometry. Library trnsim::chip_cosim (needs the Verilated models).
#pragma once

#include "blocks.h"
#include "chip/chip.h"

namespace trnsim::chip {

// Sets opt.make_tensor and opt.make_dma. Throws ChipError (geometry
// mismatch, naming the RTL configuration and the parameters) or
// std::invalid_argument (an rtl_config that was not built).
void use_cosim_blocks(const config::ChipConfig& cfg, ChipOptions& opt, const cosim::BlockOptions& base = {});

}  // namespace trnsim::chip
