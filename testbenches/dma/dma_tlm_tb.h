// The DMA engine's TLM testbench harness (DmaTb, MemRecorder, run_tb) lives
// in systemc/dma/dma_host.h, shared with `trnsim dma`; this header keeps the
// tests' include path.
#pragma once

#include "dma/dma_host.h"
