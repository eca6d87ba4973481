#include "tensor/tensor_timing.h"

#include <algorithm>
#include <limits>

namespace trnsim::tensor {

int64_t single_command_cycles(const TimingGeometry& g, const TimedCmd& cmd) {
  const int64_t load = cmd.load_w ? cmd.k_rows : 1;
  return load + cmd.m_rows + g.rows + g.cols + 1;
}

std::vector<CmdTiming> schedule(const TimingGeometry& g, const std::vector<TimedCmd>& cmds) {
  constexpr int64_t kNever = std::numeric_limits<int64_t>::min() / 4;
  const int64_t drain = int64_t{g.rows} + g.cols;  // a row's trip to the PSUM stage
  std::vector<CmdTiming> out;
  out.reserve(cmds.size());
  int64_t prev_pop = kNever;     // cycle the previous command left the queue head
  int64_t prev_last = kNever;    // previous command's last activation handshake
  int last_bank = 1;             // the first load goes to bank 0
  int64_t bank_last_row[2] = {kNever, kNever};  // last activation row using each bank
  for (const TimedCmd& c : cmds) {
    CmdTiming t;
    t.head = std::max(c.start_cycle + 1, prev_pop + 1);
    int64_t ready = t.head;  // weights in place (comb. with the last handshake)
    int bank = last_bank;
    if (c.load_w) {
      bank = 1 - last_bank;
      // A bank is reloaded only once its last row has reached the PSUM stage.
      const int64_t free_at = bank_last_row[bank] == kNever ? kNever : bank_last_row[bank] + drain + 1;
      t.load_first = std::max(t.head, free_at);
      t.load_last = t.load_first + c.k_rows - 1;
      ready = t.load_last;
      last_bank = bank;
    }
    // The head moves to the stream slot when its weights are in and the slot
    // frees (in the cycle the previous command takes its last row).
    const int64_t pop = std::max(ready, prev_last);
    t.stream_first = pop + 1;
    t.stream_last = pop + c.m_rows;
    t.done = t.stream_last + result_latency(g);
    bank_last_row[bank] = t.stream_last;
    prev_pop = pop;
    prev_last = t.stream_last;
    out.push_back(t);
  }
  return out;
}

}  // namespace trnsim::tensor
