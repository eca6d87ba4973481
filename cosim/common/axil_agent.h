// Cycle-level AXI4-Lite master for one CSR access at a time: the state
// machine every Verilated block's driver and TLM wrapper uses on the s_axil_*
// port (TensorDriver, DmaDriver, DmaRtlTlm).
//
//   AxilAgent csr;
//   csr.start_write(addr, data);          // or start_read(addr)
//   each cycle:  csr.drive(pins_in);      // before the DUT evaluates
//                ... set_inputs, get_outputs ...
//                csr.observe(pins_out, cycle);   // after, before the clock edge
//   until csr.done(): csr.resp(), csr.rdata(), csr.handshake_cycle()
//
// Timing (the drivers' original state machine, kept cycle for cycle): a
// write raises AWVALID and WVALID together in the first cycle; each drops in
// the cycle after its handshake; BREADY rises once both handshakes are done
// and the access completes with the B handshake. A read raises ARVALID, then
// RREADY from the cycle after the AR handshake until the R handshake. The
// address, data and strobe pins keep their last values while no access runs.
//
// `In`/`Out` are any pin structs with the usual field names (awvalid, awaddr,
// wdata, wstrb, ..., rresp), e.g. DmaPinsIn/DmaPinsOut, TensorPinsIn/Out.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

namespace trnsim::cosim {

class AxilAgent {
 public:
  // Starts an access; throws std::logic_error if one is still running.
  void start(bool write, uint32_t addr, uint32_t data = 0, uint8_t strb = 0xF) {
    if (busy_) {
      std::ostringstream os;
      os << "AxilAgent: " << (write ? "write" : "read") << " at 0x" << std::hex << addr
         << " started while the " << (write_ ? "write" : "read") << " at 0x" << addr_
         << " is still in progress";
      throw std::logic_error(os.str());
    }
    busy_ = true;
    done_ = false;
    write_ = write;
    addr_ = addr;
    if (write) {
      data_ = data;
      strb_ = strb;
    }
    aw_done_ = w_done_ = a_done_ = false;
  }
  void start_read(uint32_t addr) { start(false, addr); }
  void start_write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    start(true, addr, data, strb);
  }
  // Drops the access in progress (the DUT is being reset).
  void abort() { busy_ = false; }

  bool busy() const { return busy_; }
  // The last access completed and no new one was started since.
  bool done() const { return done_; }
  bool is_write() const { return write_; }
  uint32_t addr() const { return addr_; }
  // Results of the last completed access.
  uint32_t rdata() const { return rdata_; }
  uint8_t resp() const { return resp_; }
  // Writes: the cycle in which the later of the AW and W handshakes
  // happened; reads: the AR handshake cycle. Cycle numbers as passed to
  // observe().
  uint64_t handshake_cycle() const { return hs_cycle_; }
  // The cycle in which the B or R handshake completed the last access.
  uint64_t done_cycle() const { return done_cycle_; }

  template <class In>
  void drive(In& in) const {
    in.awvalid = in.wvalid = in.bready = in.arvalid = in.rready = false;
    in.awaddr = last_awaddr_;
    in.wdata = last_wdata_;
    in.wstrb = last_wstrb_;
    in.araddr = last_araddr_;
    if (!busy_) return;
    if (write_) {
      in.awvalid = !aw_done_;
      in.wvalid = !w_done_;
      in.bready = aw_done_ && w_done_;
      in.awaddr = addr_;
      in.wdata = data_;
      in.wstrb = strb_;
    } else {
      in.arvalid = !a_done_;
      in.rready = a_done_;
      in.araddr = addr_;
    }
  }

  // The DUT's outputs of this cycle (after it evaluated the inputs drive()
  // set); takes this clock edge's handshakes.
  template <class Out>
  void observe(const Out& out, uint64_t cycle) {
    if (!busy_) return;
    if (write_) {
      last_awaddr_ = addr_;
      last_wdata_ = data_;
      last_wstrb_ = strb_;
      const bool was = aw_done_ && w_done_;
      const bool bready = was;
      if (!aw_done_ && out.awready) aw_done_ = true;
      if (!w_done_ && out.wready) w_done_ = true;
      if (!was && aw_done_ && w_done_) hs_cycle_ = cycle;
      if (bready && out.bvalid) finish(cycle, 0, out.bresp);
    } else {
      last_araddr_ = addr_;
      const bool rready = a_done_;
      if (!a_done_ && out.arready) {
        a_done_ = true;
        hs_cycle_ = cycle;
      }
      if (rready && out.rvalid) finish(cycle, out.rdata, out.rresp);
    }
  }

 private:
  void finish(uint64_t cycle, uint32_t rdata, uint8_t resp) {
    if (!write_) rdata_ = rdata;
    resp_ = resp;
    busy_ = false;
    done_ = true;
    done_cycle_ = cycle;
  }

  bool busy_ = false, done_ = false, write_ = false;
  uint32_t addr_ = 0, data_ = 0;
  uint8_t strb_ = 0xF;
  bool aw_done_ = false, w_done_ = false, a_done_ = false;
  uint32_t rdata_ = 0;
  uint8_t resp_ = 0;
  uint64_t hs_cycle_ = 0, done_cycle_ = 0;
  // Pin values held while idle (the drivers always left the last access's).
  uint32_t last_awaddr_ = 0, last_wdata_ = 0, last_araddr_ = 0;
  uint8_t last_wstrb_ = 0xF;
};

}  // namespace trnsim::cosim
