// The template behind TensorRtl: one instantiation per Verilated class.
// Included only by the generated per-configuration .cpp files.
#pragma once

#include <stdexcept>

#include "common/verilated_pins.h"
#include "tensor/tensor_rtl.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace trnsim::cosim {

template <class V>
class TensorRtlImpl final : public TensorRtl {
 public:
  explicit TensorRtlImpl(TensorConfig cfg)
      : cfg_(std::move(cfg)), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);
    top_ = std::make_unique<V>(ctx_.get(), "tensor_engine");
    top_->clk_i = 0;
    top_->rst_ni = 1;
    top_->eval();
  }
  ~TensorRtlImpl() override {
    close_wave();
    top_->final();
  }

  const TensorConfig& config() const override { return cfg_; }

  void set_inputs(const TensorPinsIn& in) override {
    top_->rst_ni = in.rst_n;
    top_->s_axil_awvalid_i = in.awvalid;
    top_->s_axil_awaddr_i = in.awaddr;
    top_->s_axil_awprot_i = 0;
    top_->s_axil_wvalid_i = in.wvalid;
    top_->s_axil_wdata_i = in.wdata;
    top_->s_axil_wstrb_i = in.wstrb;
    top_->s_axil_bready_i = in.bready;
    top_->s_axil_arvalid_i = in.arvalid;
    top_->s_axil_araddr_i = in.araddr;
    top_->s_axil_arprot_i = 0;
    top_->s_axil_rready_i = in.rready;
    top_->w_valid_i = in.w_valid;
    put_words(top_->w_data_i, in.w_words.data(), in.w_words.size());
    top_->act_valid_i = in.act_valid;
    put_words(top_->act_data_i, in.act_words.data(), in.act_words.size());
    top_->res_ready_i = in.res_ready;
    top_->eval();
  }

  void get_outputs(TensorPinsOut& out) override {
    out.awready = top_->s_axil_awready_o;
    out.wready = top_->s_axil_wready_o;
    out.bvalid = top_->s_axil_bvalid_o;
    out.bresp = top_->s_axil_bresp_o;
    out.arready = top_->s_axil_arready_o;
    out.rvalid = top_->s_axil_rvalid_o;
    out.rdata = top_->s_axil_rdata_o;
    out.rresp = top_->s_axil_rresp_o;
    out.w_ready = top_->w_ready_o;
    out.act_ready = top_->act_ready_o;
    out.res_valid = top_->res_valid_o;
    out.res_addr = top_->res_addr_o;
    out.irq = top_->irq_o;
    out.res_words.resize(cfg_.cols);
    get_words(top_->res_data_o, out.res_words.data(), cfg_.cols);
  }

  void clock() override {
    top_->clk_i = 1;
    top_->eval();
    ctx_->timeInc(1);
    if (fst_) fst_->dump(ctx_->time());
    top_->clk_i = 0;
    top_->eval();
    ctx_->timeInc(1);
    if (fst_) fst_->dump(ctx_->time());
  }

  void open_wave(const std::string& path) override {
    close_wave();
    auto f = std::make_unique<VerilatedFstC>();
    top_->trace(f.get(), 99);
    f->open(path.c_str());
    if (!f->isOpen()) throw std::runtime_error("cannot open waveform file '" + path + "'");
    fst_ = std::move(f);
    fst_->dump(ctx_->time());
  }

  void close_wave() override {
    if (fst_) {
      fst_->close();
      fst_.reset();
    }
  }

 private:
  TensorConfig cfg_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<VerilatedFstC> fst_;
};

}  // namespace trnsim::cosim
