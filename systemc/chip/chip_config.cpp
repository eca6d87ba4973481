#include "chip/chip_config.h"

#include <algorithm>
#include <sstream>

#include "chip/chip_map.h"

namespace trnsim::chip {

using sc_core::sc_time;
using sc_core::SC_PS;

sc_time period_of(double clock_ghz) { return sc_time(double(config::period_ps(clock_ghz)), SC_PS); }

isa::CoreConfig isa_core_config(const config::ChipConfig& c) {
  isa::CoreConfig k;
  k.partitions = c.core.sbuf.partitions;
  k.sbuf_partition_bytes = uint32_t(c.core.sbuf.bytes_per_partition);
  k.psum_banks = c.core.psum.banks;
  k.psum_bank_bytes = uint32_t(c.core.psum.bank_bytes);
  k.semaphores = c.core.semaphores;
  k.dma_queues = c.core.dma.engines * std::min(c.core.dma.queues, kMaxQueuesPerDmaBlock);
  k.pe_rows = c.core.tensor.rows;
  k.pe_cols = c.core.tensor.cols;
  return k;
}

tensor::TensorBlockConfig tensor_block_config(const config::ChipConfig& c) {
  tensor::TensorBlockConfig t;
  t.rtl_config = c.core.tensor.rtl_config;
  t.rows = c.core.tensor.rows;
  t.cols = c.core.tensor.cols;
  t.cmd_depth = c.core.tensor.cmd_depth;
  // The NeuronCore raises psum_depth to hold every PSUM bank.
  t.psum_depth = 2;
  t.period = period_of(c.core.tensor.clock_ghz);
  return t;
}

dma::DmaBlockConfig dma_block_config(const config::ChipConfig& c) {
  dma::DmaBlockConfig d;
  d.rtl_config = c.core.dma.rtl_config;
  d.num_queues = std::min(c.core.dma.queues, kMaxQueuesPerDmaBlock);
  d.data_bits = c.core.dma.data_bits;
  d.max_burst_beats = c.core.dma.max_burst_beats;
  d.max_outstanding = c.core.dma.max_outstanding;
  d.period = period_of(c.core.dma.clock_ghz);
  return d;
}

namespace {

// Elements per partition per cycle from a whole-engine rate.
double per_partition(double elems_per_cycle, unsigned partitions) {
  return std::max(elems_per_cycle / double(partitions), 1e-6);
}

EngineTiming engine_timing(const config::EngineConfig& e, unsigned partitions) {
  EngineTiming t;
  t.period = period_of(e.clock_ghz);
  t.startup_cycles = e.startup_cycles;
  // Narrow = every tensor operand 1 or 2 bytes (FP8, BF16): the BF16 rate.
  t.narrow_rate = per_partition(e.elems_per_cycle.bf16, partitions);
  t.wide_rate = per_partition(e.elems_per_cycle.fp32, partitions);
  t.control_cycles = 1;
  t.dma_issue_cycles = 1;
  return t;
}

}  // namespace

NeuronCoreConfig neuron_core_config(const config::ChipConfig& c, unsigned core_index, bool functional) {
  if (core_index >= c.cores)
    throw ChipError("core index " + std::to_string(core_index) + " out of range (the chip has " +
                    std::to_string(c.cores) + " cores)");
  NeuronCoreConfig n;
  n.core_index = core_index;
  n.core = isa_core_config(c);
  const unsigned parts = c.core.sbuf.partitions;
  n.engines[unsigned(isa::Engine::VECTOR)] = engine_timing(c.core.vector, parts);
  n.engines[unsigned(isa::Engine::SCALAR)] = engine_timing(c.core.scalar, parts);
  n.engines[unsigned(isa::Engine::GPSIMD)] = engine_timing(c.core.gpsimd, parts);
  // The sync engine has no parameters of its own: it issues DMAs and waits,
  // taken as the scalar engine's clock and startup (estimate).
  n.engines[unsigned(isa::Engine::SYNC)] = engine_timing(c.core.scalar, parts);
  // The tensor engine's own entry only times its control instructions.
  EngineTiming te = engine_timing(c.core.vector, parts);
  te.period = period_of(c.core.tensor.clock_ghz);
  n.engines[unsigned(isa::Engine::TENSOR)] = te;
  n.tensor = tensor_block_config(c);
  // MATMUL issue-time model: MACs per PE per cycle = moving rows per cycle.
  n.matmul_min_cycles = c.core.tensor.matmul_min_cycles;
  n.matmul_rate_fp8 = c.core.tensor.macs_per_pe_cycle.fp8;
  n.matmul_rate_bf16 = c.core.tensor.macs_per_pe_cycle.bf16;
  n.matmul_rate_fp32 = c.core.tensor.macs_per_pe_cycle.fp32;
  n.num_dma = c.core.dma.engines;
  n.dma = dma_block_config(c);
  n.dma_fixed_latency = sc_time(c.core.dma.fixed_latency_ns, sc_core::SC_NS);
  // WIN0: all of HBM; WIN1: this core's window (SBUF/PSUM).
  n.dma_windows = {{{kHbmBase, kHbmBase + config::hbm_capacity_bytes(c)},
                    {core_base(core_index), core_base(core_index) + kCoreStride}}};
  n.functional = functional;
  n.validate();
  return n;
}

HbmConfig hbm_config(const config::ChipConfig& c) {
  HbmConfig h;
  h.base = kHbmBase;
  h.capacity = config::hbm_capacity_bytes(c);
  h.stacks = c.hbm.stacks;
  h.channels_per_stack = c.hbm.channels_per_stack;
  h.banks_per_channel = 16;   // estimate: HBM3 has 16 banks per pseudo-channel (4 groups x 4)
  h.interleave_bytes = 256;   // estimate: a typical controller's channel-interleave granule
  h.row_bytes = c.hbm.row_buffer_bytes;
  h.stack_bytes_per_ns = c.hbm.peak_gb_per_s_per_stack;  // GB/s = bytes/ns
  h.base_latency = sc_time(c.hbm.latency_ns, sc_core::SC_NS);
  h.row_hit_latency = sc_time(c.hbm.row_hit_ns, sc_core::SC_NS);
  // A miss adds precharge + activate on top of the hit's column access.
  const double extra = std::max(0.0, c.hbm.row_miss_ns - c.hbm.row_hit_ns);
  h.activate_latency = sc_time(extra / 2, sc_core::SC_NS);
  h.precharge_latency = sc_time(extra / 2, sc_core::SC_NS);
  h.activate_interval = sc_time(2, sc_core::SC_NS);  // estimate: tRRD
  h.queue_depth = c.hbm.queue_depth;
  h.store_data = true;  // descriptors and programs live in HBM, also in timing-only mode
  return h;
}

NocConfig noc_config(const config::ChipConfig& c) {
  NocConfig n;
  n.latency = sc_time(c.interconnect.latency_ns, sc_core::SC_NS);
  n.initiator_bytes_per_ns = c.interconnect.port_gb_per_s;
  n.target_bytes_per_ns = c.interconnect.port_gb_per_s;
  n.target_port_bytes_per_ns = {c.interconnect.port_gb_per_s * c.hbm.stacks};  // out 0: HBM, a port per stack
  return n;
}

void check_tensor_rtl(const config::ChipConfig& c, const tensor::TensorBlockConfig& rtl) {
  std::ostringstream why;
  if (rtl.rows != c.core.tensor.rows || rtl.cols != c.core.tensor.cols)
    why << "; array " << rtl.rows << "x" << rtl.cols << " != core.tensor.rows x cols = " << c.core.tensor.rows
        << "x" << c.core.tensor.cols;
  if (rtl.cmd_depth != c.core.tensor.cmd_depth)
    why << "; cmd_depth " << rtl.cmd_depth << " != core.tensor.cmd_depth = " << c.core.tensor.cmd_depth;
  const uint64_t rows = uint64_t(c.core.psum.banks) * (c.core.psum.bank_bytes / 4);
  uint64_t need = 2;
  while (need < rows) need <<= 1;
  if (need > rtl.psum_depth)
    why << "; psum_depth " << rtl.psum_depth << " < the " << need
        << " rows the core's PSUM needs (core.psum.banks x core.psum.bank_bytes / 4 = " << c.core.psum.banks << " x "
        << c.core.psum.bank_bytes << " / 4, rounded up to a power of two): lower core.psum.bank_bytes to "
        << (rtl.psum_depth / c.core.psum.banks) * 4 << " or pick a bigger RTL configuration";
  if (!why.str().empty())
    throw ChipError("tensor engine RTL configuration '" + rtl.rtl_config +
                    "' (core.tensor.rtl_config) does not match the chip config" + why.str());
}

void check_dma_rtl(const config::ChipConfig& c, const dma::DmaBlockConfig& rtl) {
  const dma::DmaBlockConfig want = dma_block_config(c);
  std::ostringstream why;
  if (rtl.num_queues != want.num_queues)
    why << "; " << rtl.num_queues << " queues != " << want.num_queues << " (core.dma.queues, at most "
        << kMaxQueuesPerDmaBlock << ")";
  if (rtl.data_bits != want.data_bits)
    why << "; data_bits " << rtl.data_bits << " != core.dma.data_bits = " << want.data_bits;
  if (rtl.max_burst_beats != want.max_burst_beats)
    why << "; max_burst_beats " << rtl.max_burst_beats << " != core.dma.max_burst_beats = " << want.max_burst_beats;
  if (rtl.max_outstanding != want.max_outstanding)
    why << "; max_outstanding " << rtl.max_outstanding << " != core.dma.max_outstanding = " << want.max_outstanding;
  if (!why.str().empty())
    throw ChipError("DMA engine RTL configuration '" + rtl.rtl_config +
                    "' (core.dma.rtl_config) does not match the chip config" + why.str());
}

}  // namespace trnsim::chip
