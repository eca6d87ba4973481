// The template behind DmaRtl: one instantiation per Verilated class.
// Included only by the generated per-configuration .cpp file.
#pragma once

#include <string>

#include "common/verilated_model.h"
#include "common/verilated_pins.h"
#include "dma/dma_rtl.h"

namespace trnsim::cosim {

template <class V>
class DmaRtlImpl final : public DmaRtl {
 public:
  explicit DmaRtlImpl(DmaConfig cfg) : cfg_(std::move(cfg)), model_("dma_engine") {}

  const DmaConfig& config() const override { return cfg_; }

  void set_inputs(const DmaPinsIn& in) override {
    V& t = model_.top();
    t.rst_ni = in.rst_n;
    drive_axil(t, in);
    const Axi4SlaveOut& m = in.mem;
    t.m_axi_awready_i = m.awready;
    t.m_axi_wready_i = m.wready;
    t.m_axi_arready_i = m.arready;
    t.m_axi_bvalid_i = m.bvalid;
    t.m_axi_bid_i = m.bid;
    t.m_axi_bresp_i = m.bresp;
    t.m_axi_rvalid_i = m.rvalid;
    t.m_axi_rid_i = m.rid;
    t.m_axi_rresp_i = m.rresp;
    t.m_axi_rlast_i = m.rlast;
    put_words(t.m_axi_rdata_i, m.rdata.data(), m.rdata.size());
    t.eval();
  }

  void get_outputs(DmaPinsOut& out) override {
    V& t = model_.top();
    sample_axil(t, out);
    out.irq = t.irq_o;
    out.idle = t.idle_o;
    Axi4MasterOut& m = out.mem;
    m.awvalid = t.m_axi_awvalid_o;
    m.awid = t.m_axi_awid_o;
    m.awaddr = t.m_axi_awaddr_o;
    m.awlen = t.m_axi_awlen_o;
    m.awsize = t.m_axi_awsize_o;
    m.awburst = t.m_axi_awburst_o;
    m.wvalid = t.m_axi_wvalid_o;
    m.wdata.resize(cfg_.data_bits / 32);
    get_words(t.m_axi_wdata_o, m.wdata.data(), m.wdata.size());
    m.wstrb = static_cast<uint64_t>(t.m_axi_wstrb_o);
    m.wlast = t.m_axi_wlast_o;
    m.bready = t.m_axi_bready_o;
    m.arvalid = t.m_axi_arvalid_o;
    m.arid = t.m_axi_arid_o;
    m.araddr = t.m_axi_araddr_o;
    m.arlen = t.m_axi_arlen_o;
    m.arsize = t.m_axi_arsize_o;
    m.arburst = t.m_axi_arburst_o;
    m.rready = t.m_axi_rready_o;
  }

  void clock() override { model_.clock(); }
  void open_wave(const std::string& path) override { model_.open_wave(path); }
  void close_wave() override { model_.close_wave(); }

 private:
  DmaConfig cfg_;
  VerilatedModel<V> model_;
};

}  // namespace trnsim::cosim
