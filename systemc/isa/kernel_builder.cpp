#include "isa/kernel_builder.h"

namespace trnsim::isa {

InstrRef& InstrRef::wait(Sem s, uint32_t value) {
  Instruction& in = stream_->instrs_.at(index_);
  if (in.wait_en)
    throw IsaError("wait", "already waits on semaphore " + std::to_string(in.wait_sem) +
                               " (one header wait per instruction; add a WAIT before it)",
                   int(stream_->engine_), long(index_), mnemonic(in));
  if (s.id > 255) throw IsaError("wait", "semaphore " + std::to_string(s.id) + " is not in 0..255", int(stream_->engine_), long(index_), mnemonic(in));
  in.wait_en = true;
  in.wait_sem = uint8_t(s.id);
  in.wait_value = value;
  return *this;
}

InstrRef& InstrRef::signal(Sem s) {
  Instruction& in = stream_->instrs_.at(index_);
  if (in.signal_en)
    throw IsaError("signal", "already signals semaphore " + std::to_string(in.signal_sem) +
                                 " (one header signal per instruction; add a SIGNAL after it)",
                   int(stream_->engine_), long(index_), mnemonic(in));
  if (s.id > 255) throw IsaError("signal", "semaphore " + std::to_string(s.id) + " is not in 0..255", int(stream_->engine_), long(index_), mnemonic(in));
  in.signal_en = true;
  in.signal_sem = uint8_t(s.id);
  return *this;
}

const Instruction& InstrRef::get() const { return stream_->instrs_.at(index_); }

InstrRef EngineStream::emit(const Instruction& in) {
  const long idx = long(instrs_.size());
  if (!engine_executes(engine_, in.op))
    throw IsaError("opcode",
                   std::string(opcode_name(in.op)) + " does not run on the " + engine_name(engine_) +
                       " engine (runs on: " + engines_of(in.op) + ")",
                   int(engine_), idx, mnemonic(in));
  if (auto p = check(in)) throw IsaError(p->field, p->message, int(engine_), idx, mnemonic(in));
  instrs_.push_back(in);
  return InstrRef(*this, instrs_.size() - 1);
}

namespace {
Instruction make(Opcode op) {
  Instruction in;
  in.op = op;
  return in;
}
uint8_t sem_id(Sem s, Engine e, long idx, const char* what) {
  if (s.id > 255) throw IsaError(what, "semaphore " + std::to_string(s.id) + " is not in 0..255", int(e), idx);
  return uint8_t(s.id);
}
}  // namespace

InstrRef EngineStream::nop() { return emit(make(Opcode::NOP)); }
InstrRef EngineStream::end() { return emit(make(Opcode::END)); }

InstrRef EngineStream::wait(Sem s, uint32_t value) {
  Instruction in = make(Opcode::WAIT);
  in.sem = sem_id(s, engine_, long(size()), "sem");
  in.value = value;
  return emit(in);
}

InstrRef EngineStream::signal(Sem s, uint32_t increment) {
  Instruction in = make(Opcode::SIGNAL);
  in.sem = sem_id(s, engine_, long(size()), "sem");
  in.value = increment;
  return emit(in);
}

InstrRef EngineStream::sem_set(Sem s, uint32_t value) {
  Instruction in = make(Opcode::SEM_SET);
  in.sem = sem_id(s, engine_, long(size()), "sem");
  in.value = value;
  return emit(in);
}

InstrRef EngineStream::dma_start(unsigned queue, uint64_t desc_addr, unsigned count,
                                 std::optional<Sem> done) {
  Instruction in = make(Opcode::DMA_START);
  if (queue > 255) throw IsaError("queue", "queue " + std::to_string(queue) + " is not in 0..255", int(engine_), long(size()));
  if (count < 1 || count > 65535)
    throw IsaError("desc_count", "descriptor count " + std::to_string(count) + " is not in 1..65535", int(engine_), long(size()));
  in.queue = uint8_t(queue);
  in.desc_addr = desc_addr;
  in.desc_count = uint16_t(count);
  if (done) {
    in.done_en = true;
    in.done_sem = sem_id(*done, engine_, long(size()), "done");
  }
  return emit(in);
}

InstrRef EngineStream::matmul(const Operand& out, const Operand& weights, const Operand& moving,
                              const MatmulOpts& opts) {
  Instruction in = make(Opcode::MATMUL);
  in.d = out;
  in.a = weights;
  in.b = moving;
  in.accumulate = opts.accumulate;
  in.load_weights = !opts.reuse_weights;
  return emit(in);
}

InstrRef EngineStream::activate(const Operand& out, const Operand& x, ActFunc f, const ActOpts& o) {
  Instruction in = make(Opcode::ACTIVATE);
  in.d = out;
  in.a = x;
  in.func = f;
  in.bias = o.bias;
  in.scale = o.scale;
  in.acc = o.acc;
  // Columns take D's partitions: accept an operand built with sbuf()/psum()
  // only if it is one element per partition, and strip its pattern.
  for (Operand* c : {&in.bias, &in.scale, &in.acc}) {
    if (c->is_tensor() && c->count != 0) {
      if (c->elems() != 1 || c->start != out.start || c->count != out.count)
        throw IsaError(c == &in.bias ? "bias" : c == &in.scale ? "scale" : "acc",
                       "a column must be one element per partition over D's partitions "
                       "(use sbuf_col/psum_col)",
                       int(engine_), long(size()), mnemonic(in));
      Operand col = c->kind == Kind::PSUM ? psum_col(c->bank, c->dtype, c->offset)
                                          : sbuf_col(c->dtype, c->offset);
      *c = col;
    }
  }
  return emit(in);
}

InstrRef EngineStream::alu(AluOp op, const Operand& out, const Operand& a, const Operand& b) {
  Instruction in = make(Opcode::ALU);
  in.alu = op;
  in.d = out;
  in.a = a;
  in.b = b;
  return emit(in);
}

InstrRef EngineStream::reduce(AluOp op, const Operand& out, const Operand& x) {
  Instruction in = make(Opcode::REDUCE);
  in.alu = op;
  in.d = out;
  in.a = x;
  return emit(in);
}

InstrRef EngineStream::copy(const Operand& out, const Operand& x) {
  Instruction in = make(Opcode::COPY);
  in.d = out;
  in.a = x;
  return emit(in);
}

InstrRef EngineStream::transpose(const Operand& out, const Operand& x) {
  Instruction in = make(Opcode::TRANSPOSE);
  in.d = out;
  in.a = x;
  return emit(in);
}

InstrRef EngineStream::memset(const Operand& out, float value) {
  Instruction in = make(Opcode::MEMSET);
  in.d = out;
  in.a = imm(value);
  return emit(in);
}

InstrRef EngineStream::iota(const Operand& out, int32_t base, int32_t part_step, int32_t free_step) {
  Instruction in = make(Opcode::IOTA);
  in.d = out;
  in.iota_base = base;
  in.iota_part_step = part_step;
  in.iota_free_step = free_step;
  return emit(in);
}

KernelBuilder::KernelBuilder() {
  for (unsigned e = 0; e < kNumEngines; ++e) streams_.emplace_back(Engine(e));
}

Sem KernelBuilder::semaphore(const std::string& name) {
  if (sem_names_.size() >= 256)
    throw IsaError("sem", "more than 256 semaphores (the encoding's limit)");
  sem_names_.push_back(name.empty() ? "s" + std::to_string(sem_names_.size()) : name);
  return Sem{unsigned(sem_names_.size() - 1)};
}

Program KernelBuilder::finish() const {
  Program p;
  for (unsigned e = 0; e < kNumEngines; ++e) {
    p.streams[e] = streams_[e].instructions();
    if (!p.streams[e].empty() && p.streams[e].back().op != Opcode::END) {
      Instruction end;
      end.op = Opcode::END;
      p.streams[e].push_back(end);
    }
  }
  return p;
}

}  // namespace trnsim::isa
