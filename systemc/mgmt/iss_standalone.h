// IssStandalone: the management core alone with 16 MiB of RAM at 0x80000000,
// running a bare-metal ELF under the HTIF convention (`trnsim iss`,
// docs/mgmt.md). The chip model will embed Rv32Iss differently; this is the
// harness for ISS tests and the standard RISC-V test suites.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "elf_loader.h"
#include "rv32_iss.h"

namespace trnsim::mgmt {

struct StandaloneResult {
  enum class Kind { kPass, kFail, kStopped };
  Kind kind = Kind::kStopped;
  uint32_t code = 0;        // kFail: the failure code (tohost >> 1) or exit() status
  std::string message;      // one line: what happened
  uint64_t instructions = 0;
  double seconds = 0;       // host time in run()
};

class IssStandalone {
 public:
  static constexpr uint32_t kRamBase = 0x80000000u;
  static constexpr uint32_t kRamSize = 16u << 20;

  // Loads and checks the ELF (ElfError on any problem). Requires a `tohost` symbol.
  explicit IssStandalone(const std::string& elf_path);

  Rv32Iss& core() { return core_; }
  const ElfImage& image() const { return image_; }

  // Runs until the program reports through tohost, or max_instructions, or
  // the core cannot continue (WFI with nothing to wake it, double fault).
  // console receives the program's HTIF write() output; trace (if not null)
  // one line per instruction.
  StandaloneResult run(uint64_t max_instructions, std::ostream& console, std::ostream* trace);

  // After a kToHost stop: an exit (odd value, or the exit syscall) fills r
  // (kind, code, message) and returns false; a served write() syscall
  // returns true (the program goes on).
  bool serve_tohost(std::ostream& console, StandaloneResult& r);

 private:
  bool serve_syscall(uint32_t magic_addr, std::ostream& console, StandaloneResult& r);

  NullBus bus_;
  std::vector<uint8_t> ram_;
  Rv32Iss core_;
  ElfImage image_;
  std::string path_;
};

}  // namespace trnsim::mgmt
