// Small TLM-2.0 helpers every trnsim block shares: AXI <-> TLM response
// mapping, decoding a CSR access, and building payloads.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace trnsim {

// AXI response codes (OKAY, EXOKAY, SLVERR, DECERR).
enum : uint8_t { kAxiOkay = 0, kAxiExOkay = 1, kAxiSlvErr = 2, kAxiDecErr = 3 };

// AXI -> TLM: DECERR (nothing at that address) is an address error, SLVERR
// a generic error (the target is there and refused).
inline tlm::tlm_response_status axi_to_tlm(uint8_t resp) {
  switch (resp & 3) {
    case kAxiOkay:
    case kAxiExOkay: return tlm::TLM_OK_RESPONSE;
    case kAxiDecErr: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    default: return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
}

// TLM -> AXI: an address error is DECERR; any other error SLVERR.
inline uint8_t tlm_to_axi(tlm::tlm_response_status s) {
  if (s == tlm::TLM_OK_RESPONSE) return kAxiOkay;
  if (s == tlm::TLM_ADDRESS_ERROR_RESPONSE) return kAxiDecErr;
  return kAxiSlvErr;
}

// A 32-bit CSR access as the AXI4-Lite port sees it. Every block's CSR
// socket takes aligned 4-byte reads and writes (byte enables allowed on
// writes, as WSTRB) at offsets below 2^addr_bits.
struct CsrAccess {
  bool ok = false;          // false: `status` says why (nothing reaches the block)
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  bool write = false;
  uint32_t offset = 0;
  uint32_t wdata = 0;
  uint8_t wstrb = 0xF;
};

inline CsrAccess decode_csr(const tlm::tlm_generic_payload& gp, unsigned addr_bits) {
  CsrAccess a;
  const uint64_t addr = gp.get_address();
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
    a.status = tlm::TLM_COMMAND_ERROR_RESPONSE;
    return a;
  }
  if (gp.get_data_length() != 4 || gp.get_streaming_width() < 4 || (addr & 3) != 0) {
    a.status = tlm::TLM_BURST_ERROR_RESPONSE;
    return a;
  }
  if (addr >= (uint64_t{1} << addr_bits)) {
    a.status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
    return a;
  }
  a.write = gp.is_write();
  a.offset = static_cast<uint32_t>(addr);
  if (a.write) {
    std::memcpy(&a.wdata, gp.get_data_ptr(), 4);
    if (gp.get_byte_enable_ptr()) {
      a.wstrb = 0;
      const unsigned n = gp.get_byte_enable_length();
      for (unsigned i = 0; i < 4; ++i)
        if (n && gp.get_byte_enable_ptr()[i % n] == TLM_BYTE_ENABLED) a.wstrb |= 1u << i;
    }
  } else if (gp.get_byte_enable_ptr()) {
    a.status = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;  // AXI4-Lite reads have no strobes
    return a;
  }
  a.ok = true;
  return a;
}

// Byte enables of a payload as a vector (empty = all enabled), for comparing
// payloads whatever way their initiator encoded "all bytes".
inline std::vector<uint8_t> byte_enables(const tlm::tlm_generic_payload& gp) {
  std::vector<uint8_t> be;
  const unsigned char* p = gp.get_byte_enable_ptr();
  if (!p) return be;
  const unsigned n = gp.get_byte_enable_length();
  be.resize(gp.get_data_length());
  bool all = true;
  for (unsigned i = 0; i < be.size(); ++i) {
    be[i] = (n && p[i % n] == TLM_BYTE_ENABLED) ? 0xFF : 0x00;
    all = all && be[i];
  }
  if (all) be.clear();
  return be;
}

// Fills a payload for a simple access; `data` must outlive the call.
inline void set_payload(tlm::tlm_generic_payload& gp, tlm::tlm_command cmd, uint64_t addr,
                        unsigned char* data, unsigned len,
                        unsigned char* be = nullptr, unsigned be_len = 0) {
  gp.set_command(cmd);
  gp.set_address(addr);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_byte_enable_ptr(be);
  gp.set_byte_enable_length(be ? be_len : 0);
  gp.set_dmi_allowed(false);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// "the cycle count that covers t" at period p: ceil(t / p).
inline uint64_t cycles_ceil(const sc_core::sc_time& t, const sc_core::sc_time& p) {
  const uint64_t tv = t.value(), pv = p.value();
  return (tv + pv - 1) / pv;
}

}  // namespace trnsim
