// trnsim_mgmt_run: `trnsim mgmt` alone (systemc/mgmt/mgmt_run.h), so the
// management-subsystem tests need not build the Verilated engines that the
// full trnsim program links.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "mgmt/mgmt_run.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return trnsim::mgmt::mgmt_command(args, std::cout);
  } catch (const trnsim::mgmt::MgmtUsageError& e) {
    std::fprintf(stderr, "trnsim mgmt: %s\n(try 'trnsim mgmt --help')\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trnsim: error: %s\n", e.what());
    return 1;
  }
}

// libsystemc.so's own main() calls sc_main; ours is main() above, so
// sc_main only has to exist.
extern "C" int sc_main(int, char*[]) { return 1; }
