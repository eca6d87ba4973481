// Binary -> assembly text (docs/isa.md, "Assembly syntax"). The output
// assembles back to the same instructions bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/isa.h"

namespace trnsim::isa {

std::string disassemble(const Operand& o);              // "sbuf.bf16[0:128, 0x100, 64]", "1.5", "_"
std::string disassemble(const Instruction& in);         // one line, no newline
std::string disassemble(const std::vector<Instruction>& stream);  // one line each
std::string disassemble(const Program& prog);           // ".engine <name>" before each stream
// A binary stream (64 bytes per instruction); throws IsaError on a bad one.
std::string disassemble_bytes(const uint8_t* data, std::size_t size);

}  // namespace trnsim::isa
