// Functional semantics of the NeuronCore instructions (docs/isa.md,
// "Semantics"): plain C++ over an SBUF/PSUM/semaphore state. The chip's
// engine models call these to compute real values; timing is theirs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "isa/isa.h"

namespace trnsim::isa {

struct CoreConfig {
  unsigned partitions = 128;              // SBUF and PSUM partitions (1..128)
  uint32_t sbuf_partition_bytes = 224 * 1024;  // trn2: 224 KiB (trn3: 256 KiB)
  unsigned psum_banks = 8;                // 1..8
  uint32_t psum_bank_bytes = 2048;        // per partition per bank (512 FP32)
  unsigned semaphores = 64;               // 1..256
  unsigned dma_queues = 16;               // 1..256
  // The tensor engine's array: K is summed in tiles of pe_rows (numerics'
  // tile_rows), so results match an array of this many rows bit for bit.
  unsigned pe_rows = 128;
  unsigned pe_cols = 128;  // N (stationary free size) limit
  void validate() const;   // throws std::invalid_argument naming the field
};

// The weights held by the tensor engine (MATMUL with load_weights).
struct LoadedWeights {
  bool valid = false;
  Dtype dtype = Dtype::BF16;
  unsigned k = 0, n = 0;
  std::vector<uint16_t> codes;  // [k][n]
};

class CoreState {
 public:
  explicit CoreState(const CoreConfig& cfg = CoreConfig{});
  const CoreConfig& config() const { return cfg_; }

  // Raw storage: partition p, byte b. Throws IsaError when out of range.
  uint8_t* sbuf(unsigned partition, uint32_t byte = 0);
  uint8_t* psum(unsigned bank, unsigned partition, uint32_t byte = 0);
  uint32_t& sem(unsigned index);

  // Typed element access for tests and DMA models: value as raw bits of the
  // operand's dtype (16-bit BF16 codes, 8-bit FP8 codes, 32-bit FP32/INT32).
  uint32_t read(const Operand& o, unsigned p, unsigned i) const;
  void write(const Operand& o, unsigned p, unsigned i, uint32_t raw);

  LoadedWeights weights;  // tensor engine state

 private:
  friend struct StateAccess;
  CoreConfig cfg_;
  std::vector<uint8_t> sbuf_;  // [partition][byte]
  std::vector<uint8_t> psum_;  // [bank][partition][byte]
  std::vector<uint32_t> sems_;
};

// Where an instruction runs, for error messages.
struct ExecContext {
  Engine engine = Engine::SYNC;
  long index = 0;  // instruction number in its stream
};

// What the caller must do with a DMA_START (the semantics do not move data
// outside the core).
struct DmaRequest {
  unsigned queue = 0;
  uint64_t desc_addr = 0;
  unsigned desc_count = 0;
  bool done_en = false;
  unsigned done_sem = 0;  // the queue signals it (+1) when all descriptors are done
};

enum class ExecStatus {
  kDone,     // executed (header signal applied)
  kBlocked,  // header wait or WAIT not satisfied: nothing changed, retry later
  kEnd,      // END (header signal applied)
  kDma,      // DMA_START: `dma` filled, header signal applied
};

struct ExecResult {
  ExecStatus status = ExecStatus::kDone;
  DmaRequest dma;
};

// Every check that depends on the configuration (SBUF/PSUM ranges, shapes,
// the engine executing the opcode, semaphore and queue indices), throwing
// IsaError naming the engine, the instruction and the field. execute() runs
// it first; engine models may call it at issue.
void check_dynamic(const Instruction& in, const CoreState& st, const ExecContext& ctx);

// The pieces, for engine models that schedule waits and completions
// themselves: the header wait (and WAIT) condition, the data operation
// (nothing for NOP/END/WAIT/DMA_START; SIGNAL/SEM_SET update the semaphore),
// and the completion signal.
bool ready(const Instruction& in, const CoreState& st, const ExecContext& ctx);
void apply(const Instruction& in, CoreState& st, const ExecContext& ctx);
void complete(const Instruction& in, CoreState& st, const ExecContext& ctx);

// All of the above: ready ? apply + complete : kBlocked.
ExecResult execute(const Instruction& in, CoreState& st, const ExecContext& ctx);

// A functional interpreter of a whole program on one core: engines take turns
// (one instruction each), DMA_START calls `dma` (which must move the data and,
// if done_en, increment the semaphore), until every stream has executed END.
// A stream without END, or a round in which no engine can advance, throws
// IsaError naming every blocked engine, its instruction and the semaphore it
// waits on (deadlock).
using DmaHandler = std::function<void(const DmaRequest&, CoreState&)>;
struct RunStats {
  uint64_t executed = 0;  // instructions
  uint64_t rounds = 0;
};
RunStats run(const Program& prog, CoreState& st, const DmaHandler& dma = {});

// --- numerics of the data path (exposed for tests and the engine models) --
// Raw element bits of `dt` -> FP32 bits: BF16/FP8 widen exactly
// (numerics::widen_to_fp32), FP32 as is, INT32 rounded to nearest even.
uint32_t to_fp32(Dtype dt, uint32_t raw);
// FP32 bits -> raw element bits of `dt`: round to nearest even; FP32 input
// subnormals read as signed zero; NaN -> the format's canonical NaN; overflow
// -> inf (BF16, E5M2) or saturates to +-448 (E4M3, which has no inf; inf
// also saturates); FP32 as is; INT32 saturates, NaN -> 0.
uint32_t from_fp32(Dtype dt, uint32_t fp32);
// FP32 arithmetic of the engines: add = numerics::add (DAZ, RNE, FTZ,
// canonical NaN); sub = add with b negated; mul: DAZ, exact product rounded
// once (RNE), FTZ, canonical NaN; max/min: NaN if either is NaN, -0 < +0,
// inputs DAZ.
uint32_t alu_fp32(AluOp op, uint32_t a, uint32_t b);
// The scalar engine's function on an FP32 value (docs/isa.md tolerances).
uint32_t act_fp32(ActFunc f, uint32_t x);

}  // namespace trnsim::isa
