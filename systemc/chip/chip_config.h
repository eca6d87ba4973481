// Adapters from the chip configuration (common/config.h, one struct tree
// loaded from a preset) to the configuration structs of the blocks the chip
// is built from: the NeuronCore (engine clocks and rates, SBUF/PSUM
// geometry, DMA blocks), the HBM model, the interconnect, and the tensor and
// DMA blocks. docs/chip.md ("How the chip is built from its config") lists
// every mapping and the few model parameters that are not in the config.
#pragma once

#include <stdexcept>
#include <string>

#include "chip/hbm.h"
#include "chip/neuron_core.h"
#include "chip/noc.h"
#include "common/config.h"
#include "dma/dma_block.h"
#include "isa/semantics.h"
#include "tensor/tensor_block.h"

namespace trnsim::chip {

// A chip that cannot be built as asked (bad geometry for the RTL form, a
// fidelity without a factory, a bad core index). The message names the
// parameter and what is allowed.
class ChipError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The DMA block model holds at most this many queues (rtl/regs/dma.json); a
// preset's larger core.dma.queues is clamped to it.
inline constexpr unsigned kMaxQueuesPerDmaBlock = 4;

sc_core::sc_time period_of(double clock_ghz);  // config::period_ps as sc_time

isa::CoreConfig isa_core_config(const config::ChipConfig& c);
tensor::TensorBlockConfig tensor_block_config(const config::ChipConfig& c);
dma::DmaBlockConfig dma_block_config(const config::ChipConfig& c);
// core_index picks the core's own address window; functional=false is the
// timing-only mode.
NeuronCoreConfig neuron_core_config(const config::ChipConfig& c, unsigned core_index, bool functional);
HbmConfig hbm_config(const config::ChipConfig& c);
// Port numbering of the chip's NoC (chip.h): `in` 0..: per core fetch then
// its DMA blocks, then the management bridge, then the link endpoints;
// `out` 0 HBM, 1..cores the cores' local windows, then the link registers.
// Every port moves interconnect.port_gb_per_s, the HBM port x stacks.
NocConfig noc_config(const config::ChipConfig& c);

// The RTL form of a block must have the geometry the chip needs. `rtl` is the
// block configuration of the Verilated configuration named by
// core.tensor.rtl_config (cosim::tensor_block_config). Checks rows, cols,
// cmd_depth and that its PSUM holds every bank (core.psum.banks x
// bank_bytes / 4 rows); throws ChipError naming the config entry, the
// parameters that differ and how to fix them.
void check_tensor_rtl(const config::ChipConfig& c, const tensor::TensorBlockConfig& rtl);
// Same for the DMA: queues per block, data width, burst, outstanding.
void check_dma_rtl(const config::ChipConfig& c, const dma::DmaBlockConfig& rtl);

}  // namespace trnsim::chip
