// AXI4-Lite master for Verilator testbenches.
//
// A cycle-stepped master over a Verilated top that has the AXI4-Lite slave
// ports of common_axil_reg_adapter under their RTL names (s_axil_awvalid_i,
// s_axil_awready_o, ..., s_axil_rresp_o). The testbench owns the clock: it
// passes a callback that advances exactly one cycle (drive clk high, eval,
// drive clk low, eval, and whatever per-cycle work the bench does).
//
//   trnsim::tb::AxilMaster<Vtop> axi(top, [&] { tick(); });
//   axi.write(0x1C, 0x31);                 // -> AxilResp::kOkay
//   auto [data, resp] = axi.read(0x1C);
//
// Blocking calls step the clock until the response arrives; if that takes
// more than timeout_cycles() cycles an AxilError is thrown (Catch2 reports it
// as a failed test instead of hanging). The master also checks the slave side
// of the protocol: a B or R response that changes or drops before it is
// accepted throws AxilError.
//
// Non-blocking use (several transactions in flight, e.g. a read and a write
// presented in the same cycle): post_write()/post_read() return a ticket,
// step() advances one cycle, drain() steps until everything has completed, and
// write_result()/read_result() give the responses.
//
// Timing knobs: set_write_skew(n) presents W n cycles after AW (n < 0: AW
// |n| cycles after W); set_response_delay(n) holds BREADY/RREADY low for n
// cycles after each response becomes valid; set_random_delays(seed, max) adds
// 0..max idle cycles, from a seeded RNG, before every AW, W and AR and to
// every response delay.
#ifndef TRNSIM_TESTBENCHES_COMMON_AXIL_MASTER_H_
#define TRNSIM_TESTBENCHES_COMMON_AXIL_MASTER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace trnsim::tb {

enum class AxilResp : std::uint8_t { kOkay = 0, kExOkay = 1, kSlvErr = 2, kDecErr = 3 };

inline const char* to_string(AxilResp r) {
  switch (r) {
    case AxilResp::kOkay: return "OKAY";
    case AxilResp::kExOkay: return "EXOKAY";
    case AxilResp::kSlvErr: return "SLVERR";
    case AxilResp::kDecErr: return "DECERR";
  }
  return "?";
}

struct AxilReadResult {
  std::uint32_t data = 0;
  AxilResp resp = AxilResp::kOkay;
};

// A timeout or a protocol violation by the slave.
class AxilError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename Top>
class AxilMaster {
 public:
  using Tick = std::function<void()>;
  using Ticket = std::size_t;

  AxilMaster(Top& top, Tick tick, std::uint64_t timeout_cycles = 1000)
      : top_(top), tick_(std::move(tick)), timeout_(timeout_cycles) {
    drive_idle();
  }

  // --- configuration --------------------------------------------------------
  void set_timeout_cycles(std::uint64_t cycles) { timeout_ = cycles; }
  std::uint64_t timeout_cycles() const { return timeout_; }
  void set_write_skew(int cycles) { write_skew_ = cycles; }
  void set_response_delay(unsigned cycles) {
    response_delay_ = cycles;
    b_hold_ = r_hold_ = next_response_delay();
  }
  // max_delay 0 turns random delays off.
  void set_random_delays(std::uint64_t seed, unsigned max_delay) {
    rng_.seed(seed);
    max_random_delay_ = max_delay;
    b_hold_ = r_hold_ = next_response_delay();
  }
  void set_prot(std::uint8_t prot) { prot_ = prot & 7u; }

  // --- blocking -------------------------------------------------------------
  AxilResp write(std::uint32_t addr, std::uint32_t data, std::uint8_t strb = 0xF) {
    const Ticket t = post_write(addr, data, strb);
    wait_for([&] { return writes_[t].has_value(); }, "write", addr);
    return *writes_[t];
  }

  AxilReadResult read(std::uint32_t addr) {
    const Ticket t = post_read(addr);
    wait_for([&] { return reads_[t].has_value(); }, "read", addr);
    return *reads_[t];
  }

  // --- non-blocking ---------------------------------------------------------
  Ticket post_write(std::uint32_t addr, std::uint32_t data, std::uint8_t strb = 0xF) {
    const Ticket t = writes_.size();
    writes_.emplace_back();
    unsigned aw_delay = random_delay();
    unsigned w_delay = random_delay();
    if (write_skew_ > 0) w_delay += static_cast<unsigned>(write_skew_);
    if (write_skew_ < 0) aw_delay += static_cast<unsigned>(-write_skew_);
    aw_.push_back({addr, 0, 0, aw_delay, t});
    w_.push_back({0, data, static_cast<std::uint8_t>(strb & 0xFu), w_delay, t});
    b_expect_.push_back(t);
    return t;
  }

  Ticket post_read(std::uint32_t addr) {
    const Ticket t = reads_.size();
    reads_.emplace_back();
    ar_.push_back({addr, 0, 0, random_delay(), t});
    r_expect_.push_back(t);
    return t;
  }

  bool idle() const { return aw_.empty() && w_.empty() && ar_.empty() && b_expect_.empty() &&
                             r_expect_.empty(); }

  void drain() {
    wait_for([&] { return idle(); }, "drain", 0);
  }

  const std::optional<AxilResp>& write_result(Ticket t) const { return writes_.at(t); }
  const std::optional<AxilReadResult>& read_result(Ticket t) const { return reads_.at(t); }

  // Cycles stepped by this master so far.
  std::uint64_t cycles() const { return cycles_; }
  // Longest time (cycles) a response was held valid waiting for READY.
  unsigned max_b_wait() const { return max_b_wait_; }
  unsigned max_r_wait() const { return max_r_wait_; }

  // One clock cycle: drive the channels, evaluate, note the handshakes that
  // happen at this clock edge, tick, retire them.
  void step() {
    drive();
    top_.eval();
    const bool aw_fire = top_.s_axil_awvalid_i && top_.s_axil_awready_o;
    const bool w_fire = top_.s_axil_wvalid_i && top_.s_axil_wready_o;
    const bool ar_fire = top_.s_axil_arvalid_i && top_.s_axil_arready_o;
    const bool b_valid = top_.s_axil_bvalid_o;
    const bool r_valid = top_.s_axil_rvalid_o;
    const bool b_fire = b_valid && top_.s_axil_bready_i;
    const bool r_fire = r_valid && top_.s_axil_rready_i;
    const auto bresp = static_cast<AxilResp>(top_.s_axil_bresp_o & 3u);
    const auto rresp = static_cast<AxilResp>(top_.s_axil_rresp_o & 3u);
    const std::uint32_t rdata = top_.s_axil_rdata_o;

    check_stable(held_b_, b_valid, static_cast<std::uint32_t>(bresp), 0, "B");
    check_stable(held_r_, r_valid, static_cast<std::uint32_t>(rresp), rdata, "R");

    tick_();
    ++cycles_;

    retire_request(aw_, aw_fire);
    retire_request(w_, w_fire);
    retire_request(ar_, ar_fire);

    if (b_valid) {
      if (b_expect_.empty()) throw AxilError(msg("BVALID with no write outstanding"));
      if (b_fire) {
        writes_[b_expect_.front()] = bresp;
        b_expect_.pop_front();
        max_b_wait_ = std::max(max_b_wait_, b_wait_);
        b_wait_ = 0;
        b_hold_ = next_response_delay();
        held_b_.reset();
      } else {
        ++b_wait_;
        if (b_hold_ > 0) --b_hold_;
        held_b_ = std::make_pair(static_cast<std::uint32_t>(bresp), 0u);
      }
    }
    if (r_valid) {
      if (r_expect_.empty()) throw AxilError(msg("RVALID with no read outstanding"));
      if (r_fire) {
        reads_[r_expect_.front()] = AxilReadResult{rdata, rresp};
        r_expect_.pop_front();
        max_r_wait_ = std::max(max_r_wait_, r_wait_);
        r_wait_ = 0;
        r_hold_ = next_response_delay();
        held_r_.reset();
      } else {
        ++r_wait_;
        if (r_hold_ > 0) --r_hold_;
        held_r_ = std::make_pair(static_cast<std::uint32_t>(rresp), rdata);
      }
    }
  }

  // Forget everything in flight (after the bench resets the DUT) and drive
  // the bus idle.
  void reset() {
    aw_.clear();
    w_.clear();
    ar_.clear();
    b_expect_.clear();
    r_expect_.clear();
    held_b_.reset();
    held_r_.reset();
    b_wait_ = r_wait_ = 0;
    b_hold_ = r_hold_ = response_delay_;
    drive_idle();
  }

 private:
  struct Beat {
    std::uint32_t addr;
    std::uint32_t data;
    std::uint8_t strb;
    unsigned delay;  // idle cycles left before VALID goes high
    Ticket ticket;
  };

  unsigned random_delay() {
    if (max_random_delay_ == 0) return 0;
    return std::uniform_int_distribution<unsigned>(0, max_random_delay_)(rng_);
  }
  unsigned next_response_delay() { return response_delay_ + random_delay(); }

  void drive_idle() {
    top_.s_axil_awvalid_i = 0;
    top_.s_axil_awaddr_i = 0;
    top_.s_axil_awprot_i = 0;
    top_.s_axil_wvalid_i = 0;
    top_.s_axil_wdata_i = 0;
    top_.s_axil_wstrb_i = 0;
    top_.s_axil_bready_i = 0;
    top_.s_axil_arvalid_i = 0;
    top_.s_axil_araddr_i = 0;
    top_.s_axil_arprot_i = 0;
    top_.s_axil_rready_i = 0;
  }

  void drive() {
    drive_idle();
    if (!aw_.empty() && aw_.front().delay == 0) {
      top_.s_axil_awvalid_i = 1;
      top_.s_axil_awaddr_i = aw_.front().addr;
      top_.s_axil_awprot_i = prot_;
    }
    if (!w_.empty() && w_.front().delay == 0) {
      top_.s_axil_wvalid_i = 1;
      top_.s_axil_wdata_i = w_.front().data;
      top_.s_axil_wstrb_i = w_.front().strb;
    }
    if (!ar_.empty() && ar_.front().delay == 0) {
      top_.s_axil_arvalid_i = 1;
      top_.s_axil_araddr_i = ar_.front().addr;
      top_.s_axil_arprot_i = prot_;
    }
    // READY may be high before VALID; the hold counts from VALID.
    top_.s_axil_bready_i = (!b_expect_.empty() && b_hold_ == 0) ? 1 : 0;
    top_.s_axil_rready_i = (!r_expect_.empty() && r_hold_ == 0) ? 1 : 0;
  }

  static void retire_request(std::deque<Beat>& q, bool fired) {
    if (q.empty()) return;
    if (fired) {
      q.pop_front();
    } else if (q.front().delay > 0) {
      --q.front().delay;
    }
  }

  void check_stable(const std::optional<std::pair<std::uint32_t, std::uint32_t>>& held,
                    bool valid, std::uint32_t resp, std::uint32_t data, const char* ch) {
    if (!held) return;
    if (!valid) throw AxilError(msg(std::string(ch) + "VALID dropped before it was accepted"));
    if (held->first != resp || held->second != data) {
      throw AxilError(msg(std::string(ch) + " changed before it was accepted"));
    }
  }

  template <typename Done>
  void wait_for(Done done, const char* what, std::uint32_t addr) {
    const std::uint64_t start = cycles_;
    while (!done()) {
      if (cycles_ - start >= timeout_) {
        std::ostringstream os;
        os << what;
        if (std::string(what) != "drain") os << " at 0x" << std::hex << addr << std::dec;
        os << " timed out after " << timeout_ << " cycles (pending: AW " << aw_.size() << ", W "
           << w_.size() << ", AR " << ar_.size() << ", B " << b_expect_.size() << ", R "
           << r_expect_.size() << ")";
        throw AxilError(msg(os.str()));
      }
      step();
    }
  }

  std::string msg(const std::string& what) const {
    std::ostringstream os;
    os << "AXI-Lite master, cycle " << cycles_ << ": " << what;
    return os.str();
  }

  Top& top_;
  Tick tick_;
  std::uint64_t timeout_;
  std::uint64_t cycles_ = 0;
  int write_skew_ = 0;
  unsigned response_delay_ = 0;
  unsigned max_random_delay_ = 0;
  std::uint8_t prot_ = 0;
  std::mt19937_64 rng_{1};

  std::deque<Beat> aw_, w_, ar_;
  std::deque<Ticket> b_expect_, r_expect_;
  std::vector<std::optional<AxilResp>> writes_;
  std::vector<std::optional<AxilReadResult>> reads_;
  unsigned b_hold_ = 0, r_hold_ = 0;  // cycles READY stays low for the current response
  unsigned b_wait_ = 0, r_wait_ = 0;  // cycles the current response has waited
  unsigned max_b_wait_ = 0, max_r_wait_ = 0;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> held_b_, held_r_;
};

}  // namespace trnsim::tb

#endif  // TRNSIM_TESTBENCHES_COMMON_AXIL_MASTER_H_
