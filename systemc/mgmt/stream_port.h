// TensorStreamPort: the tensor engine's weight and activation streams as a
// register window for the management core (mgmt_map.h MGMT_STREAM_*). Used by
// the management rig (mgmt_rig.h) and by each NeuronCore of the chip (its
// management window, MGMT_CORE_STREAM), so one firmware feeds both.
// Header-only: the NeuronCore library does not link the management library.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "mgmt/mgmt_map.h"
#include "tensor/tensor_block.h"

namespace trnsim::mgmt {

// The tensor engine's streams as a register window (mgmt_map.h
// MGMT_STREAM_*): 32-bit writes of two 16-bit lanes each collect into rows;
// a complete row (COLS lanes for weights, ROWS lanes for activations) is
// forwarded as one write to the stream socket, with the writer's annotated
// delay (so the engine's back-pressure reaches the core). A refused row sets
// STATUS.ERROR; the write itself still answers OK (the firmware checks STATUS).
class TensorStreamPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<TensorStreamPort> target;
  tlm_utils::simple_initiator_socket<TensorStreamPort> out;

  TensorStreamPort(sc_core::sc_module_name name, unsigned rows, unsigned cols);
  uint64_t rows_fed() const { return rows_fed_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void push(std::vector<uint16_t>& lanes, unsigned row_lanes, uint16_t lo, uint16_t hi,
            uint64_t stream_addr, sc_core::sc_time& delay);

  unsigned rows_, cols_;
  std::vector<uint16_t> weights_, acts_;
  bool error_ = false;
  uint32_t rows_fed_ = 0;
};

inline TensorStreamPort::TensorStreamPort(sc_core::sc_module_name name, unsigned rows, unsigned cols)
    : sc_module(name), target("target"), out("out"), rows_(rows), cols_(cols) {
  if (!rows || !cols) throw std::invalid_argument(std::string(this->name()) + ": rows and cols must be > 0");
  target.register_b_transport(this, &TensorStreamPort::b_transport);
}

inline void TensorStreamPort::push(std::vector<uint16_t>& lanes, unsigned row_lanes, uint16_t lo, uint16_t hi,
                                     uint64_t stream_addr, sc_core::sc_time& delay) {
  lanes.push_back(lo);
  if (lanes.size() < row_lanes) lanes.push_back(hi);  // odd rows: the last word's high lane is padding
  if (lanes.size() < row_lanes) return;
  std::vector<unsigned char> bytes(2 * row_lanes);
  for (unsigned i = 0; i < row_lanes; ++i) {
    bytes[2 * i] = static_cast<unsigned char>(lanes[i]);
    bytes[2 * i + 1] = static_cast<unsigned char>(lanes[i] >> 8);
  }
  lanes.clear();
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(stream_addr);
  gp.set_data_ptr(bytes.data());
  gp.set_data_length(static_cast<unsigned>(bytes.size()));
  gp.set_streaming_width(static_cast<unsigned>(bytes.size()));
  gp.set_byte_enable_ptr(nullptr);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  out->b_transport(gp, delay);
  if (gp.is_response_ok()) ++rows_fed_;
  else error_ = true;
}

inline void TensorStreamPort::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t a = gp.get_address();
  if (gp.get_data_length() != 4 || (a & 3) || gp.get_byte_enable_ptr()) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  uint32_t v = 0;
  if (gp.is_write()) std::memcpy(&v, gp.get_data_ptr(), 4);
  const uint16_t lo = static_cast<uint16_t>(v), hi = static_cast<uint16_t>(v >> 16);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  switch (a) {
    case MGMT_STREAM_WEIGHT:
    case MGMT_STREAM_ACT:
      if (!gp.is_write()) break;
      if (a == MGMT_STREAM_WEIGHT) push(weights_, cols_, lo, hi, tensor::kWeightStreamAddr, delay);
      else push(acts_, rows_, lo, hi, tensor::kActStreamAddr, delay);
      return;
    case MGMT_STREAM_STATUS:
      if (gp.is_write()) {
        if (v & 1u) {
          error_ = false;
          weights_.clear();
          acts_.clear();
        }
      } else {
        v = (error_ ? 1u : 0u) | (static_cast<uint32_t>(weights_.size() & 0xFF) << 8) |
            (static_cast<uint32_t>(acts_.size() & 0xFF) << 16);
        std::memcpy(gp.get_data_ptr(), &v, 4);
      }
      return;
    case MGMT_STREAM_ROWS_FED:
      if (gp.is_write()) break;
      std::memcpy(gp.get_data_ptr(), &rows_fed_, 4);
      return;
    default:
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
  }
  // A read of a write-only register or a write of a read-only one.
  gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
}

}  // namespace trnsim::mgmt
