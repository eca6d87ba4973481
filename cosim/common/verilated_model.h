// What every Verilated block wrapper needs, once: its own VerilatedContext
// (no global Verilator state), the model, clocking (one rising edge per
// call), an optional FST waveform, and the AXI4-Lite CSR pins that every
// trnsim block exposes under the same names (s_axil_*).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "verilated.h"
#include "verilated_fst_c.h"

namespace trnsim::cosim {

template <class V>
class VerilatedModel {
 public:
  explicit VerilatedModel(const char* instance_name) : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);
    top_ = std::make_unique<V>(ctx_.get(), instance_name);
    top_->clk_i = 0;
    top_->rst_ni = 1;
    top_->eval();
  }
  ~VerilatedModel() {
    // Verilator 5.006 erases the model's scopes from the thread's current
    // context (Verilated::threadContextp()), which is the last context used
    // in this thread, possibly another model's, already destroyed: point it
    // at ours first (else two live models deadlock at destruction).
    Verilated::threadContextp(ctx_.get());
    close_wave();
    top_->final();
  }
  VerilatedModel(const VerilatedModel&) = delete;
  VerilatedModel& operator=(const VerilatedModel&) = delete;

  V& top() { return *top_; }

  // One rising edge, then clock low again; dumps the waveform if open.
  void clock() {
    top_->clk_i = 1;
    top_->eval();
    ctx_->timeInc(1);
    if (fst_) fst_->dump(ctx_->time());
    top_->clk_i = 0;
    top_->eval();
    ctx_->timeInc(1);
    if (fst_) fst_->dump(ctx_->time());
  }

  void open_wave(const std::string& path) {
    close_wave();
    auto f = std::make_unique<VerilatedFstC>();
    top_->trace(f.get(), 99);
    f->open(path.c_str());
    if (!f->isOpen()) throw std::runtime_error("cannot open waveform file '" + path + "'");
    fst_ = std::move(f);
    fst_->dump(ctx_->time());
  }

  void close_wave() {
    if (fst_) {
      fst_->close();
      fst_.reset();
    }
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<VerilatedFstC> fst_;
};

// The AXI4-Lite slave pins, driven from and read into any pin struct with
// the usual field names (awvalid, awaddr, ..., rresp).
template <class Top, class In>
void drive_axil(Top& t, const In& in) {
  t.s_axil_awvalid_i = in.awvalid;
  t.s_axil_awaddr_i = in.awaddr;
  t.s_axil_awprot_i = 0;
  t.s_axil_wvalid_i = in.wvalid;
  t.s_axil_wdata_i = in.wdata;
  t.s_axil_wstrb_i = in.wstrb;
  t.s_axil_bready_i = in.bready;
  t.s_axil_arvalid_i = in.arvalid;
  t.s_axil_araddr_i = in.araddr;
  t.s_axil_arprot_i = 0;
  t.s_axil_rready_i = in.rready;
}

template <class Top, class Out>
void sample_axil(const Top& t, Out& out) {
  out.awready = t.s_axil_awready_o;
  out.wready = t.s_axil_wready_o;
  out.bvalid = t.s_axil_bvalid_o;
  out.bresp = t.s_axil_bresp_o;
  out.arready = t.s_axil_arready_o;
  out.rvalid = t.s_axil_rvalid_o;
  out.rdata = t.s_axil_rdata_o;
  out.rresp = t.s_axil_rresp_o;
}

}  // namespace trnsim::cosim
