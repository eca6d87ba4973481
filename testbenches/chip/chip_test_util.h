// Shared by the chip tests: a workload report printed, attached to the
// assertions, and required to have run and passed its reference check.
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>

#include "chip/kernel_run.h"

namespace trnsim::chip::test {

inline void require_ok(const WorkloadReport& r) {
  INFO(r.text());
  std::printf("%s", r.text().c_str());
  REQUIRE(r.run.ok);
  REQUIRE(r.check.checked);
  REQUIRE(r.check.passed);
}

}  // namespace trnsim::chip::test
