// Transaction timeline in the Chrome trace-event JSON format, which
// ui.perfetto.dev and chrome://tracing open directly. One "process" per
// block instance, one "thread" (track) per activity in it; slices for things
// with a duration (a transaction, a tensor command, a DMA descriptor),
// instants for events (an interrupt edge), counters for levels.
//
// Times are simulated time. The file is written to <path>.tmp and renamed to
// <path> by close() (or the destructor), so a run that dies leaves no
// half-written trace under the real name.
#pragma once

#include <systemc>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

namespace trnsim {

class TraceWriter {
 public:
  // Throws std::runtime_error naming the file if it cannot be created.
  explicit TraceWriter(const std::string& path);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // A track, created on first use: `process` groups tracks (e.g. "chip0.tensor0"),
  // `thread` names the track (e.g. "commands"). Returns its id.
  int track(const std::string& process, const std::string& thread);

  // args_json: "" or the inside of a JSON object, e.g. "\"addr\":\"0x100\",\"len\":64".
  void slice(int track, const std::string& name, const sc_core::sc_time& start,
             const sc_core::sc_time& end, const std::string& args_json = "");
  void instant(int track, const std::string& name, const sc_core::sc_time& t,
               const std::string& args_json = "");
  void counter(int track, const std::string& name, const sc_core::sc_time& t, double value);

  uint64_t events() const { return events_; }
  const std::string& path() const { return path_; }
  // Finishes the JSON and renames the file into place; idempotent.
  void close();

  static std::string escape(const std::string& s);
  static std::string hex(uint64_t v);

 private:
  void begin_event();
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t events_ = 0;
  std::map<std::string, int> pids_;
  std::map<std::pair<int, std::string>, int> tracks_;  // (pid, thread) -> track id
  std::map<int, std::pair<int, int>> track_ids_;       // track id -> (pid, tid)
};

}  // namespace trnsim
