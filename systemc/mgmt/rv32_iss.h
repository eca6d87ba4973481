// Rv32Iss: instruction-set simulator of the management core, RV32IMAC + Zicsr,
// machine mode only (docs/mgmt.md). Plain C++17; a later issue wraps it as a
// TLM-2.0 initiator (Rv32Bus becomes the socket, the RAM regions become DMI).
//
// Everything a debugger needs (registers, CSRs, pc, memory, breakpoints) is
// reachable through methods, so a GDB stub can sit on top without friends.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace trnsim::mgmt {

enum class BusResult { kOk, kError };

// The core's view of everything that is not a RAM region with a direct
// pointer: devices, unmapped space. size is 1, 2 or 4; addr is aligned to it.
struct Rv32Bus {
  virtual ~Rv32Bus() = default;
  virtual BusResult read(uint32_t addr, unsigned size, uint32_t& data) = 0;
  virtual BusResult write(uint32_t addr, unsigned size, uint32_t data) = 0;
  // A debugger's access (Rv32Iss::debug_read/debug_write): no side effects if
  // the bus can help it (a TLM bus uses transport_dbg). size is 1 or 4 (4:
  // addr aligned). By default the ordinary access.
  virtual BusResult debug_read(uint32_t addr, unsigned size, uint32_t& data) {
    return read(addr, size, data);
  }
  virtual BusResult debug_write(uint32_t addr, unsigned size, uint32_t data) {
    return write(addr, size, data);
  }
};

// A bus with nothing on it: every access is an error (access fault).
struct NullBus : Rv32Bus {
  BusResult read(uint32_t, unsigned, uint32_t& data) override {
    data = 0;
    return BusResult::kError;
  }
  BusResult write(uint32_t, unsigned, uint32_t) override { return BusResult::kError; }
};

enum class StopReason {
  kLimit,       // executed the requested number of instructions
  kWfi,         // WFI with no enabled interrupt pending (set one with set_irq, then run again)
  kBreakpoint,  // pc reached a breakpoint (not executed yet)
  kEbreak,      // EBREAK executed while ebreak_stops() (pc stays at the EBREAK)
  kToHost,      // a non-zero store to the tohost word (value in tohost_value())
  kDoubleFault, // a trap whose handler cannot be fetched (mcause/mepc keep the first trap)
  kRequested,   // request_stop() was called during the run (after the current instruction)
  kWatchpoint   // a load/store/AMO touched a watchpoint (not executed yet; watch_hit() says which)
};
const char* stop_reason_name(StopReason r);

// The 32-bit instruction a 16-bit compressed one stands for; 0 if it is
// illegal or reserved in RV32C (F/D forms included: this core has no FPU).
uint32_t rv32_expand_compressed(uint16_t c);

// A data watchpoint (gdb's Z2 write, Z3 read, Z4 access).
enum class WatchKind { kWrite, kRead, kAccess };
struct WatchHit {
  WatchKind kind = WatchKind::kWrite;
  uint32_t addr = 0;  // the first watched byte the access touched
};

struct RunResult {
  StopReason reason;
  uint64_t executed;  // instructions retired in this call
};

namespace csr {
constexpr uint16_t kMstatus = 0x300, kMisa = 0x301, kMie = 0x304, kMtvec = 0x305,
                   kMscratch = 0x340, kMepc = 0x341, kMcause = 0x342, kMtval = 0x343,
                   kMip = 0x344, kMcycle = 0xB00, kMinstret = 0xB02, kMcycleh = 0xB80,
                   kMinstreth = 0xB82, kCycle = 0xC00, kInstret = 0xC02, kCycleh = 0xC80,
                   kInstreth = 0xC82, kMvendorid = 0xF11, kMarchid = 0xF12, kMimpid = 0xF13,
                   kMhartid = 0xF14;
constexpr uint32_t kMstatusMie = 1u << 3, kMstatusMpie = 1u << 7, kMstatusMpp = 3u << 11;
constexpr uint32_t kMsip = 1u << 3, kMtip = 1u << 7, kMeip = 1u << 11;
}  // namespace csr

namespace cause {
constexpr uint32_t kInsnMisaligned = 0, kInsnAccess = 1, kIllegal = 2, kBreakpoint = 3,
                   kLoadMisaligned = 4, kLoadAccess = 5, kStoreMisaligned = 6, kStoreAccess = 7,
                   kEcallM = 11;
constexpr uint32_t kInterrupt = 0x80000000u;
constexpr uint32_t kMsi = 3, kMti = 7, kMei = 11;  // interrupt codes (with kInterrupt)
}  // namespace cause

enum class Irq : uint32_t { kSoftware = csr::kMsip, kTimer = csr::kMtip, kExternal = csr::kMeip };

class Rv32Iss {
 public:
  explicit Rv32Iss(Rv32Bus& bus, uint32_t hartid = 0);
  ~Rv32Iss();
  Rv32Iss(const Rv32Iss&) = delete;
  Rv32Iss& operator=(const Rv32Iss&) = delete;

  // A RAM region the core reaches by pointer (DMI): fetch, load and store
  // inside it never touch the bus. The memory stays owned by the caller.
  // A read-only region (writable false, e.g. a boot ROM) serves fetch and
  // load; stores and AMOs to it go to the bus (which may refuse them).
  void add_ram(uint32_t base, uint32_t size, uint8_t* data, bool writable = true);
  // Forgets every region (a DMI invalidation); later accesses use the bus.
  void clear_rams();

  // Registers to zero, CSRs to reset values, pc = reset_pc.
  void reset(uint32_t reset_pc);

  // Instructions fetched from a RAM region go through the predecode cache
  // (docs/mgmt.md "Predecode cache"): decoded once per address, checked
  // against the instruction bits in memory at every execution, so code that
  // anyone changes (stores, DMA, debugger, a new DMI mapping) executes as
  // written, with or without FENCE.I. Architecturally invisible.
  RunResult run(uint64_t max_instructions);
  RunResult step() { return run(1); }

  // Architectural state (for tests, the loader and a debugger).
  uint32_t pc() const { return pc_; }
  void set_pc(uint32_t pc) { pc_ = pc & ~1u; }
  uint32_t reg(unsigned i) const { return x_[i & 31]; }
  void set_reg(unsigned i, uint32_t v) {
    if ((i & 31) != 0) x_[i & 31] = v;
  }
  // Debugger access to CSRs: no privilege or read-only checks, no side
  // effects. false for a CSR this core does not have.
  bool read_csr(uint16_t num, uint32_t& value) const;
  bool write_csr(uint16_t num, uint32_t value);
  uint64_t instret() const { return minstret_; }
  uint64_t cycles() const { return mcycle_; }
  // Instruction and trap slots executed since construction: like mcycle but
  // monotonic (firmware cannot write it), for a timing wrapper.
  uint64_t steps() const { return steps_; }
  // Cycles spent outside run() (asleep in WFI) count in mcycle/cycle.
  void add_cycles(uint64_t n) { mcycle_ += n; }
  // From a bus callback: run() returns kRequested after the current instruction.
  void request_stop() {
    stop_ = true;
    stop_reason_ = StopReason::kRequested;
  }
  bool in_wfi() const { return wfi_; }

  // Interrupt inputs (level): the MSIP/MTIP/MEIP bits of mip.
  void set_irq(Irq line, bool level);

  // Memory as the core sees it, for loaders and debuggers: RAM regions by
  // pointer (ROM included, also for writes); elsewhere the bus's debug access,
  // by aligned words where it can (a read of any byte of a device register
  // reads the whole word: peripherals take only 32-bit accesses), else by
  // bytes. false if any byte cannot be reached.
  bool debug_read(uint32_t addr, void* buf, uint32_t len);
  bool debug_write(uint32_t addr, const void* buf, uint32_t len);

  // Stops before executing the instruction at pc (not on the first
  // instruction of a run(), so "continue" from a breakpoint works).
  void add_breakpoint(uint32_t pc);
  void remove_breakpoint(uint32_t pc);
  // true: EBREAK stops run() with kEbreak (a debugger's software breakpoint);
  // false (default): EBREAK traps with mcause 3 as the spec says.
  void set_ebreak_stops(bool on) { ebreak_stops_ = on; }

  // Data watchpoints on [addr, addr+len): a load (kRead), store (kWrite) or
  // either (kAccess; AMOs are both) that overlaps one stops run() with
  // kWatchpoint *before* the instruction executes (pc stays at it, memory
  // and registers unchanged), the way RISC-V debug triggers fire and gdb
  // expects (it steps over the access itself and compares the values). The
  // instruction the core stopped at does not trigger again when the next
  // run() starts there, so "continue" goes on. Fetches never trigger. With
  // no watchpoint set the load/store path tests a single flag.
  void add_watchpoint(uint32_t addr, uint32_t len, WatchKind kind);
  // false if no such watchpoint (same addr, len, kind).
  bool remove_watchpoint(uint32_t addr, uint32_t len, WatchKind kind);
  // The watchpoint of the last kWatchpoint stop.
  const WatchHit& watch_hit() const { return watch_hit_; }
  bool ebreak_stops() const { return ebreak_stops_; }

  // HTIF: a non-zero store to the 32-bit word at addr stops run() with kToHost.
  void set_tohost(uint32_t addr) {
    tohost_addr_ = addr;
    tohost_enabled_ = true;
  }
  uint32_t tohost_value() const { return tohost_value_; }

  // LR/SC: another master wrote memory (a later TLM wrapper calls this).
  void invalidate_reservation() { reservation_valid_ = false; }

  // Called after every retired instruction or trap when set (slow path):
  // pc of the instruction, its bits (16-bit ones zero-extended), and a text of
  // what changed ("x5=0x00000010", "trap mcause=2", ...).
  using TraceFn = std::function<void(uint32_t pc, uint32_t insn, const std::string& what)>;
  void set_trace(TraceFn fn) { trace_ = std::move(fn); }

 private:
  struct Ram {
    uint32_t base, size;
    uint8_t* data;
    bool writable;
  };
  // The region holding [addr, addr+len), through a one-entry cache (one for
  // fetch, one for data, so code in ROM and data in RAM do not evict each
  // other); write: only writable regions.
  uint8_t* ram_ptr(Ram& cache, uint32_t addr, uint32_t len, bool write);
  uint8_t* ram_ptr(uint32_t addr, uint32_t len) { return ram_ptr(data_ram_, addr, len, false); }
  uint8_t* ram_wptr(uint32_t addr, uint32_t len) { return ram_ptr(data_ram_, addr, len, true); }
  bool fetch(uint32_t& insn);
  bool load(uint32_t addr, unsigned size, uint32_t& value);
  bool store(uint32_t addr, unsigned size, uint32_t value);
  void execute(uint32_t insn, uint32_t len);
  void execute_amo(uint32_t insn, uint32_t rd, uint32_t rs1v, uint32_t rs2v);
  void execute_system(uint32_t insn, uint32_t len);
  bool csr_access(uint16_t num, uint32_t& old, bool write, uint32_t value);
  void trap(uint32_t cause, uint32_t tval);
  void illegal(uint32_t insn, uint32_t len);
  bool take_interrupt();
  void step_traced();
  // The predecoded hot loop: at most budget (>= 1) slots; returns how many
  // it used. Leaves after any instruction that needs run()'s checks (a CSR,
  // system or AMO instruction, a trap, a bus access, a fetch outside RAM).
  uint64_t run_fast(uint64_t budget);
  // One instruction fetched, expanded and executed the unoptimised way.
  void step_uncached();
  // Watchpoint test of one data access (only called while watching_).
  bool watch_stop(uint32_t addr, unsigned size, bool write, bool read);

  Rv32Bus& bus_;
  std::vector<Ram> rams_;
  Ram fetch_ram_{0, 0, nullptr, false}, data_ram_{0, 0, nullptr, false};  // hit last: checked first

  uint32_t x_[32] = {};
  uint32_t pc_ = 0, next_pc_ = 0;
  uint32_t mstatus_ = 0, mie_ = 0, mip_ = 0, mtvec_ = 0, mscratch_ = 0, mepc_ = 0, mcause_ = 0,
           mtval_ = 0;
  uint64_t mcycle_ = 0, minstret_ = 0, steps_ = 0;
  const uint32_t hartid_;
  bool retired_ = false;  // this instruction retires (no trap)
  bool trapped_ = false;  // a trap was taken (for the trace)
  bool wfi_ = false;
  bool reservation_valid_ = false;
  uint32_t reservation_addr_ = 0;

  bool stop_ = false;
  StopReason stop_reason_ = StopReason::kLimit;
  bool ebreak_stops_ = false;
  bool tohost_enabled_ = false;
  uint32_t tohost_addr_ = 0, tohost_value_ = 0;
  std::unordered_set<uint32_t> breakpoints_;
  struct Watch {
    uint32_t addr, len;
    WatchKind kind;
  };
  std::vector<Watch> watches_;
  bool watching_ = false;      // !watches_.empty(): the only cost on the fast path
  // After a watchpoint stop, the instruction at watch_skip_pc_ runs once
  // without watch checks (the next one executed, if pc was not changed).
  uint32_t watch_skip_pc_ = 0;
  uint64_t watch_skip_step_ = ~uint64_t{0};  // ... if steps_ still equals this
  WatchHit watch_hit_;
  TraceFn trace_;

  // Predecode cache: direct-mapped by halfword address, 2^kIcacheBits
  // entries of 16 bytes (256 KiB, allocated at the first run).
  struct Decoded;
  static constexpr unsigned kIcacheBits = 14;
  std::unique_ptr<Decoded[]> icache_;
  // Fills d from the memory word at its address (the low halfword is the
  // instruction if it is compressed).
  static void decode(Decoded& d, uint32_t word);
};

}  // namespace trnsim::mgmt
