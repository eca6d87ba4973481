// Catch2's main for test executables that link SystemC. Debian's
// libsystemc.so references sc_main (its own main() calls it); our tests use
// Catch2's main and elaborate a SystemC world per test case instead, so
// sc_main only has to exist. Link trnsim_sc_catch_main instead of
// trnsim_catch_main.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

extern "C" int sc_main(int, char*[]) { return 1; }  // never called: Catch2 owns main()
