// The matrix text format of `trnsim gemm`: parsing, errors that name the file
// and line, and writes that never leave a half-written file.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "matrix_io.h"

using trnsim::app::format_matrix;
using trnsim::app::Matrix;
using trnsim::app::MatrixFormatError;
using trnsim::app::parse_matrix;

TEST_CASE("matrix_io: parses the documented format", "[app]") {
  const Matrix m = parse_matrix(
      "# a comment\n"
      "trnsim-matrix 1\n"
      "dtype bf16\n"
      "\n"
      "shape 2 3\n"
      "3f80\n0x4000\n  c040 \n# comments between values are fine\n0000\n8000\n7fc0\n",
      "m.txt");
  CHECK(m.dtype == "bf16");
  CHECK(m.rows == 2);
  CHECK(m.cols == 3);
  CHECK(m.values == std::vector<uint32_t>{0x3f80, 0x4000, 0xc040, 0x0000, 0x8000, 0x7fc0});
  CHECK(parse_matrix(format_matrix(m), "round-trip").values == m.values);
}

TEST_CASE("matrix_io: errors name the file, the line and the problem", "[app]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "m.txt:0: file ends before the header is complete"},
      {"matrix 1\n", "m.txt:1: expected 'trnsim-matrix 1'"},
      {"trnsim-matrix 2\n", "m.txt:1: unsupported format version 2"},
      {"trnsim-matrix 1\ndtype fp16\n", "m.txt:2: unknown dtype 'fp16'"},
      {"trnsim-matrix 1\ndtype bf16\nshape 2\n", "m.txt:3: expected 'shape ROWS COLS'"},
      {"trnsim-matrix 1\ndtype bf16\nshape 0 2\n", "m.txt:3: shape must be between"},
      {"trnsim-matrix 1\ndtype bf16\nshape 1 2\n3f80\n", "m.txt:4: file ends after 1 of 2 values"},
      {"trnsim-matrix 1\ndtype bf16\nshape 1 1\n3f80\n3f80\n", "m.txt:5: more than the 1 values"},
      {"trnsim-matrix 1\ndtype fp8e4m3\nshape 1 1\n1ff\n", "m.txt:4: '1ff' is not a 8-bit hex value"},
      {"trnsim-matrix 1\ndtype bf16\nshape 1 1\nxyz\n", "m.txt:4: 'xyz' is not a 16-bit hex value"},
      {"trnsim-matrix 1\ndtype bf16\nshape 1 2\n3f80 4000\n", "m.txt:4: one value per line"},
  };
  for (const Case& c : cases) {
    INFO("input: " << c.text);
    CHECK_THROWS_WITH(parse_matrix(c.text, "m.txt"), Catch::StartsWith(c.message));
  }
  CHECK_THROWS_AS(trnsim::app::read_matrix("/nonexistent/m.txt"), MatrixFormatError);
}

TEST_CASE("matrix_io: writes go through a temporary file", "[app]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "trnsim_matrix_io_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  Matrix m;
  m.dtype = "fp32";
  m.rows = 1;
  m.cols = 2;
  m.values = {0x3f800000u, 0x7fc00000u};
  const fs::path out = dir / "c.txt";
  trnsim::app::write_matrix(out.string(), m);
  CHECK(trnsim::app::read_matrix(out.string()).values == m.values);
  CHECK_FALSE(fs::exists(dir / "c.txt.tmp"));
  // A directory that does not exist: an error, and nothing left behind.
  CHECK_THROWS_WITH(trnsim::app::write_matrix((dir / "no" / "c.txt").string(), m),
                    Catch::Contains("cannot open for writing"));
  CHECK(fs::exists(out));
  fs::remove_all(dir);
}
