// Verilator top of bench_tensor_stream: toggles clk_i until the stimulus
// calls $finish, and reports the host time of the clocked loop. The SV prints
// the cycle count and result checksum (identical to the Icarus run of the
// same bench_tensor_stream.sv). Arguments are plusargs: +cmds=N.
#include <chrono>
#include <cstdio>
#include <memory>

#include "Vbench_tensor_stream.h"
#include "verilated.h"

int main(int argc, char** argv) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto top = std::make_unique<Vbench_tensor_stream>(ctx.get(), "bench");
  top->clk_i = 0;
  top->eval();
  uint64_t cycles = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (!ctx->gotFinish()) {
    top->clk_i = 1;
    top->eval();
    ctx->timeInc(1);
    top->clk_i = 0;
    top->eval();
    ctx->timeInc(1);
    ++cycles;
    if (cycles > (uint64_t{1} << 34)) {
      std::fprintf(stderr, "bench_tensor_stream: no $finish\n");
      return 1;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  top->final();
  std::printf("bench_tensor_stream (Verilator): %llu clock cycles in %.6f s, %.0f cycles/s\n",
              static_cast<unsigned long long>(cycles), secs, cycles / secs);
  return 0;
}
