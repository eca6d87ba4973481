// Waveform windows for a Verilated block inside SystemC: the whole run, a
// window of simulated time, or the last N cycles before a trigger.
//
// Generic over the pin-level interface of a block (TensorRtl, DmaRtl: any
// class with set_inputs(PinsIn), clock(), open_wave(path), close_wave()),
// so every wrapper (cosim/tensor/tensor_rtl_tlm.h, the DMA wrapper) records
// waves the same way. The wrapper calls on_cycle() once per clocked cycle
// (after its inputs are applied and the outputs sampled, before the clock
// edge) and on_skip() for idle cycles it skipped (clock gating).
//
// Two modes, chosen by the options:
//
//  * Time window (history_cycles == 0 and no trigger): the FST of the block
//    itself is open while the block's time is in [from, to); with the
//    defaults, the whole run. While the file is open the wrapper must clock
//    every cycle (holds_clock()), so the file shows real cycle-by-cycle time;
//    it never skips past the window's start (skip_limit()). FST time runs at
//    2 units per clocked cycle (rising and falling edge).
//
//  * History (history_cycles = N > 0, or a trigger set): a second instance
//    of the same Verilated configuration, the shadow, follows the block N+1
//    cycles behind, fed the same input pins from a ring buffer. On the first
//    trigger inside [from, to) (a top-level output reaching a value, e.g.
//    "irq_o=1", checked every clocked cycle; or an explicit trigger() call,
//    used by lockstep on a divergence and by wrappers on an error) the FST is
//    opened on the shadow and the buffered cycles are replayed into it: the
//    file covers exactly the N cycles before the trigger cycle plus the
//    trigger cycle (N+1 clocked cycles, 2(N+1) FST time units; fewer only if
//    the run is shorter), and is closed at once. Later triggers are ignored
//    and the shadow is dropped. Cost: the shadow is clocked every cycle, so
//    the block runs at about half speed until the trigger.
//    Skipped idle cycles are kept in the ring as one entry with a count: the
//    shadow skips them too while it follows (it is idle in the same state),
//    and clocks them (with the recorded, idle inputs) only when they are
//    replayed into an open file, at most N+1 of them.
//
// Files are complete (closed) after a trigger, when the window ends, and in
// finish() (wrappers call it from end_of_simulation() and their destructor).
// Nothing here is SystemC-specific but the sc_time of the options.
#pragma once

#include <systemc>

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace trnsim::cosim {

struct WaveOptions {
  std::string path;  // FST file to write; empty: no waveform
  // Window of the block's time [from, to): the file (time mode) or the
  // triggers that count (history mode). Default: the whole run.
  sc_core::sc_time from = sc_core::SC_ZERO_TIME;
  sc_core::sc_time to = sc_core::sc_max_time();
  // History mode: keep this many cycles before the trigger (shadow model).
  uint64_t history_cycles = 0;
  // History mode: "<pin>=<value>" with a pin from the wrapper's table (e.g.
  // "irq_o=1"); value decimal or 0x hex. Empty: only explicit trigger() calls.
  std::string trigger;

  bool enabled() const { return !path.empty(); }
  bool history_mode() const { return history_cycles > 0 || !trigger.empty(); }
};

// One top-level output a trigger can name: its RTL port name and how to read
// it from the wrapper's output pin struct.
template <class PinsOut>
struct WavePin {
  std::string name;
  std::function<uint64_t(const PinsOut&)> get;
};

template <class Rtl, class PinsIn, class PinsOut>
class WaveWindow {
 public:
  using Factory = std::function<std::unique_ptr<Rtl>()>;

  // block: name used in error messages; period: the block's clock; main: the
  // block's model; make_shadow: a fresh instance of the same configuration
  // (history mode only); pins: the outputs a trigger may name. Throws
  // std::invalid_argument for a bad window or trigger, naming the block.
  WaveWindow(std::string block, const WaveOptions& opt, const sc_core::sc_time& period,
             Rtl& main, Factory make_shadow, std::vector<WavePin<PinsOut>> pins)
      : block_(std::move(block)), opt_(opt), main_(main) {
    if (!opt_.enabled()) throw std::invalid_argument(block_ + ": wave window without a path");
    if (opt_.to <= opt_.from)
      throw std::invalid_argument(block_ + ": wave window 'to' (" + opt_.to.to_string() +
                                  ") must be after 'from' (" + opt_.from.to_string() + ")");
    const uint64_t pv = period.value();
    from_cycle_ = (opt_.from.value() + pv - 1) / pv;
    to_cycle_ = opt_.to == sc_core::sc_max_time() ? std::numeric_limits<uint64_t>::max()
                                                  : (opt_.to.value() + pv - 1) / pv;
    if (!opt_.history_mode()) return;
    if (!opt_.trigger.empty()) parse_trigger(opt_.trigger, pins);
    if (!make_shadow) throw std::invalid_argument(block_ + ": history waveform needs a factory");
    shadow_ = make_shadow();
    if (!shadow_) throw std::invalid_argument(block_ + ": the shadow factory returned nothing");
    lag_ = opt_.history_cycles + 1;
  }
  ~WaveWindow() { finish(); }
  WaveWindow(const WaveWindow&) = delete;
  WaveWindow& operator=(const WaveWindow&) = delete;

  const WaveOptions& options() const { return opt_; }
  const std::string& path() const { return opt_.path; }
  // Time mode: the block's FST is open, so every cycle must be clocked.
  bool holds_clock() const { return main_open_; }
  // The cycle up to which the wrapper may skip from `cycle` (time mode: not
  // past the window's start, not at all while it is open).
  uint64_t skip_limit(uint64_t cycle) const {
    if (opt_.history_mode() || main_done_) return std::numeric_limits<uint64_t>::max();
    if (main_open_) return cycle;
    return cycle < from_cycle_ ? from_cycle_ : std::numeric_limits<uint64_t>::max();
  }

  // Every clocked cycle, inputs applied and outputs sampled, before the edge.
  void on_cycle(uint64_t cycle, const PinsIn& in, const PinsOut& out) {
    if (!opt_.history_mode()) {
      time_window(cycle);
      return;
    }
    if (!shadow_) return;
    record(in, 1, false);
    if (trig_get_ && in_window(cycle) && trig_get_(out) == trig_value_)
      fire(cycle, opt_.trigger);
  }

  // `n` idle cycles starting at `first` were skipped with inputs `in`.
  void on_skip(uint64_t first, uint64_t n, const PinsIn& in) {
    if (n == 0) return;
    if (!opt_.history_mode()) {
      // The wrapper never skips into or inside the window; one that ends
      // during the skip is closed.
      if (main_open_ && first + n >= to_cycle_) close_main();
      return;
    }
    if (shadow_) record(in, n, true);
  }

  // Explicit trigger (history mode; ignored otherwise, after the first, or
  // outside the window): writes the file covering the last N+1 cycles that
  // were clocked or skipped. Returns whether a file was written.
  bool trigger(uint64_t cycle, const std::string& reason) {
    if (!opt_.history_mode() || !shadow_ || !in_window(cycle)) return false;
    fire(cycle, reason);
    return true;
  }

  bool triggered() const { return triggered_; }
  const std::string& trigger_reason() const { return reason_; }
  uint64_t trigger_cycle() const { return trig_cycle_; }
  uint64_t recorded_cycles() const { return recorded_; }  // cycles in the file (history mode)

  // Closes whatever is open; the files are complete afterwards. Idempotent.
  void finish() {
    close_main();
    shadow_.reset();
    ring_.clear();
  }

 private:
  struct Entry {
    PinsIn in;
    uint64_t count;  // 1: a clocked cycle; more: skipped idle cycles
    bool skipped;
  };

  bool in_window(uint64_t cycle) const { return cycle >= from_cycle_ && cycle < to_cycle_; }

  void time_window(uint64_t cycle) {
    if (main_done_) return;
    if (!main_open_ && in_window(cycle)) {
      main_.open_wave(opt_.path);
      main_open_ = true;
    } else if (main_open_ && cycle >= to_cycle_) {
      close_main();
    }
  }

  void close_main() {
    if (main_open_) {
      main_.close_wave();
      main_open_ = false;
      main_done_ = true;
    }
  }

  void record(const PinsIn& in, uint64_t n, bool skipped) {
    ring_.push_back(Entry{in, n, skipped});
    ring_cycles_ += n;
    // Let the shadow follow: it consumes whatever is more than lag_ behind.
    while (ring_cycles_ > lag_) {
      Entry& e = ring_.front();
      const uint64_t take = std::min(e.count, ring_cycles_ - lag_);
      if (!e.skipped) {
        shadow_->set_inputs(e.in);
        shadow_->clock();
      }  // skipped cycles: the shadow is idle in the same state, skip them too
      e.count -= take;
      ring_cycles_ -= take;
      if (e.count == 0) ring_.pop_front();
    }
  }
  void fire(uint64_t cycle, const std::string& reason) {
    triggered_ = true;
    reason_ = reason;
    trig_cycle_ = cycle;
    shadow_->open_wave(opt_.path);
    recorded_ = 0;
    for (const Entry& e : ring_) {
      for (uint64_t i = 0; i < e.count; ++i) {
        shadow_->set_inputs(e.in);
        shadow_->clock();
        ++recorded_;
      }
    }
    shadow_->close_wave();
    shadow_.reset();  // later triggers are ignored; stop paying for the shadow
    ring_.clear();
    ring_cycles_ = 0;
  }

  void parse_trigger(const std::string& spec, const std::vector<WavePin<PinsOut>>& pins) {
    const auto eq = spec.find('=');
    std::string known;
    for (const auto& p : pins) known += (known.empty() ? "" : ", ") + p.name;
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw std::invalid_argument(block_ + ": wave trigger '" + spec +
                                  "' is not <pin>=<value> (pins: " + known + ")");
    const std::string name = spec.substr(0, eq), value = spec.substr(eq + 1);
    for (const auto& p : pins)
      if (p.name == name) trig_get_ = p.get;
    if (!trig_get_)
      throw std::invalid_argument(block_ + ": wave trigger names unknown pin '" + name +
                                  "' (pins: " + known + ")");
    std::size_t used = 0;
    try {
      trig_value_ = std::stoull(value, &used, 0);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value.size())
      throw std::invalid_argument(block_ + ": wave trigger value '" + value +
                                  "' is not a number");
  }

  std::string block_;
  WaveOptions opt_;
  Rtl& main_;
  uint64_t from_cycle_ = 0, to_cycle_ = 0;
  bool main_open_ = false, main_done_ = false;

  std::unique_ptr<Rtl> shadow_;
  std::deque<Entry> ring_;
  uint64_t ring_cycles_ = 0, lag_ = 0;
  std::function<uint64_t(const PinsOut&)> trig_get_;
  uint64_t trig_value_ = 0;
  bool triggered_ = false;
  std::string reason_;
  uint64_t trig_cycle_ = 0, recorded_ = 0;
};

}  // namespace trnsim::cosim
