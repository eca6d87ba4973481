// GdbStub: see gdb_stub.h. Register numbers are gdb's for riscv:rv32: x0..x31
// = 0..31, pc = 32, (f0..f31 = 33..64, absent here), CSR n = 65 + n.
#include "gdb_stub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <vector>

namespace trnsim::mgmt {

namespace {
constexpr unsigned kPcReg = 32, kCsrBase = 65;
constexpr uint32_t kMaxMem = 0x1000;  // bytes per m/M packet (PacketSize 0x4000 below)

const char kHex[] = "0123456789abcdef";

void put_hex8(std::string& s, uint8_t b) {
  s += kHex[b >> 4];
  s += kHex[b & 15];
}
// A register as gdb wants it: target (little-endian) byte order.
void put_le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) put_hex8(s, static_cast<uint8_t>(v >> (8 * i)));
}
int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
// Parses a hex number from s[pos..] up to a character not a hex digit.
bool parse_hex(const std::string& s, std::size_t& pos, uint32_t& v) {
  const std::size_t start = pos;
  uint64_t acc = 0;
  while (pos < s.size() && hexval(s[pos]) >= 0) {
    acc = (acc << 4) | static_cast<unsigned>(hexval(s[pos++]));
    if (acc > 0xFFFFFFFFull) return false;
  }
  v = static_cast<uint32_t>(acc);
  return pos > start;
}
bool parse_bytes(const std::string& s, std::size_t pos, std::size_t n, std::vector<uint8_t>& out) {
  if (s.size() - pos != 2 * n) return false;
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int h = hexval(s[pos + 2 * i]), l = hexval(s[pos + 2 * i + 1]);
    if (h < 0 || l < 0) return false;
    out[i] = static_cast<uint8_t>(h << 4 | l);
  }
  return true;
}
uint32_t le32(const uint8_t* p) {
  return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}
// Target description (qXfer:features:read:target.xml): the RV32 cpu feature
// and the machine-mode CSRs this core has, numbered as above.
std::string target_xml() {
  static const char* const kAbi[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
                                       "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
                                       "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
                                       "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  static const struct { const char* name; uint16_t num; } kCsrs[] = {
      {"mstatus", csr::kMstatus}, {"misa", csr::kMisa},       {"mie", csr::kMie},
      {"mtvec", csr::kMtvec},     {"mscratch", csr::kMscratch}, {"mepc", csr::kMepc},
      {"mcause", csr::kMcause},   {"mtval", csr::kMtval},     {"mip", csr::kMip},
      {"mcycle", csr::kMcycle},   {"minstret", csr::kMinstret}, {"mhartid", csr::kMhartid}};
  std::string x =
      "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
      "<target><architecture>riscv:rv32</architecture>"
      "<feature name=\"org.gnu.gdb.riscv.cpu\">";
  for (unsigned i = 0; i < 32; ++i)
    x += std::string("<reg name=\"") + kAbi[i] + "\" bitsize=\"32\" regnum=\"" +
         std::to_string(i) + (i == 2 ? "\" type=\"data_ptr\"/>" : "\" type=\"int\"/>");
  x += "<reg name=\"pc\" bitsize=\"32\" regnum=\"32\" type=\"code_ptr\"/></feature>"
       "<feature name=\"org.gnu.gdb.riscv.csr\">";
  for (const auto& c : kCsrs)
    x += std::string("<reg name=\"") + c.name + "\" bitsize=\"32\" regnum=\"" +
         std::to_string(kCsrBase + c.num) + "\" save-restore=\"no\" type=\"int\" group=\"csr\"/>";
  x += "</feature></target>";
  return x;
}
}  // namespace

namespace {
// The standalone ISS with its HTIF tohost protocol.
class StandaloneTarget : public GdbTarget {
 public:
  StandaloneTarget(IssStandalone& iss, std::ostream& console, StandaloneResult& r)
      : iss_(iss), console_(console), r_(r) {}
  Rv32Iss& core() override { return iss_.core(); }
  Outcome run(uint64_t n) override {
    const RunResult rr = iss_.core().run(n);
    Outcome o;
    o.executed = rr.executed;
    if (rr.reason == StopReason::kToHost) {
      if (!iss_.serve_tohost(console_, r_)) {
        o.event = Event::kExited;
        o.exit_code = r_.kind == StandaloneResult::Kind::kPass ? 0 : (r_.code & 0xFF ? r_.code & 0xFF : 1);
      }
    } else if (rr.reason != StopReason::kLimit) {
      o.event = Event::kStopped;
      o.watchpoint = rr.reason == StopReason::kWatchpoint;
    }
    return o;
  }

 private:
  IssStandalone& iss_;
  std::ostream& console_;
  StandaloneResult& r_;
};
}  // namespace

GdbStub::GdbStub(IssStandalone& iss, std::ostream& console, std::ostream& log)
    : iss_(&iss),
      own_target_(std::make_unique<StandaloneTarget>(iss, console, result_)),
      target_(*own_target_),
      console_(&console),
      log_(log) {}

GdbStub::GdbStub(GdbTarget& target, std::ostream& log) : target_(target), log_(log) {}

void GdbStub::end_of_simulation(int exit_code) {
  if (fd_ < 0 || !resuming_) return;
  char b[8];
  if (exit_code >= 0) std::snprintf(b, sizeof b, "W%02x", exit_code & 0xFF);
  else std::snprintf(b, sizeof b, "X09");
  put_packet(b);
  ::close(fd_);
  fd_ = -1;
  resuming_ = false;
}

GdbStub::~GdbStub() {
  if (fd_ >= 0) ::close(fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void GdbStub::listen(uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw GdbError(std::string("gdb: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, never any other address
  a.sin_port = htons(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 1) != 0)
    throw GdbError("gdb: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                   std::strerror(errno));
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  log_ << "gdb: listening on 127.0.0.1:" << port_ << std::endl;
}

bool GdbStub::read_byte(uint8_t& b) {
  for (;;) {
    const ssize_t n = ::recv(fd_, &b, 1, 0);
    if (n == 1) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

bool GdbStub::get_packet(std::string& data) {
  for (;;) {
    uint8_t c = 0;
    do {
      if (!read_byte(c)) return false;
    } while (c != '$');  // stray acks and Ctrl-C while stopped are ignored
    data.clear();
    unsigned sum = 0;
    for (;;) {
      if (!read_byte(c)) return false;
      if (c == '#') break;
      if (c == '$') {  // restart: the previous packet was cut off
        data.clear();
        sum = 0;
        continue;
      }
      sum += c;
      data += static_cast<char>(c);
    }
    uint8_t h = 0, l = 0;
    if (!read_byte(h) || !read_byte(l)) return false;
    const int hv = hexval(static_cast<char>(h)), lv = hexval(static_cast<char>(l));
    const bool ok = hv >= 0 && lv >= 0 && static_cast<unsigned>(hv << 4 | lv) == (sum & 0xFF);
    const char ack = ok ? '+' : '-';
    if (::send(fd_, &ack, 1, MSG_NOSIGNAL) != 1) return false;
    if (ok) return true;
  }
}

bool GdbStub::put_packet(const std::string& data) {
  std::string out = "$";
  unsigned sum = 0;
  for (char c : data) {
    // '$', '#', '}' and '*' must be escaped; none of our replies contain them.
    out += c;
    sum += static_cast<uint8_t>(c);
  }
  out += '#';
  put_hex8(out, static_cast<uint8_t>(sum));
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (::send(fd_, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
      return false;
    uint8_t c = 0;
    do {
      if (!read_byte(c)) return false;
    } while (c != '+' && c != '-');
    if (c == '+') return true;
  }
  return false;
}

bool GdbStub::interrupt_pending() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  uint8_t c = 0;
  if (!read_byte(c)) return true;  // connection gone: stop too; the next read sees EOF
  return c == 0x03;
}

void GdbStub::add_bp(uint32_t addr) {
  if (bps_[addr]++ == 0) target_.core().add_breakpoint(addr);
}
void GdbStub::remove_bp(uint32_t addr) {
  auto it = bps_.find(addr);
  if (it == bps_.end()) return;
  if (--it->second == 0) {
    bps_.erase(it);
    target_.core().remove_breakpoint(addr);
  }
}

std::string GdbStub::read_reg(unsigned n, bool& ok) {
  std::string s;
  ok = true;
  Rv32Iss& c = target_.core();
  uint32_t v = 0;
  if (n < 32) v = c.reg(n);
  else if (n == kPcReg) v = c.pc();
  else if (n >= kCsrBase && n < kCsrBase + 4096 && c.read_csr(static_cast<uint16_t>(n - kCsrBase), v)) {
  } else ok = false;
  if (ok) put_le32(s, v);
  return s;
}

bool GdbStub::write_reg(unsigned n, uint32_t v) {
  Rv32Iss& c = target_.core();
  if (n < 32) c.set_reg(n, v);
  else if (n == kPcReg) c.set_pc(v);
  else if (n >= kCsrBase && n < kCsrBase + 4096) return c.write_csr(static_cast<uint16_t>(n - kCsrBase), v);
  else return false;
  return true;
}

void GdbStub::resume(bool single_step, std::string& reply) {
  Rv32Iss& core = target_.core();
  const auto t0 = std::chrono::steady_clock::now();
  bool first = true;
  resuming_ = true;
  for (;;) {
    if (left_ == 0) {
      result_.kind = StandaloneResult::Kind::kStopped;
      char b[96];
      std::snprintf(b, sizeof b, "instruction limit reached at pc 0x%08x", core.pc());
      result_.message = b;
      reply = "X09";  // gdb: "terminated with signal SIGKILL"
      done_ = true;
      break;
    }
    // run() does not stop at a breakpoint on its first instruction; a chunk
    // of a continue that starts at one must stop here instead.
    if (!first && bps_.count(core.pc())) {
      reply = "T05";
      break;
    }
    const uint64_t chunk = single_step ? 1 : std::min<uint64_t>(left_, kPollInterval);
    const GdbTarget::Outcome o = target_.run(chunk);
    first = false;
    result_.instructions += o.executed;
    left_ -= std::min(left_, o.executed);
    since_poll_ += o.executed;
    if (o.event == GdbTarget::Event::kExited) {
      char b[8];
      std::snprintf(b, sizeof b, "W%02x", o.exit_code & 0xFF);
      reply = b;
      done_ = true;
      break;
    }
    if (o.event == GdbTarget::Event::kEnded) {
      reply = "X09";
      done_ = true;
      break;
    }
    if (o.event == GdbTarget::Event::kStopped || single_step) {
      // Breakpoint, watchpoint, EBREAK (if enabled), WFI with nothing to
      // wake it, double fault: stopped where it is, for the debugger to look
      // at. A watchpoint names itself and the data address (RSP stop reply
      // "T05watch:ADDR;"; the access has not happened yet: gdb steps over it).
      reply = "T05";
      if (o.watchpoint) {
        const WatchHit& w = core.watch_hit();
        char b[40];
        std::snprintf(b, sizeof b, "%s:%x;",
                      w.kind == WatchKind::kWrite  ? "watch"
                      : w.kind == WatchKind::kRead ? "rwatch"
                                                   : "awatch",
                      w.addr);
        reply += b;
      }
      break;
    }
    // Ran on: look for Ctrl-C now and then (a chunk may be short).
    if (since_poll_ >= kPollInterval || o.executed == 0) {
      since_poll_ = 0;
      if (interrupt_pending()) {
        reply = "T02";  // SIGINT
        break;
      }
    }
  }
  resuming_ = false;
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

GdbStub::Flow GdbStub::handle(const std::string& p, std::string& reply) {
  Rv32Iss& core = target_.core();
  reply.clear();
  if (p.empty()) return Flow::kReply;
  const char cmd = p[0];
  std::size_t pos = 1;
  switch (cmd) {
    case '?':
      reply = "T05";
      return Flow::kReply;
    case 'g':
      for (unsigned i = 0; i < 32; ++i) put_le32(reply, core.reg(i));
      put_le32(reply, core.pc());
      return Flow::kReply;
    case 'G': {
      std::vector<uint8_t> b;
      if (p.size() < 1 + 33 * 8 || !parse_bytes(p.substr(0, 1 + 33 * 8), 1, 33 * 4, b)) {
        reply = "E01";
        return Flow::kReply;
      }
      for (unsigned i = 0; i < 32; ++i) core.set_reg(i, le32(&b[4 * i]));
      core.set_pc(le32(&b[4 * 32]));
      reply = "OK";
      return Flow::kReply;
    }
    case 'p': {
      uint32_t n = 0;
      bool ok = false;
      if (parse_hex(p, pos, n)) reply = read_reg(n, ok);
      if (!ok) reply = "E01";
      return Flow::kReply;
    }
    case 'P': {
      uint32_t n = 0;
      std::vector<uint8_t> b;
      if (!parse_hex(p, pos, n) || pos >= p.size() || p[pos] != '=' ||
          !parse_bytes(p, pos + 1, 4, b) || !write_reg(n, le32(b.data())))
        reply = "E01";
      else
        reply = "OK";
      return Flow::kReply;
    }
    case 'm':
    case 'M': {
      uint32_t addr = 0, len = 0;
      if (!parse_hex(p, pos, addr) || pos >= p.size() || p[pos++] != ',' ||
          !parse_hex(p, pos, len) || len > kMaxMem) {
        reply = "E01";
        return Flow::kReply;
      }
      std::vector<uint8_t> b(len);
      if (cmd == 'm') {
        if (pos != p.size() || !core.debug_read(addr, b.data(), len)) {
          reply = "E01";
          return Flow::kReply;
        }
        for (uint8_t x : b) put_hex8(reply, x);
      } else {
        if (pos >= p.size() || p[pos] != ':' || !parse_bytes(p, pos + 1, len, b) ||
            !core.debug_write(addr, b.data(), len))
          reply = "E01";
        else
          reply = "OK";
      }
      return Flow::kReply;
    }
    case 'Z':
    case 'z': {
      // Z0 (software) and Z1 (hardware) are both ISS breakpoints; Z2 (write),
      // Z3 (read), Z4 (access) are ISS watchpoints: "Z2,addr,length".
      if (p.size() < 3 || p[1] < '0' || p[1] > '4' || p[2] != ',') return Flow::kReply;
      pos = 3;
      uint32_t addr = 0, len = 0;
      if (!parse_hex(p, pos, addr) || pos >= p.size() || p[pos++] != ',' || !parse_hex(p, pos, len)) {
        reply = "E01";
        return Flow::kReply;
      }
      if (p[1] <= '1') {
        if (cmd == 'Z') add_bp(addr);
        else remove_bp(addr);
        reply = "OK";
        return Flow::kReply;
      }
      if (len == 0) {
        reply = "E01";
        return Flow::kReply;
      }
      const WatchKind kind = p[1] == '2' ? WatchKind::kWrite : p[1] == '3' ? WatchKind::kRead
                                                                           : WatchKind::kAccess;
      if (cmd == 'Z') {
        core.add_watchpoint(addr, len, kind);
        watches_.push_back({addr, len, kind});
        reply = "OK";
      } else {
        reply = "OK";  // removing one that is not set is fine (gdb may retry)
        for (auto it = watches_.begin(); it != watches_.end(); ++it)
          if (it->addr == addr && it->len == len && it->kind == kind) {
            core.remove_watchpoint(addr, len, kind);
            watches_.erase(it);
            break;
          }
      }
      return Flow::kReply;
    }
    case 's':
    case 'c': {
      uint32_t addr = 0;
      if (parse_hex(p, pos, addr)) core.set_pc(addr);
      resume(cmd == 's', reply);
      return done_ ? Flow::kEnd : Flow::kReply;
    }
    case 'k':
      result_.kind = StandaloneResult::Kind::kStopped;
      result_.message = "killed by the debugger";
      return Flow::kNoReply;  // and end
    case 'D':
      reply = "OK";
      return Flow::kEnd;
    case 'H':
      reply = "OK";
      return Flow::kReply;
    case 'q':
      if (p.rfind("qSupported", 0) == 0) {
        reply = "PacketSize=4000;qXfer:features:read+";
      } else if (p.rfind("qXfer:features:read:target.xml:", 0) == 0) {
        pos = std::strlen("qXfer:features:read:target.xml:");
        uint32_t off = 0, len = 0;
        const std::string xml = target_xml();
        if (!parse_hex(p, pos, off) || pos >= p.size() || p[pos++] != ',' ||
            !parse_hex(p, pos, len)) {
          reply = "E01";
        } else if (off >= xml.size()) {
          reply = "l";
        } else {
          len = std::min<uint32_t>(len, kMaxMem);
          const std::string part = xml.substr(off, len);
          reply = (off + part.size() >= xml.size() ? "l" : "m") + part;
        }
      } else if (p == "qAttached") {
        reply = "1";
      }
      else if (p == "qC") reply = "QC1";
      else if (p == "qfThreadInfo") reply = "m1";
      else if (p == "qsThreadInfo") reply = "l";
      return Flow::kReply;
    case 'T':  // thread alive?
      reply = "OK";
      return Flow::kReply;
    default:
      return Flow::kReply;  // unknown: empty reply
  }
}

StandaloneResult GdbStub::serve(int accept_timeout_ms, uint64_t max_instructions) {
  left_ = max_instructions;
  pollfd pl{listen_fd_, POLLIN, 0};
  int pr;
  do {
    pr = ::poll(&pl, 1, accept_timeout_ms);
  } while (pr < 0 && errno == EINTR);
  if (pr <= 0)
    throw GdbError("gdb: no debugger connected to 127.0.0.1:" + std::to_string(port_) + " within " +
                   std::to_string(accept_timeout_ms / 1000) + " s");
  fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd_ < 0) throw GdbError(std::string("gdb: accept: ") + std::strerror(errno));
  ::close(listen_fd_);
  listen_fd_ = -1;
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  log_ << "gdb: debugger connected" << std::endl;

  result_.kind = StandaloneResult::Kind::kStopped;
  result_.message = "debugger disconnected";
  std::string pkt, reply;
  bool detached = false;
  for (;;) {
    if (!get_packet(pkt)) break;
    const Flow f = handle(pkt, reply);
    if (f == Flow::kNoReply) break;  // k
    if (!put_packet(reply)) break;
    if (f == Flow::kEnd) {
      detached = !done_;
      break;
    }
  }
  ::close(fd_);
  fd_ = -1;
  if (detached) {
    // D: the program runs on, without breakpoints or watchpoints, to its end.
    log_ << "gdb: debugger detached; running on" << std::endl;
    for (const auto& bp : bps_) target_.core().remove_breakpoint(bp.first);
    bps_.clear();
    for (const Watch& w : watches_) target_.core().remove_watchpoint(w.addr, w.len, w.kind);
    watches_.clear();
    detached_ = true;
    if (!iss_) {
      result_.seconds = seconds_;
      return result_;  // the caller runs the core on
    }
    StandaloneResult rest = iss_->run(left_, *console_, nullptr);
    rest.instructions += result_.instructions;
    rest.seconds += seconds_;
    return rest;
  }
  result_.seconds = seconds_;
  return result_;
}

}  // namespace trnsim::mgmt
