// The text matrix format of `trnsim gemm` (docs/usage.md):
//
//   # comment lines start with '#'
//   trnsim-matrix 1
//   dtype bf16            (bf16 | fp8e4m3 | fp8e5m2 | fp32)
//   shape 4 8             (rows cols)
//   3f80                  (rows*cols hex codes, one per line, row-major)
//   ...
//
// Errors name the file and line.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace trnsim::app {

struct Matrix {
  std::string dtype;  // "bf16", "fp8e4m3", "fp8e5m2" or "fp32"
  std::size_t rows = 0, cols = 0;
  std::vector<uint32_t> values;  // codes (low bits) or FP32 bits
};

class MatrixFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses text; `source` names it in errors (a file name).
Matrix parse_matrix(const std::string& text, const std::string& source);
Matrix read_matrix(const std::string& path);
std::string format_matrix(const Matrix& m);
// Writes to path via a temporary file and rename, so a failed write never
// leaves a half-written file behind.
void write_matrix(const std::string& path, const Matrix& m);

}  // namespace trnsim::app
