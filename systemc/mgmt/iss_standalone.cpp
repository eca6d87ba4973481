// IssStandalone: see iss_standalone.h. The HTIF side: an odd value in tohost
// ends the program (1 pass, else fail with code value >> 1); an even non-zero
// value points at the riscv-tests "magic_mem" syscall block
// (which, arg0, arg1, arg2 as 64-bit words), answered through fromhost.
#include "iss_standalone.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ostream>

namespace trnsim::mgmt {

namespace {
constexpr uint64_t kSysWrite = 64, kSysExit = 93;

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}
}  // namespace

IssStandalone::IssStandalone(const std::string& elf_path)
    : ram_(kRamSize, 0), core_(bus_), path_(elf_path) {
  image_ = load_elf(elf_path, {{"RAM", kRamBase, kRamSize}});
  if (!image_.tohost)
    throw ElfError(elf_path + ": no 'tohost' symbol; a program for 'trnsim iss' reports its "
                              "result by writing it (HTIF convention, docs/mgmt.md)");
  core_.add_ram(kRamBase, kRamSize, ram_.data());
  for (const ElfSegment& s : image_.segments)
    std::memcpy(ram_.data() + (s.addr - kRamBase), s.data.data(), s.data.size());
  core_.reset(image_.entry);
  core_.set_tohost(*image_.tohost);
}

bool IssStandalone::serve_syscall(uint32_t magic, std::ostream& console, StandaloneResult& r) {
  uint64_t m[4];
  if (!core_.debug_read(magic, m, sizeof m)) {
    r.kind = StandaloneResult::Kind::kStopped;
    r.message = "tohost " + hex32(magic) + " is neither odd (exit) nor a readable syscall block";
    return false;
  }
  if (m[0] == kSysExit) {
    r.code = static_cast<uint32_t>(m[1]);
    r.kind = r.code == 0 ? StandaloneResult::Kind::kPass : StandaloneResult::Kind::kFail;
    r.message = "exit(" + std::to_string(r.code) + ")";
    return false;
  }
  uint64_t ret = static_cast<uint64_t>(-1);
  if (m[0] == kSysWrite && (m[1] == 1 || m[1] == 2) && m[3] < (1u << 24)) {
    std::string buf(static_cast<std::size_t>(m[3]), '\0');
    if (core_.debug_read(static_cast<uint32_t>(m[2]), buf.data(), static_cast<uint32_t>(m[3]))) {
      console << buf << std::flush;
      ret = m[3];
    }
  } else if (m[0] != kSysWrite) {
    r.kind = StandaloneResult::Kind::kStopped;
    r.message = "unsupported HTIF syscall " + std::to_string(m[0]) + " (only write 64 and exit 93)";
    return false;
  }
  const uint64_t zero = 0, one = 1;
  core_.debug_write(magic, &ret, 8);
  core_.debug_write(*image_.tohost, &zero, 8);
  if (image_.fromhost) core_.debug_write(*image_.fromhost, &one, 8);
  return true;
}

bool IssStandalone::serve_tohost(std::ostream& console, StandaloneResult& r) {
  const uint32_t v = core_.tohost_value();
  if (v & 1) {
    r.code = v >> 1;
    r.kind = r.code == 0 ? StandaloneResult::Kind::kPass : StandaloneResult::Kind::kFail;
    r.message = "tohost " + hex32(v);
    return false;
  }
  return serve_syscall(v, console, r);
}

StandaloneResult IssStandalone::run(uint64_t max_instructions, std::ostream& console,
                                    std::ostream* trace) {
  StandaloneResult r;
  if (trace) {
    core_.set_trace([trace](uint32_t pc, uint32_t insn, const std::string& what) {
      char b[40];
      std::snprintf(b, sizeof b, "%08x: %0*x  ", pc, (insn & 3) == 3 ? 8 : 4, insn);
      *trace << b << what << '\n';
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t left = max_instructions;
  for (;;) {
    const RunResult rr = core_.run(left);
    r.instructions += rr.executed;
    left = rr.executed >= left ? 0 : left - rr.executed;
    if (rr.reason == StopReason::kToHost) {
      if (!serve_tohost(console, r)) break;
      if (left == 0) {
        r.message = "instruction limit reached (" + std::to_string(max_instructions) + ")";
        break;
      }
      continue;
    }
    r.kind = StandaloneResult::Kind::kStopped;
    uint32_t mcause = 0, mepc = 0, mtval = 0;
    core_.read_csr(csr::kMcause, mcause);
    core_.read_csr(csr::kMepc, mepc);
    core_.read_csr(csr::kMtval, mtval);
    switch (rr.reason) {
      case StopReason::kLimit:
        r.message = "instruction limit reached (" + std::to_string(max_instructions) + ") at pc " + hex32(core_.pc());
        break;
      case StopReason::kWfi:
        r.message = "WFI at pc " + hex32(core_.pc()) + " with no interrupt that could wake it";
        break;
      case StopReason::kDoubleFault:
        r.message = "trap handler at " + hex32(core_.pc()) + " cannot be fetched; the trap was mcause " +
                    hex32(mcause) + " at mepc " + hex32(mepc) + ", mtval " + hex32(mtval);
        break;
      default:
        r.message = std::string("stopped: ") + stop_reason_name(rr.reason) + " at pc " + hex32(core_.pc());
        break;
    }
    break;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (trace) core_.set_trace(nullptr);
  return r;
}

}  // namespace trnsim::mgmt
