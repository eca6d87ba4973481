// `trnsim chip`: build a chip from a preset or file (with overrides), run one
// kernel workload on one or more cores, check it, print the summary, and
// write the statistics JSON and the Perfetto trace on request.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "chip/chip.h"

namespace trnsim::chip {

extern const char* const kChipUsage;

// How the chip gets its tensor and DMA blocks (rtl, lockstep). Empty: the
// fast TLM forms only.
using BlockSetup = std::function<void(const config::ChipConfig&, ChipOptions&)>;

// args: the words after "chip". Returns the exit code: 0 ok, 1 the run
// failed or a check failed, 2 bad usage or config (message on err).
int chip_main_with(const std::vector<std::string>& args, const BlockSetup& setup, std::ostream& out,
                   std::ostream& err);

// The same with every fidelity (chip/chip_cosim.cpp, library trnsim::chip_cosim).
int chip_main(const std::vector<std::string>& args);

}  // namespace trnsim::chip
