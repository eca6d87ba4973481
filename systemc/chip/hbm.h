// Hbm: the chip's high-bandwidth memory as one TLM-2.0 target covering all
// stacks. Sparse storage (so a 144 GiB preset allocates only what is
// written), channel interleaving, an open-page row buffer per bank and
// in-order queueing per channel. b_transport annotates the delay, never waits.
//
// Address mapping (off = addr - base, C = stacks x channels_per_stack):
//   granule g = off / interleave_bytes, within = off % interleave_bytes
//   channel   = g % C                 (stack = channel / channels_per_stack)
//   local     = (g / C) x interleave_bytes + within   (address inside the channel)
//   column    = local % row_bytes
//   bank      = (local / row_bytes) % banks_per_channel
//   row       = local / (row_bytes x banks_per_channel)
// so a sequential stream visits every channel, and inside a channel fills a
// row, then the same row number of the next bank (row : bank : column).
//
// Timing. A request is cut into pieces that each lie in one granule and one
// row; the pieces on a channel are served in address order, behind every
// earlier request on that channel (in order, first come first served). For a
// piece of n bytes arriving at a on channel c, bank b, row r:
//   hit  (r is open in b):  ready = a + row_hit_latency
//   miss:                   act   = max(max(a, bank_free[b]) + tRP, act_free[c])
//                           ready = act + activate_latency + row_hit_latency
//                           act_free[c] = act + activate_interval
//   start = max(ready, bus_free[c]);  done = start + n / channel_bytes_per_ns
//   bus_free[c] = bank_free[b] = done
// where tRP = precharge_latency (no precharge if the bank is closed) and
// channel_bytes_per_ns = stack_bytes_per_ns / channels_per_stack. The row
// latency of one piece overlaps the data transfer of the pieces ahead of it
// (the controller looks ahead, as real ones do), so a stream of row hits, or
// of misses spread over banks, keeps the data bus busy and reaches the peak;
// misses to a bank still in use and activates closer than activate_interval
// do not. The request completes base_latency (controller, PHY, return path;
// pipelined, occupies nothing) after its last piece is done. This refines
// "completion = max(arrival, channel free) + row latency + bytes / bandwidth"
// so that latency does not serialise a channel.
//
// Bounded queues (queue_depth > 0). A request takes one entry in the queue of
// every channel it touches, from its admission until its last piece on that
// channel is done. A request that finds queue_depth entries still held on a
// channel waits outside (back-pressure as delay) until the oldest of them
// leaves: its arrival on that channel becomes
//   admit = the (held - queue_depth + 1)-th earliest release time
// and everything above is computed from admit (the controller cannot look
// ahead past its queue, so a waiting request's row latency no longer hides
// behind the transfers ahead of it). Such requests are counted per channel
// (queue_full, queue_wait). queue_depth = 0: unbounded.
//
// Several initiators (NoC target ports, or testbenches directly) may bind the
// one multi_passthrough target socket: they share the channels, which are the
// contended resource. With temporal decoupling requests reach the model in
// the order initiators run, not in timestamp order; the channel free-times
// then make a later-running initiator queue behind an earlier-running one
// even if its local time is smaller (usual LT inaccuracy, bounded by the
// quantum).
//
// Errors: an access outside [base, base + capacity) answers
// TLM_ADDRESS_ERROR_RESPONSE, a streaming width below the length
// TLM_BURST_ERROR_RESPONSE; neither changes memory or timing state.
// DMI is granted (one storage page at a time) only when the model is
// untimed: every latency zero and stack_bytes_per_ns == 0.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace trnsim::chip {

struct HbmConfig {
  uint64_t base = 0;                     // first global address
  uint64_t capacity = uint64_t{1} << 30; // bytes (trn2 96 GiB, trn3 144 GiB)
  unsigned stacks = 4;
  unsigned channels_per_stack = 16;      // independent channels (32 to model HBM3 pseudo-channels)
  unsigned banks_per_channel = 16;
  uint64_t interleave_bytes = 256;       // granule placed on one channel before the next
  uint64_t row_bytes = 1024;             // row-buffer (page) size per bank
  double stack_bytes_per_ns = 725;       // per stack; 0 = untimed transfer (trn2 2.9 TB/s / 4)
  sc_core::sc_time base_latency = sc_core::sc_time(40, sc_core::SC_NS);      // controller+PHY
  sc_core::sc_time row_hit_latency = sc_core::sc_time(14, sc_core::SC_NS);   // tCL
  sc_core::sc_time activate_latency = sc_core::sc_time(14, sc_core::SC_NS);  // tRCD
  sc_core::sc_time precharge_latency = sc_core::sc_time(14, sc_core::SC_NS); // tRP
  sc_core::sc_time activate_interval = sc_core::sc_time(2, sc_core::SC_NS);  // tRRD per channel
  unsigned queue_depth = 0;              // requests held per channel queue; 0 = unbounded
  uint64_t storage_page_bytes = 64 * 1024;  // sparse storage granule (power of two)
  bool store_data = true;  // false: timing only, writes dropped, reads return zeros
  bool dmi = true;         // grant DMI when untimed
};

struct HbmChannelStats {
  uint64_t reads = 0, writes = 0;          // pieces served
  uint64_t bytes_read = 0, bytes_written = 0;
  uint64_t row_hits = 0, row_misses = 0;
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;  // data-bus time
  uint64_t queue_full = 0;   // requests that found the channel's queue full and waited
  sc_core::sc_time queue_wait = sc_core::SC_ZERO_TIME;  // their total wait for an entry
};

// Where a global address lands (see the mapping above).
struct HbmLocation {
  unsigned channel = 0, stack = 0, bank = 0;
  uint64_t row = 0, column = 0, local = 0;
};

class Hbm : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Hbm> socket;

  // Throws std::invalid_argument naming the field for a bad config.
  Hbm(sc_core::sc_module_name name, const HbmConfig& cfg);
  ~Hbm() override;

  // Host-side access for loaders and testbenches (no timing, no stats);
  // throws std::out_of_range naming the address when outside the memory.
  void write_bytes(uint64_t addr, const void* src, uint64_t len);
  void read_bytes(uint64_t addr, void* dst, uint64_t len) const;

  HbmLocation locate(uint64_t addr) const;  // addr must be inside (else out_of_range)
  unsigned channels() const { return num_channels_; }
  double channel_bytes_per_ns() const { return channel_bw_; }
  double peak_bytes_per_second() const;  // stacks x stack_bytes_per_ns x 1e9 (0: untimed)
  const HbmConfig& config() const { return cfg_; }

  const HbmChannelStats& channel_stats(unsigned channel) const { return stats_.at(channel); }
  HbmChannelStats total_stats() const;
  uint64_t address_errors() const { return address_errors_; }
  uint64_t pages_allocated() const { return pages_.size(); }
  // The time the last piece on any channel is done (the busy horizon).
  sc_core::sc_time last_done() const;
  void reset_stats();

 private:
  struct Channel {
    sc_core::sc_time bus_free = sc_core::SC_ZERO_TIME;
    sc_core::sc_time act_free = sc_core::SC_ZERO_TIME;
    std::vector<int64_t> open_row;             // -1: closed
    std::vector<sc_core::sc_time> bank_free;
    std::deque<sc_core::sc_time> queue;  // release times of the held entries, ascending (queue_depth > 0)
  };
  struct Admission {
    unsigned channel;
    sc_core::sc_time at;
  };
  sc_core::sc_time admit(unsigned channel, const sc_core::sc_time& arrival, std::vector<Admission>& seen);
  void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  bool in_range(uint64_t addr, uint64_t len) const;
  bool untimed() const;
  // Data movement over sparse pages; `be` as in the payload (nullptr: all).
  void copy_in(uint64_t off, const uint8_t* src, uint64_t len, const unsigned char* be,
               unsigned be_len);
  void copy_out(uint64_t off, uint8_t* dst, uint64_t len, const unsigned char* be,
                unsigned be_len) const;
  uint8_t* page(uint64_t index);              // allocates (zeroed)
  const uint8_t* page_if(uint64_t index) const;  // nullptr if untouched
  sc_core::sc_time xfer_time(uint64_t bytes) const;
  sc_core::sc_time serve(uint64_t off, uint64_t len, bool write, const sc_core::sc_time& arrival);

  HbmConfig cfg_;
  unsigned num_channels_ = 0;
  double channel_bw_ = 0;
  std::vector<Channel> ch_;
  std::vector<HbmChannelStats> stats_;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
  uint64_t address_errors_ = 0;
};

}  // namespace trnsim::chip
