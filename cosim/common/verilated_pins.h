// Moving lane data between C++ words and Verilated ports of any width.
// Verilator represents ports of up to 8/16/32/64 bits as CData/SData/IData/
// QData and wider ones as VlWide<N>; these helpers hide the difference so a
// driver can be written once for every array size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "verilated.h"

namespace trnsim::cosim {

template <typename T>
inline std::enable_if_t<std::is_integral_v<T>> put_words(T& port, const uint32_t* w,
                                                         std::size_t nwords) {
  uint64_t v = nwords > 0 ? w[0] : 0;
  if (nwords > 1) v |= static_cast<uint64_t>(w[1]) << 32;
  port = static_cast<T>(v);
}

template <std::size_t N>
inline void put_words(VlWide<N>& port, const uint32_t* w, std::size_t nwords) {
  for (std::size_t i = 0; i < N; ++i) port[i] = i < nwords ? w[i] : 0;
}

template <typename T>
inline std::enable_if_t<std::is_integral_v<T>> get_words(const T& port, uint32_t* w,
                                                         std::size_t nwords) {
  const uint64_t v = static_cast<uint64_t>(port);
  if (nwords > 0) w[0] = static_cast<uint32_t>(v);
  if (nwords > 1) w[1] = static_cast<uint32_t>(v >> 32);
}

template <std::size_t N>
inline void get_words(const VlWide<N>& port, uint32_t* w, std::size_t nwords) {
  for (std::size_t i = 0; i < nwords; ++i) w[i] = i < N ? port[i] : 0;
}

}  // namespace trnsim::cosim
