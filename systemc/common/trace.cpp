#include "common/trace.h"

#include <cstdio>
#include <stdexcept>

namespace trnsim {

namespace {
// Trace-event timestamps are microseconds; print picosecond resolution.
std::string us(const sc_core::sc_time& t) {
  const uint64_t ps = static_cast<uint64_t>(t.to_seconds() * 1e12 + 0.5);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llu.%06llu", static_cast<unsigned long long>(ps / 1000000),
                static_cast<unsigned long long>(ps % 1000000));
  return buf;
}
}  // namespace

TraceWriter::TraceWriter(const std::string& path) : path_(path), tmp_(path + ".tmp") {
  f_ = std::fopen(tmp_.c_str(), "w");
  if (!f_) throw std::runtime_error("cannot create trace file '" + tmp_ + "'");
  std::fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f_);
}

TraceWriter::~TraceWriter() {
  try {
    close();
  } catch (...) {
  }
}

void TraceWriter::begin_event() {
  std::fputs(events_ == 0 ? "\n" : ",\n", f_);
  ++events_;
}

std::string TraceWriter::escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += c;
    }
  }
  return o;
}

std::string TraceWriter::hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

int TraceWriter::track(const std::string& process, const std::string& thread) {
  if (!f_) throw std::logic_error("trace '" + path_ + "' already closed");
  auto p = pids_.find(process);
  int pid;
  if (p == pids_.end()) {
    pid = static_cast<int>(pids_.size()) + 1;
    pids_[process] = pid;
    begin_event();
    std::fprintf(f_, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":\"%s\"}}",
                 pid, escape(process).c_str());
  } else {
    pid = p->second;
  }
  auto key = std::make_pair(pid, thread);
  auto t = tracks_.find(key);
  if (t != tracks_.end()) return t->second;
  const int id = static_cast<int>(tracks_.size()) + 1;
  tracks_[key] = id;
  track_ids_[id] = {pid, id};
  begin_event();
  std::fprintf(f_,
               "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":\"%s\"}}",
               pid, id, escape(thread).c_str());
  return id;
}

void TraceWriter::slice(int track, const std::string& name, const sc_core::sc_time& start,
                        const sc_core::sc_time& end, const std::string& args_json) {
  if (!f_) return;
  const auto& pt = track_ids_.at(track);
  const sc_core::sc_time dur = end > start ? end - start : sc_core::SC_ZERO_TIME;
  begin_event();
  std::fprintf(f_, "{\"ph\":\"X\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%s,\"dur\":%s",
               escape(name).c_str(), pt.first, pt.second, us(start).c_str(), us(dur).c_str());
  if (!args_json.empty()) std::fprintf(f_, ",\"args\":{%s}", args_json.c_str());
  std::fputc('}', f_);
}

void TraceWriter::instant(int track, const std::string& name, const sc_core::sc_time& t,
                          const std::string& args_json) {
  if (!f_) return;
  const auto& pt = track_ids_.at(track);
  begin_event();
  std::fprintf(f_, "{\"ph\":\"i\",\"s\":\"t\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%s",
               escape(name).c_str(), pt.first, pt.second, us(t).c_str());
  if (!args_json.empty()) std::fprintf(f_, ",\"args\":{%s}", args_json.c_str());
  std::fputc('}', f_);
}

void TraceWriter::counter(int track, const std::string& name, const sc_core::sc_time& t,
                          double value) {
  if (!f_) return;
  const auto& pt = track_ids_.at(track);
  begin_event();
  std::fprintf(f_, "{\"ph\":\"C\",\"name\":\"%s\",\"pid\":%d,\"ts\":%s,\"args\":{\"value\":%.17g}}",
               escape(name).c_str(), pt.first, us(t).c_str(), value);
}

void TraceWriter::close() {
  if (!f_) return;
  std::fputs("\n]}\n", f_);
  const bool ok = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error("cannot write trace file '" + path_ + "'");
}

}  // namespace trnsim
