// Lockstep comparison of a block's two forms (RTL and fast model) fed the
// same incoming transactions. The RTL form drives the system; the fast form
// is compared against it:
//   - outgoing transactions, per channel and in order (address, length,
//     data, byte enables, response);
//   - interrupts (the sequence of irq levels);
//   - CSR reads (value and response);
//   - completion times, which are not required to match: they feed the
//     cycle-error report (per operation kind and overall).
// The first divergence stops the run (sc_stop) with a report naming the
// transaction, both values and the simulated time; a hook lets the RTL
// wrapper write its waveform window at that moment.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace trnsim::cosim {

enum class Side { kRtl = 0, kTlm = 1 };

// One transaction as observed on one side.
struct LockstepRecord {
  tlm::tlm_command cmd = tlm::TLM_IGNORE_COMMAND;
  uint64_t address = 0;
  std::vector<uint8_t> data;
  std::vector<uint8_t> byte_enables;  // empty: all enabled
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  sc_core::sc_time time;  // when it completed (or was issued), in simulated time

  static LockstepRecord from(const tlm::tlm_generic_payload& gp, const sc_core::sc_time& t);
  // An interrupt line's new level, now.
  static LockstepRecord level(bool value);
  std::string describe(std::size_t max_bytes = 64) const;
};

// Cycle error of the fast form against the RTL for one kind of operation.
struct CycleError {
  uint64_t count = 0;
  int64_t sum_signed = 0;      // sum of (tlm - rtl) in cycles
  uint64_t sum_abs = 0;        // sum of |tlm - rtl|
  int64_t max_abs = 0;
  // Earliest and latest operation of each form (cycles); -1: none yet.
  int64_t first_rtl = -1, last_rtl = -1, first_tlm = -1, last_tlm = -1;
  void add(int64_t rtl_cycle, int64_t tlm_cycle);
  // Merge another bucket into this one (for the overall figures).
  void merge(const CycleError& o);
  int64_t rtl_span() const { return count ? last_rtl - first_rtl : 0; }
  int64_t tlm_span() const { return count ? last_tlm - first_tlm : 0; }
  // (tlm span - rtl span) / rtl span in percent; 0 for an empty span.
  double span_error_percent() const;
};

class LockstepChecker {
 public:
  LockstepChecker(std::string block, sc_core::sc_time period);

  // Called once, at the first divergence, before the run stops (e.g. to
  // trigger the RTL waveform window). The report is also printed to stderr.
  void set_on_divergence(std::function<void(const std::string& report)> f) {
    on_divergence_ = std::move(f);
  }
  // Whether a divergence stops the simulation (default true). Tests that
  // want to look at more than the first one can turn it off.
  void set_stop_on_divergence(bool on) { stop_ = on; }

  // Ordered channel: each side pushes its n-th transaction; they are
  // compared when both are there. `timing_op` names the cycle-error bucket.
  void push(Side side, const std::string& channel, const LockstepRecord& rec,
            const std::string& timing_op = "");
  // Transactions of `side` on `channel` not yet matched by the other side.
  std::size_t pending(Side side, const std::string& channel) const;
  uint64_t pushed(Side side, const std::string& channel) const;

  // A comparison both of whose results are at hand (a CSR access).
  // compare_data=false compares everything but the data (timing-dependent
  // registers; the difference is counted, not a divergence).
  void compare_now(const std::string& what, const LockstepRecord& rtl, const LockstepRecord& tlm,
                   bool compare_data = true, const std::string& timing_op = "");

  // Record a divergence that the caller detected itself.
  void diverge(const std::string& what, const std::string& detail);

  void timing(const std::string& op, const sc_core::sc_time& rtl, const sc_core::sc_time& tlm);

  // Unmatched transactions at the end of the run are divergences.
  void finish();

  bool diverged() const { return !report_.empty(); }
  const std::string& report() const { return report_; }
  uint64_t compared() const { return compared_; }
  uint64_t soft_mismatches() const { return soft_; }  // timing-dependent values that differed
  const std::map<std::string, CycleError>& cycle_errors() const { return errors_; }
  // Every operation kind together: the span runs from the first operation of
  // any kind to the last one, i.e. the run's length as each form timed it.
  CycleError overall_cycle_error() const;
  // Human-readable table of cycle errors per operation kind and overall.
  std::string cycle_error_report() const;
  const std::string& block() const { return block_; }

 private:
  struct Channel {
    std::deque<LockstepRecord> q[2];
    uint64_t n[2] = {0, 0};
    uint64_t matched = 0;
    std::string timing_op;
  };
  void compare(const std::string& what, const LockstepRecord& rtl, const LockstepRecord& tlm,
               bool compare_data);

  std::string block_;
  sc_core::sc_time period_;
  std::map<std::string, Channel> ch_;
  std::map<std::string, CycleError> errors_;
  std::function<void(const std::string&)> on_divergence_;
  std::string report_;
  bool stop_ = true;
  uint64_t compared_ = 0, soft_ = 0;
};

}  // namespace trnsim::cosim

namespace trnsim::cosim {

// A deep copy of a payload (its own data and byte-enable buffers), to send
// the same transaction to both forms.
class PayloadCopy {
 public:
  explicit PayloadCopy(const tlm::tlm_generic_payload& src);
  tlm::tlm_generic_payload& gp() { return gp_; }
  // Copies the response (status, and the data of a read) back into dst.
  void copy_response_to(tlm::tlm_generic_payload& dst) const;

 private:
  std::vector<unsigned char> data_, be_;
  tlm::tlm_generic_payload gp_;
};

// The delay from now to time t (zero if t is not in the future).
sc_core::sc_time delay_to(const sc_core::sc_time& t);

// One CSR access in lockstep: sent to the RTL form, then to the fast form at
// the same request time (mapped by tlm_request_time if given, e.g. past the
// RTL's reset), both answers compared (the data only if compare_data), and
// the RTL's response and timing returned to the caller in gp and delay.
void lockstep_csr_access(LockstepChecker& checker, tlm::tlm_fw_transport_if<>& rtl,
                         tlm::tlm_fw_transport_if<>& tlm, tlm::tlm_generic_payload& gp,
                         sc_core::sc_time& delay, bool compare_data,
                         const std::function<sc_core::sc_time(const sc_core::sc_time&)>&
                             tlm_request_time = {});

// Whether a CSR's read value depends on how far the block has progressed
// (hardware inputs other than configuration, interrupt state): such reads
// may differ between the forms in time and are compared without their data
// (a difference is counted as a timing mismatch). `config_regs` lists the
// offsets of hw-input registers that are constant per instance.
template <std::size_t N, class RegisterDesc>
bool csr_timing_dependent(const RegisterDesc (&table)[N], uint32_t offset,
                          std::initializer_list<uint32_t> config_regs) {
  for (uint32_t c : config_regs)
    if (c == offset) return false;
  for (const auto& r : table)
    if (r.offset == offset) return r.hw_in_mask != 0 || r.w1c_mask != 0;
  return false;
}

// The interrupt lines of both forms: each form's irq binds to rtl / tlm;
// every level change of either is pushed to the checker ("irq edge"), and
// the RTL form's level drives `out` (the lockstep block's own irq port).
class LockstepIrq : public sc_core::sc_module {
 public:
  sc_core::sc_signal<bool> rtl, tlm;
  LockstepIrq(sc_core::sc_module_name name, LockstepChecker& checker, sc_core::sc_out<bool>& out);

 private:
  void rtl_changed();
  void tlm_changed();
  LockstepChecker& checker_;
  sc_core::sc_out<bool>& out_;
};

}  // namespace trnsim::cosim
