#include "chip/chip_cosim.h"

#include <iostream>

#include "chip/chip_main.h"

namespace trnsim::chip {

void use_cosim_blocks(const config::ChipConfig& cfg, ChipOptions& opt, const cosim::BlockOptions& base) {
  cosim::BlockOptions t = base, d = base;
  t.fidelity = opt.tensor_fidelity.value_or(cfg.fidelity.tensor);
  d.fidelity = opt.dma_fidelity.value_or(cfg.fidelity.dma);
  if (t.fidelity != Fidelity::kTlm)
    check_tensor_rtl(cfg, cosim::tensor_block_config(cfg.core.tensor.rtl_config, period_of(cfg.core.tensor.clock_ghz)));
  if (d.fidelity != Fidelity::kTlm)
    check_dma_rtl(cfg, cosim::dma_block_config(cfg.core.dma.rtl_config, period_of(cfg.core.dma.clock_ghz)));
  // The block's FST: <wave_dir>/<parent module>.<name>.fst (the factory runs
  // while its NeuronCore is being constructed).
  const std::string wave_dir = opt.wave_dir;
  auto wave_path = [wave_dir](const char* n) {
    const sc_core::sc_object* parent = sc_core::sc_get_current_object();
    return wave_dir + "/" + (parent ? std::string(parent->name()) + "." : std::string()) + n + ".fst";
  };
  opt.make_tensor = [t, wave_dir, wave_path](const char* n, const tensor::TensorBlockConfig& c) {
    cosim::BlockOptions tt = t;
    if (!wave_dir.empty() && t.fidelity != Fidelity::kTlm) tt.wave.path = wave_path(n);
    tensor::TensorBlockConfig cc = c;
    if (t.fidelity != Fidelity::kTlm) {
      // The Verilated PSUM depth is fixed; check_tensor_rtl made sure it holds every bank.
      cc.psum_depth = cosim::tensor_block_config(c.rtl_config, c.period).psum_depth;
    }
    return cosim::make_tensor_block(n, cc, tt);
  };
  opt.make_dma = [d, wave_dir, wave_path](const char* n, const dma::DmaBlockConfig& c) {
    cosim::BlockOptions dd = d;
    if (!wave_dir.empty() && d.fidelity != Fidelity::kTlm) dd.wave.path = wave_path(n);
    return cosim::make_dma_block(n, c, dd);
  };
}

int chip_main(const std::vector<std::string>& args) {
  return chip_main_with(
      args, [](const config::ChipConfig& c, ChipOptions& o) { use_cosim_blocks(c, o); }, std::cout, std::cerr);
}

}  // namespace trnsim::chip
