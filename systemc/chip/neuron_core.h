// NeuronCore: the timed SystemC model of one core that runs the engine
// instruction streams of docs/isa.md on its engines (docs/chip.md, sections
// "NeuronCore" and "Engine timing").
//
//   fetch      initiator  instruction fetch (HBM through the NoC): each
//                         engine reads its stream in chunks of
//                         fetch_chunk instructions and waits for the delay.
//   local      target     the core's window of the chip map (chip_map.h),
//                         addresses relative to core_base(core):
//                           kSbufOffset + p x kSbufPartitionStride + byte
//                           kPsumOffset + p x kPsumPartitionStride + bank x psum_bank_bytes + byte
//                           kCoreCtrlOffset   control registers (rtl/regs/core.json)
//                           kTensorCsrOffset  the tensor block's csr socket
//                           kDmaCsrOffset + d x kDmaCsrStride  DMA block d's csr socket
//                           kMgmtStreamOffset  a tensor stream port (mgmt/stream_port.h) for the
//                                              management core: rows reach the tensor block only
//                                              while the core has no MATMUL in flight
//                           kMgmtResultOffset  64 KiB: result rows the tensor block emits while
//                                              the core has no MATMUL in flight (row r at r x COLS x 4)
//                         anything else: TLM_ADDRESS_ERROR_RESPONSE. Debug
//                         transport reaches SBUF and PSUM.
//   dma_mem(d) initiator  DMA block d's AXI master, for the chip to bind to
//                         the NoC (descriptors, HBM, and SBUF via `local`).
//   irq        sc_out     |(INTR_STATE & INTR_ENABLE) of the control registers.
// tensor_irq() / dma_irq(d) are the blocks' own interrupt lines (the chip
// wires core 0's to the management core: mgmt_map.h MGMT_IRQ_TENSOR/DMA).
//
// The tensor and DMA blocks are created by the factories passed in (the chip
// picks rtl / tlm / lockstep per block) and driven only through their sockets:
// MATMUL programs the tensor block's CSRs and streams weights and
// activations; its result rows land in PSUM through a target socket of the
// core; DMA_START programs a DMA queue through its CSRs.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/reg_file.h"
#include "core_regs.hpp"
#include "dma/dma_block.h"
#include "mgmt/stream_port.h"
#include "isa/isa.h"
#include "isa/semantics.h"
#include "tensor/tensor_block.h"

namespace trnsim {
class TraceWriter;
}

namespace trnsim::chip {

using ErrCode = regs::core::ErrCode;
const char* err_code_name(ErrCode c);

// Timing of one engine (docs/chip.md "Engine timing"). A data instruction
// takes startup_cycles + ceil(elements per partition / rate) cycles, rate =
// narrow_rate when every tensor operand is 1 or 2 bytes wide, else
// wide_rate; control instructions (NOP, END, WAIT, SIGNAL, SEM_SET) take
// control_cycles; DMA_START takes dma_issue_cycles plus its CSR writes.
struct EngineTiming {
  sc_core::sc_time period = sc_core::sc_time(1, sc_core::SC_NS);
  unsigned startup_cycles = 60;
  double narrow_rate = 1.0;  // elements per partition per cycle
  double wide_rate = 1.0;
  unsigned control_cycles = 1;
  unsigned dma_issue_cycles = 1;
};

struct AddrWindow {
  uint64_t base = 0, limit = 0;  // [base, limit); limit <= base: closed
};

struct NeuronCoreConfig {
  unsigned core_index = 0;  // names, and this core's window for the DMA queues
  isa::CoreConfig core;     // SBUF / PSUM geometry, semaphores, pe_rows / pe_cols
  // Indexed by isa::Engine. The tensor engine's cycles (counters, the MATMUL
  // model) are tensor.period; its entry here is used for its control
  // instructions only. The tensor block itself runs at
  // tensor.period / block_speedup().
  std::array<EngineTiming, isa::kNumEngines> engines{};
  tensor::TensorBlockConfig tensor;  // rows/cols := core.pe_rows/pe_cols; psum_depth raised to hold all banks
  unsigned num_dma = 1;              // DMA blocks; ISA queue q -> block q / num_queues, queue q % num_queues
  dma::DmaBlockConfig dma;
  // Opened on every DMA queue (WIN0, WIN1). Default: all HBM below 1 TiB,
  // and this core's window.
  std::array<AddrWindow, 2> dma_windows{{{0, 1ull << 40}, {0, 0}}};
  // MATMUL issue-time model (docs/chip.md "MATMUL timing"). Rates are
  // MACs per PE per cycle, i.e. moving rows per tensor cycle, of the input
  // class (FP8 E4M3/E5M2, BF16, FP32; the slower of A and B; 0: the class is
  // not supported). A K tile of M moving rows holds the tensor engine for
  //   II = max(matmul_min_cycles, ceil(M / rate)) tensor cycles (tensor.period)
  // and its results are in PSUM no earlier than II + rows + cols + 1 cycles
  // after the instruction's issue; the tensor block's own (cycle-exact) timing
  // is a lower bound on both. The block is clocked at tensor.period /
  // block_speedup() so that one row per block cycle is never slower than the
  // fastest supported class.
  unsigned matmul_min_cycles = 0;  // per K tile; 0: no floor
  double matmul_rate_fp8 = 1.0, matmul_rate_bf16 = 1.0, matmul_rate_fp32 = 1.0;
  // Per DMA_START: a DMA queue is programmed no earlier than this after the
  // trigger (descriptor processing), and no earlier than the previous
  // DMA_START on the queue completed (docs/chip.md "DMA_START").
  sc_core::sc_time dma_fixed_latency = sc_core::SC_ZERO_TIME;
  unsigned fetch_chunk = 16;     // instructions per fetch transaction
  unsigned dma_poll_cycles = 64; // DMA HEAD polling period (core sync clock) while a queue runs
  sc_core::sc_time local_latency = sc_core::sc_time(2, sc_core::SC_NS);  // SBUF/PSUM/ctrl via `local`
  bool functional = true;  // false: timing only (no data computed; same cycles)

  // Defaults for a trn2-like core (docs/chip.md): clocks and rates of
  // ../shared/reference/trainium-public-specs.md section 2.
  static NeuronCoreConfig trn2_defaults();
  // Moving rows per tensor cycle of a MATMUL with weights of dtype `a` and
  // moving data of dtype `b` (the slower class); 0 if either is unsupported.
  double matmul_rate(isa::Dtype a, isa::Dtype b) const;
  // max(1, matmul_rate_fp8, matmul_rate_bf16): the tensor block's clock
  // divided by the tensor engine's.
  double block_speedup() const;
  // Throws std::invalid_argument naming the field.
  void validate() const;
};

using TensorFactory = std::function<std::unique_ptr<tensor::TensorBlock>(
    const char* name, const tensor::TensorBlockConfig& cfg)>;
using DmaFactory =
    std::function<std::unique_ptr<dma::DmaBlock>(const char* name, const dma::DmaBlockConfig& cfg)>;

struct CoreError {
  ErrCode code = ErrCode::NONE;
  int engine = -1;  // isa::Engine, -1 if none
  long index = -1;  // instruction index in the engine's stream
  std::string message;  // names the core, engine, instruction and what
};

// Per engine; cycles are the engine's own (tensor: tensor.period).
struct EngineCounters {
  uint64_t instructions = 0;
  uint64_t busy_cycles = 0;    // union of [issue, completion) of its instructions
  uint64_t stall_sem = 0;      // waiting for a semaphore
  uint64_t stall_dma = 0;      // waiting for a DMA queue to accept a trigger
  uint64_t stall_tensor = 0;   // tensor block back-pressure (stream calls beyond one row per cycle, drains)
  uint64_t stall_fetch = 0;    // instruction fetch
};

struct DmaQueueCounters {
  uint64_t triggers = 0;     // DMA_STARTs served
  uint64_t descriptors = 0;
  sc_core::sc_time busy;     // programmed -> completion seen
};

class NeuronCore : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(NeuronCore);

  tlm_utils::simple_initiator_socket<NeuronCore> fetch;
  tlm_utils::simple_target_socket<NeuronCore> local;
  sc_core::sc_out<bool> irq;

  NeuronCore(sc_core::sc_module_name name, const NeuronCoreConfig& cfg,
             const TensorFactory& make_tensor, const DmaFactory& make_dma);
  ~NeuronCore() override;

  tlm_utils::simple_initiator_socket<dma::DmaBlock>& dma_mem(unsigned d);
  tensor::TensorBlock& tensor_block() { return *tensor_; }
  dma::DmaBlock& dma_block(unsigned d);
  const sc_core::sc_signal<bool>& tensor_irq() const { return tensor_irq_; }
  const sc_core::sc_signal<bool>& dma_irq(unsigned d) const { return *dma_irq_.at(d); }
  const NeuronCoreConfig& config() const { return cfg_; }
  void set_trace(TraceWriter* t);

  // --- control (C++ side of the control registers) -------------------------
  struct Stream {
    uint64_t addr = 0;    // 64-byte aligned
    uint32_t count = 0;   // instructions; 0: the engine is not started
  };
  // Writes E<e>_PROG_*/E<e>_COUNT and starts every engine with count > 0.
  void load_and_start(const std::array<Stream, isa::kNumEngines>& streams);
  void start(uint32_t engine_mask);  // as CTRL.START
  // From an SC_THREAD: until every started engine executed END or the core
  // stopped on an error, at most `limit` (0: no limit). True if done
  // without error; false on error or time limit (timed_out()).
  bool wait_done(const sc_core::sc_time& limit = sc_core::SC_ZERO_TIME);
  bool done() const;      // started engines all at END, no error
  bool timed_out() const { return timed_out_; }
  const std::optional<CoreError>& error() const { return error_; }
  sc_core::sc_event& done_event() { return done_ev_; }
  sc_core::sc_time start_time() const { return start_time_; }
  sc_core::sc_time finish_time() const { return finish_time_; }  // last END (or the error)
  sc_core::sc_time last_dma_done() const { return last_dma_done_; }  // the latest DMA_START completion

  // Host-side access to SBUF, PSUM and semaphores (tests, loaders).
  isa::CoreState& state() { return st_; }
  const isa::CoreState& state() const { return st_; }

  // --- statistics --------------------------------------------------------------
  const EngineCounters& counters(isa::Engine e) const { return eng_[unsigned(e)].ctr; }
  const DmaQueueCounters& dma_counters(unsigned isa_queue) const { return dq_.at(isa_queue).ctr; }
  uint64_t matmul_tiles() const { return mm_tiles_; }  // tensor block commands issued
  // Tensor cycles MATMULs held the engine beyond the block's own time (the
  // matmul_min_cycles floor and the dtype rate, docs/chip.md "MATMUL timing").
  uint64_t matmul_model_cycles() const { return mm_model_cycles_; }

 private:
  struct Blocked {
    bool on = false;
    isa::Instruction in;
    long index = 0;
    unsigned sem = 0;
    uint32_t value = 0;
  };
  struct Engine {
    bool running = false, done = false;
    uint64_t prog = 0;
    uint32_t count = 0, pc = 0;
    std::vector<uint8_t> buf;
    uint32_t buf_first = 0, buf_n = 0;
    Blocked blocked;
    EngineCounters ctr;
    sc_core::sc_time busy_until;
    sc_core::sc_event start_ev;
    int track = -1;
  };
  struct DmaJob {
    unsigned engine = 0;
    long index = 0;
    isa::DmaRequest req;
    sc_core::sc_time issued;
  };
  struct DmaQueue {
    unsigned block = 0, q = 0;
    bool windows_set = false;
    bool active = false;
    bool programmed = false;   // active and its CSRs written (else waiting for the fixed latency)
    bool programming = false;  // CSR writes under way
    DmaJob job;
    sc_core::sc_time started;
    std::deque<DmaJob> pending;
    DmaQueueCounters ctr;
    int track = -1;
  };
  struct MmTile {  // a tensor-block command whose results the core awaits
    bool last = false;  // the instruction's last K tile (emits rows)
    uint32_t rows = 0, got = 0;
    uint32_t psum_row0 = 0;
    isa::Instruction in;
    long index = 0;
    sc_core::sc_time issued;
    sc_core::sc_time model_done;  // the issue-time model's earliest completion
  };

  // processes
  void tensor_thread() { engine_thread(0); }
  void vector_thread() { engine_thread(1); }
  void scalar_thread() { engine_thread(2); }
  void gpsimd_thread() { engine_thread(3); }
  void sync_thread() { engine_thread(4); }
  void engine_thread(unsigned e);
  void weight_feeder();
  void dma_monitor();
  void timed_thread();
  void deadlock_method();
  void irq_method();

  bool run_one(unsigned e);  // false: stop the stream
  bool fetch_words(unsigned e, uint32_t index, isa::Words& w);
  bool wait_ready(unsigned e, const isa::Instruction& in, long index);
  void exec_matmul(unsigned e, const isa::Instruction& in, long index);
  void exec_dma_start(unsigned e, const isa::Instruction& in, long index);
  void exec_data(unsigned e, const isa::Instruction& in, long index);
  uint64_t data_cycles(unsigned e, const isa::Instruction& in) const;

  void fail(ErrCode code, int engine, long index, const std::string& msg, uint32_t engine_bits = 0);
  std::string where(unsigned e, long index, const isa::Instruction* in) const;
  void sem_changed();
  void check_deadlock() { deadlock_ev_.notify(sc_core::SC_ZERO_TIME); }
  void schedule(const sc_core::sc_time& at, std::function<void()> fn);
  void note_busy(unsigned e, const sc_core::sc_time& from, const sc_core::sc_time& to);
  void engine_done(unsigned e);
  void trace_slice(int track, const std::string& name, const sc_core::sc_time& a,
                   const sc_core::sc_time& b, const std::string& args);

  // sockets to the blocks
  tlm::tlm_response_status csr_access(tlm_utils::simple_initiator_socket<NeuronCore>& s, bool write,
                                      uint32_t addr, uint32_t& data, bool sync);
  void tensor_csr_write(uint32_t addr, uint32_t value);
  bool dma_csr(unsigned block, bool write, uint32_t addr, uint32_t& data);
  void dma_program(DmaQueue& dq, bool from_engine, unsigned e);
  void dma_activate(DmaQueue& dq, const DmaJob& job, unsigned e);  // program now or after the fixed latency
  void dma_finish(DmaQueue& dq, bool ok, const std::string& why);
  void stream_rows(bool weights, std::vector<uint8_t>& bytes, unsigned e);
  void flush_mm_stage(const MmTile& t);
  void result_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void local_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned local_dbg(tlm::tlm_generic_payload& gp);
  bool mem_access(tlm::tlm_generic_payload& gp, bool timed);

  // control registers
  uint32_t hw_in(uint32_t offset) const;
  void on_ctrl_write(uint32_t offset, uint32_t value, uint32_t byte_mask);
  void update_irq();

  NeuronCoreConfig cfg_;
  isa::CoreState st_;
  std::unique_ptr<tensor::TensorBlock> tensor_;
  std::vector<std::unique_ptr<dma::DmaBlock>> dmas_;
  tlm_utils::simple_initiator_socket<NeuronCore> tensor_csr_, tensor_stream_;
  tlm_utils::simple_target_socket<NeuronCore> tensor_result_;
  std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket<NeuronCore>>> dma_csr_;
  // The management core's stream port and result window.
  std::unique_ptr<mgmt::TensorStreamPort> sport_;
  tlm_utils::simple_initiator_socket<NeuronCore> sport_in_;
  tlm_utils::simple_target_socket<NeuronCore> sport_out_;
  std::vector<uint8_t> mgmt_results_;
  bool block_weights_stale_ = false;  // the management core fed the block since the core's last weight load
  void sport_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  bool core_owns_tensor() const;
  sc_core::sc_signal<bool> tensor_irq_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> dma_irq_;

  RegFile regs_;
  std::array<Engine, isa::kNumEngines> eng_;
  std::vector<DmaQueue> dq_;  // by ISA queue
  bool stopped_ = false, timed_out_ = false, any_started_ = false;
  std::optional<CoreError> error_;
  uint32_t error_engines_ = 0;
  sc_core::sc_time start_time_, finish_time_, last_dma_done_;
  sc_core::sc_event done_ev_, stop_ev_, sem_ev_, deadlock_ev_, irq_ev_, dma_kick_ev_, tensor_idle_ev_,
      timed_ev_, wfeed_ev_, wfeed_done_ev_;
  unsigned inflight_ = 0;  // DMA jobs, tensor instructions, timed actions

  // tensor engine
  std::deque<MmTile> mm_tiles_q_;
  unsigned mm_outstanding_ = 0;  // MATMUL instructions issued, results not all in
  uint64_t mm_tiles_ = 0;
  uint64_t mm_model_cycles_ = 0;
  sc_core::sc_time block_period_;  // the tensor block's clock
  std::optional<uint32_t> cmd_cache_[3];
  std::deque<std::vector<uint8_t>> wfeed_;
  bool wfeed_busy_ = false;
  std::vector<uint8_t> psum_coherent_;  // [psum row][lane]: block PSUM == core PSUM
  std::vector<uint32_t> mm_stage_;      // result rows of the front MmTile, [row][lane]
  std::vector<uint8_t> mm_acts_;        // the activation stream of the MATMUL in issue
  uint32_t psum_rows_ = 0;

  std::multimap<sc_core::sc_time, std::function<void()>> timed_;
  TraceWriter* trace_ = nullptr;
  int sem_track_ = -1;
};

}  // namespace trnsim::chip
