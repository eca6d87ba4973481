// The template behind TensorRtl: one instantiation per Verilated class.
// Included only by the generated per-configuration .cpp files.
#pragma once

#include <string>

#include "common/verilated_model.h"
#include "common/verilated_pins.h"
#include "tensor/tensor_rtl.h"

namespace trnsim::cosim {

template <class V>
class TensorRtlImpl final : public TensorRtl {
 public:
  explicit TensorRtlImpl(TensorConfig cfg) : cfg_(std::move(cfg)), model_("tensor_engine") {}

  const TensorConfig& config() const override { return cfg_; }

  void set_inputs(const TensorPinsIn& in) override {
    V& t = model_.top();
    t.rst_ni = in.rst_n;
    drive_axil(t, in);
    t.w_valid_i = in.w_valid;
    put_words(t.w_data_i, in.w_words.data(), in.w_words.size());
    t.act_valid_i = in.act_valid;
    put_words(t.act_data_i, in.act_words.data(), in.act_words.size());
    t.res_ready_i = in.res_ready;
    t.eval();
  }

  void get_outputs(TensorPinsOut& out) override {
    V& t = model_.top();
    sample_axil(t, out);
    out.w_ready = t.w_ready_o;
    out.act_ready = t.act_ready_o;
    out.res_valid = t.res_valid_o;
    out.res_addr = t.res_addr_o;
    out.irq = t.irq_o;
    out.idle = t.idle_o;
    out.res_words.resize(cfg_.cols);
    get_words(t.res_data_o, out.res_words.data(), cfg_.cols);
  }

  void clock() override { model_.clock(); }
  void open_wave(const std::string& path) override { model_.open_wave(path); }
  void close_wave() override { model_.close_wave(); }

 private:
  TensorConfig cfg_;
  VerilatedModel<V> model_;
};

}  // namespace trnsim::cosim
