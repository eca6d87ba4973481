// Assembly text -> instructions. The grammar is in docs/isa.md; every error
// names the file, line, column and the offending token.
#include "isa/assembler.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

namespace trnsim::isa {

AsmError::AsmError(std::string file, int line, int column, std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                         ": error: " + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

namespace {

struct Tok {
  char kind;  // 'i' identifier, 'n' number, 'p' punctuation
  std::string s;
  int col;  // 1-based
};

using Toks = std::vector<Tok>;

class LineParser {
 public:
  LineParser(const std::string& line, const std::string& file, int line_no)
      : line_(line), file_(file), line_no_(line_no) {}

  [[noreturn]] void fail(int col, const std::string& msg) const {
    throw AsmError(file_, line_no_, col, msg);
  }

  Toks lex() const {
    Toks t;
    const std::string& s = line_;
    std::size_t i = 0;
    auto is_id = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
    while (i < s.size()) {
      const char c = s[i];
      const int col = int(i) + 1;
      if (c == '#') break;
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
        std::size_t j = i;
        while (j < s.size() && is_id(s[j])) ++j;
        t.push_back({'i', s.substr(i, j - i), col});
        i = j;
        continue;
      }
      const bool sign = (c == '+' || c == '-') && i + 1 < s.size() &&
                        (std::isalnum(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '.');
      if (std::isdigit(static_cast<unsigned char>(c)) || sign) {
        std::size_t j = i + (sign ? 1 : 0);
        const bool hexnum = j + 1 < s.size() && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X');
        while (j < s.size()) {
          const char d = s[j];
          if (std::isalnum(static_cast<unsigned char>(d)) || d == '.' || d == '_') {
            ++j;
          } else if ((d == '+' || d == '-') && !hexnum && (s[j - 1] == 'e' || s[j - 1] == 'E')) {
            ++j;
          } else {
            break;
          }
        }
        t.push_back({'n', s.substr(i, j - i), col});
        i = j;
        continue;
      }
      if (c == '>' && i + 1 < s.size() && s[i + 1] == '=') {
        t.push_back({'p', ">=", col});
        i += 2;
        continue;
      }
      if (std::strchr("[],:=", c)) {
        t.push_back({'p', std::string(1, c), col});
        ++i;
        continue;
      }
      fail(col, std::string("unexpected character '") + c + "'");
    }
    return t;
  }

  // The source text of tokens [first, last].
  std::string text(const Toks& t) const {
    if (t.empty()) return "";
    const Tok& last = t.back();
    const std::size_t from = std::size_t(t.front().col - 1);
    const std::size_t to = std::size_t(last.col - 1) + last.s.size();
    return line_.substr(from, to - from);
  }

  // Integers: decimal or 0x hex, optional sign.
  int64_t integer(const Tok& t, int64_t lo, int64_t hi, const std::string& what) const {
    const std::string& s = t.s;
    std::size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    int base = 10;
    if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
      base = 16;
      i += 2;
    }
    if (t.kind != 'n' || i >= s.size()) fail(t.col, "bad number '" + s + "' for " + what);
    uint64_t v = 0;
    for (; i < s.size(); ++i) {
      const char c = char(std::tolower(static_cast<unsigned char>(s[i])));
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else fail(t.col, "bad number '" + s + "' for " + what);
      v = v * uint64_t(base) + uint64_t(d);
      if (v > (uint64_t(1) << 40)) fail(t.col, what + " " + s + " is out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
    }
    const int64_t sv = neg ? -int64_t(v) : int64_t(v);
    if (sv < lo || sv > hi)
      fail(t.col, what + " " + s + " is out of range (" + std::to_string(lo) + ".." +
                      std::to_string(hi) + ")");
    return sv;
  }

  uint64_t address(const Tok& t, const std::string& what) const {
    // 64-bit addresses: hex or decimal, no sign.
    const std::string& s = t.s;
    if (t.kind != 'n' || s.empty() || s[0] == '-' || s[0] == '+') fail(t.col, "bad " + what + " '" + s + "'");
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
    if (errno || *end) fail(t.col, "bad " + what + " '" + s + "'");
    return v;
  }

  uint32_t fp32(const Toks& t, const std::string& what) const {
    if (t.size() == 3 && t[0].kind == 'i' && t[0].s == "f32" && t[1].s == ":")
      return uint32_t(integer(t[2], 0, 0xFFFFFFFFll, "f32 bits"));
    if (t.size() != 1) fail(t.front().col, "bad " + what + " '" + text(t) + "'");
    const std::string& s = t[0].s;
    std::string body = s;
    bool neg = false;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
      neg = body[0] == '-';
      body = body.substr(1);
    }
    float f;
    if (body == "inf") {
      f = neg ? -INFINITY : INFINITY;
    } else if (body == "nan") {
      if (neg) fail(t[0].col, "bad " + what + " '" + s + "'");
      return numerics::kCanonicalNan;
    } else {
      if (t[0].kind != 'n') fail(t[0].col, "bad " + what + " '" + s + "'");
      errno = 0;
      char* end = nullptr;
      f = std::strtof(s.c_str(), &end);
      if (*end || end == s.c_str()) fail(t[0].col, "bad " + what + " '" + s + "'");
    }
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
  }

  unsigned numbered(const Toks& t, char prefix, const std::string& what, unsigned max) const {
    const std::string expect = std::string(1, prefix) + "<number>";
    if (t.size() != 1 || t[0].kind != 'i' || t[0].s.size() < 2 || t[0].s[0] != prefix)
      fail(t.front().col, "bad " + what + " '" + text(t) + "': expected " + expect);
    Tok num{'n', t[0].s.substr(1), t[0].col};
    for (char c : num.s)
      if (!std::isdigit(static_cast<unsigned char>(c)))
        fail(t[0].col, "bad " + what + " '" + t[0].s + "': expected " + expect);
    return unsigned(integer(num, 0, max, what));
  }

  // Split on commas outside brackets.
  std::vector<Toks> split(const Toks& t, std::size_t from, std::size_t to, int empty_col) const {
    std::vector<Toks> out;
    Toks cur;
    int depth = 0;
    int last_comma = empty_col;
    for (std::size_t i = from; i < to; ++i) {
      const Tok& k = t[i];
      if (k.kind == 'p' && k.s == "[") ++depth;
      if (k.kind == 'p' && k.s == "]") --depth;
      if (k.kind == 'p' && k.s == "," && depth == 0) {
        if (cur.empty()) fail(k.col, "empty operand before ','");
        out.push_back(cur);
        cur.clear();
        last_comma = k.col;
        continue;
      }
      cur.push_back(k);
    }
    if (!cur.empty()) out.push_back(cur);
    else if (!out.empty()) fail(last_comma, "empty operand after ','");
    return out;
  }

  // sbuf.bf16[...], psum3.fp32[...], an immediate, or _.
  Operand operand(const Toks& t, const std::string& what, bool column_ok) const {
    if (t.size() == 1 && t[0].kind == 'i' && t[0].s == "_") return Operand{};
    const bool is_mem = t[0].kind == 'i' && t[0].s.find('.') != std::string::npos &&
                        (t[0].s.rfind("sbuf", 0) == 0 || t[0].s.rfind("psum", 0) == 0);
    if (!is_mem) {
      const bool looks_imm = t[0].kind == 'n' || (t[0].kind == 'i' && (t[0].s == "inf" || t[0].s == "nan" || t[0].s == "f32"));
      if (!looks_imm)
        fail(t[0].col, "bad operand '" + text(t) + "' for " + what +
                           ": expected sbuf.<dtype>[...], psum<bank>.<dtype>[...], an immediate or _");
      return imm_bits(fp32(t, "immediate"));
    }
    const std::string& ms = t[0].s;
    const std::size_t dot = ms.find('.');
    const std::string mem = ms.substr(0, dot), dts = ms.substr(dot + 1);
    Operand o;
    if (mem == "sbuf") {
      o.kind = Kind::SBUF;
    } else {
      o.kind = Kind::PSUM;
      const std::string bank = mem.substr(4);
      bool ok = !bank.empty() && bank.size() <= 3;
      for (char c : bank) ok = ok && std::isdigit(static_cast<unsigned char>(c));
      if (!ok) fail(t[0].col, "bad memory '" + mem + "': expected sbuf or psum<bank>");
      o.bank = uint8_t(integer(Tok{'n', bank, t[0].col}, 0, 7, "PSUM bank"));
    }
    const auto dt = parse_dtype(dts);
    if (!dt) fail(t[0].col + int(dot) + 1, "unknown dtype '" + dts + "' (bf16, fp8e4m3, fp8e5m2, fp32, int32)");
    o.dtype = *dt;
    if (t.size() < 3 || t[1].s != "[" || t.back().s != "]")
      fail(t[0].col, "bad operand '" + text(t) + "': expected " + ms + "[start:end, offset, elems]");
    const auto items = split(t, 2, t.size() - 1, t[1].col);
    if (items.size() == 1) {  // a column
      if (!column_ok)
        fail(t[0].col, "'" + text(t) + "' is a column; " + what +
                           " needs a tensor " + ms + "[start:end, offset, elems]");
      if (items[0].size() != 1) fail(items[0][0].col, "bad offset '" + text(items[0]) + "'");
      o.offset = uint32_t(integer(items[0][0], 0, (1 << 20) - 1, "byte offset"));
      return o;
    }
    if (items.size() < 3)
      fail(t[0].col, "bad operand '" + text(t) + "': expected " + ms + "[start:end, offset, elems]");
    const Toks& pr = items[0];
    if (pr.size() != 3 || pr[1].s != ":")
      fail(pr[0].col, "bad partition range '" + text(pr) + "': expected start:end");
    const int64_t start = integer(pr[0], 0, kMaxPartitions - 1, "partition start");
    const int64_t end = integer(pr[2], start + 1, start + kMaxPartitions, "partition end");
    o.start = uint8_t(start);
    o.count = uint16_t(end - start);
    if (items[1].size() != 1) fail(items[1][0].col, "bad offset '" + text(items[1]) + "'");
    o.offset = uint32_t(integer(items[1][0], 0, (1 << 20) - 1, "byte offset"));
    if (items[2].size() != 1) fail(items[2][0].col, "bad element count '" + text(items[2]) + "'");
    o.n0 = uint16_t(integer(items[2][0], 1, 65535, "elements per row"));
    o.n1 = 1;
    o.s0 = 1;
    for (std::size_t i = 3; i < items.size(); ++i) {
      const Toks& kv = items[i];
      if (kv.size() != 3 || kv[0].kind != 'i' || kv[1].s != "=")
        fail(kv[0].col, "bad access-pattern option '" + text(kv) + "': expected s0=, n1= or s1=");
      if (kv[0].s == "s0") o.s0 = int16_t(integer(kv[2], -32768, 32767, "s0"));
      else if (kv[0].s == "n1") o.n1 = uint16_t(integer(kv[2], 1, 65535, "n1"));
      else if (kv[0].s == "s1") o.s1 = int32_t(integer(kv[2], INT32_MIN, INT32_MAX, "s1"));
      else fail(kv[0].col, "unknown access-pattern option '" + kv[0].s + "' (s0, n1, s1)");
    }
    return o;
  }

  Instruction parse(const Toks& t) const {
    const Tok& m = t[0];
    if (m.kind != 'i') fail(m.col, "expected a mnemonic, not '" + m.s + "'");
    const std::size_t dot = m.s.find('.');
    const std::string base = m.s.substr(0, dot);
    const std::string sub = dot == std::string::npos ? "" : m.s.substr(dot + 1);
    const auto op = parse_opcode(base);
    if (!op) fail(m.col, "unknown mnemonic '" + m.s + "'");
    Instruction in;
    in.op = *op;
    if (in.op == Opcode::ACTIVATE) {
      const auto f = parse_act_func(sub);
      if (!f) fail(m.col, "unknown mnemonic '" + m.s + "' (activate.<function>: identity, relu, gelu_tanh, sigmoid, tanh, exp, reciprocal, rsqrt, square)");
      in.func = *f;
    } else if (in.op == Opcode::ALU || in.op == Opcode::REDUCE) {
      const auto a = parse_alu_op(sub);
      if (!a) fail(m.col, "unknown mnemonic '" + m.s + "' (" + base + ".<op>: add, sub, mul, max, min)");
      in.alu = *a;
    } else if (dot != std::string::npos) {
      fail(m.col, "unknown mnemonic '" + m.s + "'");
    }
    // Arguments: positionals, bare flags, key=value.
    std::vector<Toks> pos;
    std::map<std::string, std::pair<Toks, int>> keys;
    std::vector<Tok> flags;
    for (const Toks& a : split(t, 1, t.size(), m.col)) {
      if (a.size() >= 2 && a[0].kind == 'i' && a[1].s == "=") {
        if (a.size() == 2) fail(a[1].col, "missing value after '" + a[0].s + "='");
        if (keys.count(a[0].s)) fail(a[0].col, "option '" + a[0].s + "' given twice");
        keys[a[0].s] = {Toks(a.begin() + 2, a.end()), a[0].col};
      } else if (a.size() == 1 && a[0].kind == 'i' &&
                 (a[0].s == "accumulate" || a[0].s == "reuse_weights")) {
        flags.push_back(a[0]);
      } else {
        if (!keys.empty() || !flags.empty())
          fail(a[0].col, "operand '" + text(a) + "' after options");
        pos.push_back(a);
      }
    }
    std::map<std::string, int> cols;  // field -> column, for check() errors
    auto want = [&](std::size_t n, const char* names) {
      if (pos.size() != n)
        fail(pos.size() > n ? pos[n][0].col : m.col,
             m.s + " takes " + std::to_string(n) + " operand" + (n == 1 ? "" : "s") +
                 (n ? std::string(" (") + names + ")" : std::string()) + ", got " +
                 std::to_string(pos.size()));
    };
    auto slot = [&](std::size_t i, const char* name, bool column_ok = false) {
      cols[name] = pos[i][0].col;
      return operand(pos[i], name, column_ok);
    };
    switch (in.op) {
      case Opcode::NOP:
      case Opcode::END: want(0, ""); break;
      case Opcode::WAIT:
      case Opcode::SIGNAL:
      case Opcode::SEM_SET:
        want(2, "semaphore, value");
        in.sem = uint8_t(numbered(pos[0], 's', "semaphore", 255));
        if (pos[1].size() != 1) fail(pos[1][0].col, "bad value '" + text(pos[1]) + "'");
        in.value = uint32_t(integer(pos[1][0], 0, 0xFFFFFFFFll, "value"));
        break;
      case Opcode::DMA_START:
        want(3, "queue, descriptor address, count");
        in.queue = uint8_t(numbered(pos[0], 'q', "queue", 255));
        if (pos[1].size() != 1) fail(pos[1][0].col, "bad descriptor address '" + text(pos[1]) + "'");
        in.desc_addr = address(pos[1][0], "descriptor address");
        if (pos[2].size() != 1) fail(pos[2][0].col, "bad count '" + text(pos[2]) + "'");
        in.desc_count = uint16_t(integer(pos[2][0], 1, 65535, "descriptor count"));
        break;
      case Opcode::MATMUL:
        want(3, "D, A, B");
        in.d = slot(0, "D");
        in.a = slot(1, "A");
        in.b = slot(2, "B");
        for (const Tok& f : flags) {
          if (f.s == "accumulate") in.accumulate = true;
          if (f.s == "reuse_weights") in.load_weights = false;
        }
        flags.clear();
        break;
      case Opcode::ACTIVATE:
        want(2, "D, A");
        in.d = slot(0, "D");
        in.a = slot(1, "A");
        in.bias = imm(0.0f);
        in.scale = imm(1.0f);
        for (const char* k : {"bias", "scale", "acc"}) {
          auto it = keys.find(k);
          if (it == keys.end()) continue;
          cols[k] = it->second.second;
          const Operand o = operand(it->second.first, k, true);
          if (std::string(k) == "bias") in.bias = o;
          else if (std::string(k) == "scale") in.scale = o;
          else in.acc = o;
          keys.erase(it);
        }
        break;
      case Opcode::ALU:
        want(3, "D, A, B");
        in.d = slot(0, "D");
        in.a = slot(1, "A");
        in.b = slot(2, "B");
        break;
      case Opcode::REDUCE:
      case Opcode::COPY:
      case Opcode::TRANSPOSE:
        want(2, "D, A");
        in.d = slot(0, "D");
        in.a = slot(1, "A");
        break;
      case Opcode::MEMSET:
        want(2, "D, value");
        in.d = slot(0, "D");
        in.a = slot(1, "A");
        break;
      case Opcode::IOTA: {
        want(4, "D, base, partition step, free step");
        in.d = slot(0, "D");
        int32_t* dst[3] = {&in.iota_base, &in.iota_part_step, &in.iota_free_step};
        const char* names[3] = {"iota base", "partition step", "free step"};
        for (int i = 0; i < 3; ++i) {
          if (pos[i + 1].size() != 1) fail(pos[i + 1][0].col, std::string("bad ") + names[i] + " '" + text(pos[i + 1]) + "'");
          *dst[i] = int32_t(integer(pos[i + 1][0], INT32_MIN, INT32_MAX, names[i]));
        }
        break;
      }
      default: break;
    }
    if (!flags.empty()) fail(flags[0].col, "option '" + flags[0].s + "' is not valid for " + m.s);
    if (in.op == Opcode::DMA_START) {
      auto it = keys.find("done");
      if (it != keys.end()) {
        in.done_en = true;
        in.done_sem = uint8_t(numbered(it->second.first, 's', "semaphore", 255));
        keys.erase(it);
      }
    }
    auto it = keys.find("wait");
    if (it != keys.end()) {
      const Toks& v = it->second.first;
      if (v.size() != 3 || v[1].s != ">=")
        fail(v[0].col, "bad wait '" + text(v) + "': expected wait=s<n>>=<value>");
      in.wait_en = true;
      in.wait_sem = uint8_t(numbered(Toks{v[0]}, 's', "semaphore", 255));
      in.wait_value = uint32_t(integer(v[2], 0, 0xFFFFFFFFll, "wait value"));
      keys.erase(it);
    }
    it = keys.find("signal");
    if (it != keys.end()) {
      in.signal_en = true;
      in.signal_sem = uint8_t(numbered(it->second.first, 's', "semaphore", 255));
      keys.erase(it);
    }
    if (!keys.empty())
      fail(keys.begin()->second.second, "unknown option '" + keys.begin()->first + "' for " + m.s);
    if (auto p = check(in)) {
      const std::string head = p->field.substr(0, p->field.find('.'));
      const auto c = cols.find(head);
      fail(c == cols.end() ? m.col : c->second, p->field + ": " + p->message);
    }
    return in;
  }

 private:
  const std::string& line_;
  const std::string& file_;
  int line_no_;
};

template <typename OnInstr, typename OnEngine>
void each_line(const std::string& text, const std::string& file, OnInstr on_instr,
               OnEngine on_engine) {
  std::size_t pos = 0;
  int line_no = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ++line_no;
    pos = nl + 1;
    const LineParser lp(line, file, line_no);
    const Toks t = lp.lex();
    if (t.empty()) continue;
    if (t[0].kind == 'i' && t[0].s[0] == '.') {
      if (t[0].s != ".engine") lp.fail(t[0].col, "unknown directive '" + t[0].s + "'");
      if (t.size() != 2 || t[1].kind != 'i')
        lp.fail(t[0].col, "expected .engine <tensor|vector|scalar|gpsimd|sync>");
      const auto e = parse_engine(t[1].s);
      if (!e) lp.fail(t[1].col, "unknown engine '" + t[1].s + "' (tensor, vector, scalar, gpsimd, sync)");
      on_engine(*e, lp, t[0].col);
      continue;
    }
    const Instruction in = lp.parse(t);
    on_instr(in, lp, t[0].col);
  }
}

void check_engine(const Instruction& in, Engine e, const LineParser& lp, int col) {
  if (!engine_executes(e, in.op))
    lp.fail(col, std::string(opcode_name(in.op)) + " does not run on the " + engine_name(e) +
                     " engine (runs on: " + engines_of(in.op) + ")");
}
}  // namespace

Program assemble(const std::string& text, const std::string& file) {
  Program prog;
  std::optional<Engine> cur;
  each_line(
      text, file,
      [&](const Instruction& in, const LineParser& lp, int col) {
        if (!cur) lp.fail(col, "instruction before any '.engine' line");
        check_engine(in, *cur, lp, col);
        prog[*cur].push_back(in);
      },
      [&](Engine e, const LineParser&, int) { cur = e; });
  return prog;
}

std::vector<Instruction> assemble_stream(const std::string& text, const std::string& file,
                                         std::optional<Engine> engine) {
  std::vector<Instruction> out;
  each_line(
      text, file,
      [&](const Instruction& in, const LineParser& lp, int col) {
        if (engine) check_engine(in, *engine, lp, col);
        out.push_back(in);
      },
      [&](Engine, const LineParser& lp, int col) {
        lp.fail(col, "'.engine' is only allowed in a program (use assemble)");
      });
  return out;
}

Instruction assemble_line(const std::string& line, const std::string& file, int line_no) {
  const LineParser lp(line, file, line_no);
  const Toks t = lp.lex();
  if (t.empty()) lp.fail(1, "empty line");
  return lp.parse(t);
}

}  // namespace trnsim::isa
