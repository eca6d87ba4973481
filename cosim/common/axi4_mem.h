// AXI4 slave memory model with a protocol checker, for cycle-level cosim.
//
// Sparse byte-addressable memory behind one AXI4 slave port of any data
// width. Each cycle the bench calls
//   drive(out)      the slave's outputs for this cycle (READYs, R, B); they
//                   depend only on the model's state, never on this cycle's
//                   master outputs, so the DUT can be evaluated afterwards;
//   observe(in)     the master's outputs after the DUT settled; checks the
//                   protocol, takes the handshakes of this clock edge and
//                   advances one cycle.
// Timing: configurable read/write latency, seeded random back-pressure on
// AR/AW/W and random gaps on R/B, out-of-order responses across IDs (never
// within one ID). Errors: SLVERR/DECERR by address range or on the n-th
// read or write burst; a write burst answered with an error writes nothing.
// Protocol rules checked every cycle (Axi4ProtocolChecker) throw
// Axi4ProtocolError naming the rule, the cycle and the transaction.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace trnsim::cosim {

enum class AxiResp : uint8_t { kOkay = 0, kExOkay = 1, kSlvErr = 2, kDecErr = 3 };

class Axi4ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Master -> slave signals of one cycle. Data words are 32-bit lanes, lane 0
// lowest; strobes one bit per byte (up to 64 bytes).
struct Axi4MasterOut {
  bool awvalid = false;
  uint32_t awid = 0;
  uint64_t awaddr = 0;
  uint32_t awlen = 0, awsize = 0, awburst = 1;
  bool wvalid = false;
  std::vector<uint32_t> wdata;
  uint64_t wstrb = 0;
  bool wlast = false;
  bool bready = false;
  bool arvalid = false;
  uint32_t arid = 0;
  uint64_t araddr = 0;
  uint32_t arlen = 0, arsize = 0, arburst = 1;
  bool rready = false;
};

// Slave -> master signals of one cycle.
struct Axi4SlaveOut {
  bool awready = false, wready = false, arready = false;
  bool bvalid = false;
  uint32_t bid = 0;
  uint8_t bresp = 0;
  bool rvalid = false;
  uint32_t rid = 0;
  std::vector<uint32_t> rdata;
  uint8_t rresp = 0;
  bool rlast = false;
};

// The master-side AXI4 rules, checked every cycle on any port (Axi4Mem and
// Axi4TlmBridge use it on the port they serve). Call check() once per cycle
// with what the slave presented (only the READYs are read) and the master's
// outputs after the DUT settled. Rules (the name starts the message):
//   AR_STABLE, AW_STABLE, W_STABLE  VALID held and payload unchanged until READY
//   BURST_LEN, BURST_TYPE, BURST_SIZE  at most 256 beats, INCR, not wider than the bus
//   NO_4K_CROSSING                  a burst stays inside one 4 KiB page
//   WLAST                           on the last beat of each write burst, only there
//   WSTRB                           strobes only on the byte lanes of the beat
// W beats may come before their AW (they are checked when it arrives). A
// violation throws Axi4ProtocolError: "AXI4 protocol violation at cycle N:
// RULE: <transaction>: <what>".
class Axi4ProtocolChecker {
 public:
  explicit Axi4ProtocolChecker(unsigned data_bytes);

  void check(const Axi4SlaveOut& slave, const Axi4MasterOut& master);
  // The bus was reset: forget transactions and stalls (the cycle count goes on).
  void reset();
  uint64_t cycle() const { return cycle_; }
  // n cycles passed in which the master held its outputs and nothing
  // handshook (a clock-gated master).
  void skip(uint64_t n) { cycle_ += n; }
  // Write bursts whose address came and whose W beats did not all arrive yet,
  // and W beats that arrived ahead of their address.
  std::size_t writes_open() const { return aw_.size(); }
  std::size_t early_w_beats() const { return early_w_.size(); }

 private:
  struct Aw {
    uint32_t id = 0;
    uint64_t addr = 0;
    uint32_t len = 0, size = 0, beat = 0;
  };
  struct WBeat {
    uint64_t strb = 0;
    bool last = false;
    uint64_t cycle = 0;
  };
  [[noreturn]] void violation(const std::string& rule, const std::string& what) const;
  void check_hold(const Axi4MasterOut& in);
  void check_addr(const char* ch, uint32_t id, uint64_t addr, uint32_t len, uint32_t size,
                  uint32_t burst) const;
  void check_w(const WBeat& w);

  unsigned data_bytes_;
  unsigned full_size_;
  uint64_t cycle_ = 0;
  Axi4MasterOut prev_;
  bool prev_ar_stall_ = false, prev_aw_stall_ = false, prev_w_stall_ = false;
  std::deque<Aw> aw_;
  std::deque<WBeat> early_w_;
};

struct Axi4MemConfig {
  unsigned data_bytes = 32;       // bus width in bytes (8..64, power of two)
  unsigned read_latency = 1;      // cycles from AR handshake to the first R beat (>= 1)
  unsigned write_latency = 1;     // cycles from the last W beat to B (>= 1)
  double ar_ready_p = 1.0;        // probability READY is high in a cycle
  double aw_ready_p = 1.0;
  double w_ready_p = 1.0;
  double r_valid_p = 1.0;         // probability a ready R beat is offered in a cycle
  double b_valid_p = 1.0;
  bool reorder = false;           // pick among ready responses of different IDs at random
  uint64_t seed = 1;
};

struct Axi4MemStats {
  uint64_t cycles = 0;
  uint64_t read_bursts = 0, write_bursts = 0;
  uint64_t read_beats = 0, write_beats = 0;
  uint64_t bytes_written = 0;     // strobed bytes actually stored
  uint64_t max_reads_outstanding = 0, max_writes_outstanding = 0;
};

class Axi4Mem {
 public:
  explicit Axi4Mem(Axi4MemConfig cfg);

  const Axi4MemConfig& config() const { return cfg_; }
  void set_config(const Axi4MemConfig& cfg);  // keeps memory and transactions
  const Axi4MemStats& stats() const { return stats_; }
  uint64_t cycle() const { return cycle_; }

  // --- memory (backdoor) ---------------------------------------------------
  void write(uint64_t addr, const uint8_t* data, std::size_t n);
  void read(uint64_t addr, uint8_t* data, std::size_t n) const;  // unwritten bytes read 0
  void write32(uint64_t addr, uint32_t v);
  uint32_t read32(uint64_t addr) const;
  std::vector<uint8_t> read_vec(uint64_t addr, std::size_t n) const;
  // Every page ever written (4 KiB, page-aligned address -> bytes).
  const std::unordered_map<uint64_t, std::vector<uint8_t>>& pages() const { return pages_; }

  // --- error injection -------------------------------------------------------
  // Any beat of a burst touching [lo, hi) gets resp (reads: that beat; writes:
  // the whole burst's B, and nothing of the burst is written).
  void add_error_range(uint64_t lo, uint64_t hi, AxiResp resp, bool reads, bool writes);
  // The n-th read (write) burst accepted from now on (0 = the next) fails.
  void fail_read_burst(uint64_t n, AxiResp resp);
  void fail_write_burst(uint64_t n, AxiResp resp);
  void clear_errors();

  // --- per cycle ------------------------------------------------------------
  void drive(Axi4SlaveOut& out);
  void observe(const Axi4MasterOut& in);
  // Called while the DUT is in reset: drops everything in flight.
  void reset_bus();

  bool idle() const;  // nothing in flight
  std::size_t reads_outstanding() const;
  std::size_t writes_outstanding() const;

 private:
  struct Burst {
    uint64_t seq = 0;
    uint32_t id = 0;
    uint64_t addr = 0;
    uint32_t len = 0;      // beats - 1
    uint32_t size = 0;
    uint64_t ready_cycle = 0;
    uint32_t beat = 0;      // next beat (reads: sent, writes: received)
    AxiResp forced = AxiResp::kOkay;
    std::vector<std::pair<uint64_t, uint8_t>> wbytes;  // strobed bytes received (writes)
  };
  struct ErrRange {
    uint64_t lo, hi;
    AxiResp resp;
    bool reads, writes;
  };

  bool coin(double p);
  AxiResp range_resp(uint64_t lo, uint64_t hi, bool is_read) const;
  uint64_t beat_addr(const Burst& b, uint32_t beat) const;
  std::optional<std::size_t> pick(const std::deque<Burst>& q);

  Axi4MemConfig cfg_;
  std::mt19937_64 rng_;
  std::unordered_map<uint64_t, std::vector<uint8_t>> pages_;
  std::vector<ErrRange> ranges_;
  std::map<uint64_t, AxiResp> fail_reads_, fail_writes_;  // burst number -> resp
  uint64_t read_count_ = 0, write_count_ = 0, seq_ = 0;

  Axi4MemStats stats_;
  uint64_t cycle_ = 0;
  Axi4SlaveOut cur_;                      // what drive() presented this cycle
  Axi4ProtocolChecker checker_;

  std::deque<Burst> reads_;               // accepted, not fully answered
  std::optional<std::size_t> r_cur_;      // index into reads_ of the burst on R
  std::deque<Burst> waddr_;               // AW accepted, W not complete (in order)
  std::deque<Burst> bq_;                  // W complete, B not sent
  std::optional<std::size_t> b_cur_;
  bool r_holding_ = false, b_holding_ = false;  // a response was offered and not taken
};

}  // namespace trnsim::cosim
