// Assembly text -> instructions (docs/isa.md, "Assembly syntax"): one
// instruction per line, '#' starts a comment, ".engine <name>" selects the
// stream the following lines go to.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "isa/isa.h"

namespace trnsim::isa {

// what() is "<file>:<line>:<column>: error: <message>" (line and column
// 1-based; the column of the offending token, which the message quotes).
class AsmError : public std::runtime_error {
 public:
  AsmError(std::string file, int line, int column, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_, column_;
  std::string message_;
};

// A whole kernel: every instruction must follow an ".engine" line, and must
// be one that engine executes.
Program assemble(const std::string& text, const std::string& file = "<input>");
// One stream (no ".engine" lines); if `engine` is given, each instruction
// must be one it executes.
std::vector<Instruction> assemble_stream(const std::string& text,
                                         const std::string& file = "<input>",
                                         std::optional<Engine> engine = std::nullopt);
// One line (no comment handling beyond '#'); for tools and tests.
Instruction assemble_line(const std::string& line, const std::string& file = "<input>",
                          int line_no = 1);

}  // namespace trnsim::isa
