// C++ kernel-builder API: typed calls that append instructions to per-engine
// streams, with semaphores for the dependencies between engines.
//
//   KernelBuilder kb;
//   Sem loaded = kb.semaphore("loaded"), mm = kb.semaphore("mm");
//   kb.sync().dma_start(0, desc_addr, 1, loaded);
//   kb.tensor().matmul(psum(0, Dtype::FP32, 0, 64, 0, 32), w, x).wait(loaded, 1).signal(mm);
//   kb.scalar().activate(out, psum(0, Dtype::FP32, 0, 64, 0, 32), ActFunc::RELU).wait(mm, 1);
//   Program prog = kb.finish();  // END appended to every stream used
//
// Every call checks the instruction (isa::check) and that its engine runs it,
// and throws IsaError naming the engine, the instruction index and the field.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "isa/isa.h"

namespace trnsim::isa {

struct Sem {
  unsigned id = 0;
};

class EngineStream;

// A just-emitted instruction, to attach the header's wait and signal.
class InstrRef {
 public:
  InstrRef(EngineStream& s, std::size_t index) : stream_(&s), index_(index) {}
  InstrRef& wait(Sem s, uint32_t value);  // issue once sems[s] >= value
  InstrRef& signal(Sem s);                // sems[s] += 1 on completion
  std::size_t index() const { return index_; }
  const Instruction& get() const;

 private:
  EngineStream* stream_;
  std::size_t index_;
};

struct MatmulOpts {
  bool accumulate = false;     // add into PSUM
  bool reuse_weights = false;  // keep the loaded weights (pass weights = Operand{})
};

struct ActOpts {
  Operand bias = imm(0.0f);   // immediate or per-partition column (sbuf_col/psum_col)
  Operand scale = imm(1.0f);  // immediate or per-partition column
  Operand acc{};              // per-partition column for the sum along the free dim, or none
};

class EngineStream {
 public:
  explicit EngineStream(Engine e) : engine_(e) {}
  Engine engine() const { return engine_; }
  const std::vector<Instruction>& instructions() const { return instrs_; }
  std::size_t size() const { return instrs_.size(); }

  // Synchronisation and control (every engine).
  InstrRef nop();
  InstrRef end();
  InstrRef wait(Sem s, uint32_t value);          // standalone WAIT
  InstrRef signal(Sem s, uint32_t increment = 1);
  InstrRef sem_set(Sem s, uint32_t value);
  InstrRef dma_start(unsigned queue, uint64_t desc_addr, unsigned count,
                     std::optional<Sem> done = std::nullopt);

  // Tensor engine: out[N parts][M] (+)= weights[K parts][N]^T x moving[K parts][M].
  InstrRef matmul(const Operand& out, const Operand& weights, const Operand& moving,
                  const MatmulOpts& opts = {});
  // Scalar engine: out = f(in * scale + bias).
  InstrRef activate(const Operand& out, const Operand& in, ActFunc f, const ActOpts& opts = {});
  // Vector / GpSimd: out = a op b (b a tensor, a [P x 1] column, or imm(x)).
  InstrRef alu(AluOp op, const Operand& out, const Operand& a, const Operand& b);
  InstrRef add(const Operand& out, const Operand& a, const Operand& b) { return alu(AluOp::ADD, out, a, b); }
  InstrRef sub(const Operand& out, const Operand& a, const Operand& b) { return alu(AluOp::SUB, out, a, b); }
  InstrRef mul(const Operand& out, const Operand& a, const Operand& b) { return alu(AluOp::MUL, out, a, b); }
  InstrRef max(const Operand& out, const Operand& a, const Operand& b) { return alu(AluOp::MAX, out, a, b); }
  InstrRef min(const Operand& out, const Operand& a, const Operand& b) { return alu(AluOp::MIN, out, a, b); }
  // out[p][0] = reduction of in[p][*] (ADD = sum, MAX, MIN).
  InstrRef reduce(AluOp op, const Operand& out, const Operand& in);
  InstrRef reduce_sum(const Operand& out, const Operand& in) { return reduce(AluOp::ADD, out, in); }
  InstrRef reduce_max(const Operand& out, const Operand& in) { return reduce(AluOp::MAX, out, in); }
  InstrRef copy(const Operand& out, const Operand& in);  // converts dtypes
  InstrRef transpose(const Operand& out, const Operand& in);
  InstrRef memset(const Operand& out, float value);
  InstrRef iota(const Operand& out, int32_t base, int32_t part_step, int32_t free_step);

  // Any instruction (checked like the others).
  InstrRef emit(const Instruction& in);

 private:
  friend class InstrRef;
  Engine engine_;
  std::vector<Instruction> instrs_;
};

class KernelBuilder {
 public:
  KernelBuilder();
  EngineStream& engine(Engine e) { return streams_[unsigned(e)]; }
  EngineStream& tensor() { return engine(Engine::TENSOR); }
  EngineStream& vector() { return engine(Engine::VECTOR); }
  EngineStream& scalar() { return engine(Engine::SCALAR); }
  EngineStream& gpsimd() { return engine(Engine::GPSIMD); }
  EngineStream& sync() { return engine(Engine::SYNC); }

  // A fresh semaphore (0, 1, 2, ...); names are kept for sem_name().
  // Throws IsaError beyond 256 (the encoding's limit; the core may have fewer).
  Sem semaphore(const std::string& name = "");
  const std::string& sem_name(Sem s) const { return sem_names_.at(s.id); }
  unsigned semaphores_used() const { return unsigned(sem_names_.size()); }

  // The program: every non-empty stream ends with END (appended if missing).
  Program finish() const;

 private:
  std::vector<EngineStream> streams_;
  std::vector<std::string> sem_names_;
};

}  // namespace trnsim::isa
