#include "matrix_io.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace trnsim::app {

namespace {

unsigned code_bits(const std::string& dtype) {
  if (dtype == "bf16") return 16;
  if (dtype == "fp8e4m3" || dtype == "fp8e5m2") return 8;
  if (dtype == "fp32") return 32;
  return 0;
}

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& what) {
  throw MatrixFormatError(source + ":" + std::to_string(line) + ": " + what);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

Matrix parse_matrix(const std::string& text, const std::string& source) {
  Matrix m;
  std::istringstream in(text);
  std::string raw;
  std::size_t line = 0;
  enum { kMagic, kDtype, kShape, kValues } state = kMagic;
  std::size_t expected = 0;
  while (std::getline(in, raw)) {
    ++line;
    const std::string s = trim(raw);
    if (s.empty() || s[0] == '#') continue;
    std::istringstream ls(s);
    std::string word;
    ls >> word;
    switch (state) {
      case kMagic: {
        int version = 0;
        if (word != "trnsim-matrix" || !(ls >> version))
          fail(source, line, "expected 'trnsim-matrix 1' as the first line");
        if (version != 1) fail(source, line, "unsupported format version " + std::to_string(version));
        state = kDtype;
        break;
      }
      case kDtype:
        if (word != "dtype" || !(ls >> m.dtype)) fail(source, line, "expected 'dtype NAME'");
        if (code_bits(m.dtype) == 0)
          fail(source, line, "unknown dtype '" + m.dtype + "' (bf16, fp8e4m3, fp8e5m2, fp32)");
        state = kShape;
        break;
      case kShape: {
        long long r = -1, c = -1;
        if (word != "shape" || !(ls >> r >> c)) fail(source, line, "expected 'shape ROWS COLS'");
        if (r <= 0 || c <= 0 || r > (1 << 20) || c > (1 << 20))
          fail(source, line, "shape must be between 1 and 1048576 in each dimension");
        m.rows = static_cast<std::size_t>(r);
        m.cols = static_cast<std::size_t>(c);
        expected = m.rows * m.cols;
        m.values.reserve(expected);
        state = kValues;
        break;
      }
      case kValues: {
        if (m.values.size() == expected)
          fail(source, line, "more than the " + std::to_string(expected) + " values the shape gives");
        std::string rest;
        if (ls >> rest) fail(source, line, "one value per line expected, found '" + rest + "'");
        std::string hex = word;
        if (hex.size() > 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex = hex.substr(2);
        const unsigned bits = code_bits(m.dtype);
        if (hex.empty() || hex.size() > bits / 4 ||
            hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
          fail(source, line,
               "'" + word + "' is not a " + std::to_string(bits) + "-bit hex value for " + m.dtype);
        m.values.push_back(static_cast<uint32_t>(std::stoul(hex, nullptr, 16)));
        break;
      }
    }
  }
  if (state != kValues) fail(source, line, "file ends before the header is complete");
  if (m.values.size() != expected)
    fail(source, line,
         "file ends after " + std::to_string(m.values.size()) + " of " + std::to_string(expected) +
             " values (shape " + std::to_string(m.rows) + "x" + std::to_string(m.cols) + ")");
  return m;
}

Matrix read_matrix(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw MatrixFormatError(path + ": cannot open for reading");
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_matrix(ss.str(), path);
}

std::string format_matrix(const Matrix& m) {
  std::ostringstream out;
  out << "trnsim-matrix 1\ndtype " << m.dtype << "\nshape " << m.rows << " " << m.cols << "\n";
  const unsigned digits = code_bits(m.dtype) / 4;
  char buf[16];
  for (uint32_t v : m.values) {
    std::snprintf(buf, sizeof buf, "%0*x\n", static_cast<int>(digits), v);
    out << buf;
  }
  return out.str();
}

void write_matrix(const std::string& path, const Matrix& m) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw MatrixFormatError(path + ": cannot open for writing");
    f << format_matrix(m);
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw MatrixFormatError(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw MatrixFormatError(path + ": cannot rename the temporary file into place");
  }
}

}  // namespace trnsim::app
