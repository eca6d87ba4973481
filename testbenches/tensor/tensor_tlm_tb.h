// The tensor engine's TLM testbench harness (TensorTb, run_tb) lives in
// systemc/tensor/tensor_host.h, shared with `trnsim gemm`; this header keeps
// the tests' include path.
#pragma once

#include "tensor/tensor_host.h"
