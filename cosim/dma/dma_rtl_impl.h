// The template behind DmaRtl: one instantiation per Verilated class.
// Included only by the generated per-configuration .cpp file.
#pragma once

#include <stdexcept>

#include "common/verilated_pins.h"
#include "dma/dma_rtl.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace trnsim::cosim {

template <class V>
class DmaRtlImpl final : public DmaRtl {
 public:
  explicit DmaRtlImpl(DmaConfig cfg)
      : cfg_(std::move(cfg)), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);
    top_ = std::make_unique<V>(ctx_.get(), "dma_engine");
    top_->clk_i = 0;
    top_->rst_ni = 1;
    top_->eval();
  }
  ~DmaRtlImpl() override {
    close_wave();
    top_->final();
  }

  const DmaConfig& config() const override { return cfg_; }

  void set_inputs(const DmaPinsIn& in) override {
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
    const Axi4SlaveOut& m = in.mem;
    top_->m_axi_awready_i = m.awready;
    top_->m_axi_wready_i = m.wready;
    top_->m_axi_arready_i = m.arready;
    top_->m_axi_bvalid_i = m.bvalid;
    top_->m_axi_bid_i = m.bid;
    top_->m_axi_bresp_i = m.bresp;
    top_->m_axi_rvalid_i = m.rvalid;
    top_->m_axi_rid_i = m.rid;
    top_->m_axi_rresp_i = m.rresp;
    top_->m_axi_rlast_i = m.rlast;
    put_words(top_->m_axi_rdata_i, m.rdata.data(), m.rdata.size());
    top_->eval();
  }

  void get_outputs(DmaPinsOut& out) override {
    out.awready = top_->s_axil_awready_o;
    out.wready = top_->s_axil_wready_o;
    out.bvalid = top_->s_axil_bvalid_o;
    out.bresp = top_->s_axil_bresp_o;
    out.arready = top_->s_axil_arready_o;
    out.rvalid = top_->s_axil_rvalid_o;
    out.rdata = top_->s_axil_rdata_o;
    out.rresp = top_->s_axil_rresp_o;
    out.irq = top_->irq_o;
    Axi4MasterOut& m = out.mem;
    m.awvalid = top_->m_axi_awvalid_o;
    m.awid = top_->m_axi_awid_o;
    m.awaddr = top_->m_axi_awaddr_o;
    m.awlen = top_->m_axi_awlen_o;
    m.awsize = top_->m_axi_awsize_o;
    m.awburst = top_->m_axi_awburst_o;
    m.wvalid = top_->m_axi_wvalid_o;
    m.wdata.resize(cfg_.data_bits / 32);
    get_words(top_->m_axi_wdata_o, m.wdata.data(), m.wdata.size());
    m.wstrb = static_cast<uint64_t>(top_->m_axi_wstrb_o);
    m.wlast = top_->m_axi_wlast_o;
    m.bready = top_->m_axi_bready_o;
    m.arvalid = top_->m_axi_arvalid_o;
    m.arid = top_->m_axi_arid_o;
    m.araddr = top_->m_axi_araddr_o;
    m.arlen = top_->m_axi_arlen_o;
    m.arsize = top_->m_axi_arsize_o;
    m.arburst = top_->m_axi_arburst_o;
    m.rready = top_->m_axi_rready_o;
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
  DmaConfig cfg_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<VerilatedFstC> fst_;
};

}  // namespace trnsim::cosim
