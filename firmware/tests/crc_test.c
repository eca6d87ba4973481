/* CRC-32 (IEEE, reflected) two ways, table and bitwise, over a generated
   buffer, plus the standard check value and some M-extension arithmetic.
   Returns 0 on success, else the number of the failed check. */
#include <stdint.h>

static uint32_t table[256];
static uint8_t buf[4096];

static uint32_t crc_bitwise(const uint8_t* p, uint32_t n) {
  uint32_t c = 0xFFFFFFFFu;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
  }
  return ~c;
}

static uint32_t crc_table(const uint8_t* p, uint32_t n) {
  uint32_t c = 0xFFFFFFFFu;
  while (n--) c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
  return ~c;
}

int main(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
    table[i] = c;
  }
  static const uint8_t check[] = "123456789";
  if (crc_bitwise(check, 9) != 0xCBF43926u) return 1;
  if (crc_table(check, 9) != 0xCBF43926u) return 2;
  uint32_t x = 12345;
  for (uint32_t i = 0; i < sizeof buf; ++i) {
    x = x * 1103515245u + 12345u;
    buf[i] = (uint8_t)(x >> 16);
  }
  if (crc_table(buf, sizeof buf) != crc_bitwise(buf, sizeof buf)) return 3;
  volatile int32_t a = -7, b = 2;
  volatile uint32_t ua = 0xFFFFFFF0u, ub = 3;
  if (a / b != -3 || a % b != -1) return 4;
  if (ua / ub != 0x55555550u || ua % ub != 0) return 5;
  volatile uint64_t w = 0x123456789ABCDEFull, v = 0xFEDCBA987ull;
  if (w * v != 0x123456789ABCDEFull * 0xFEDCBA987ull) return 6;
  if (w / 1000003u != 0x123456789ABCDEFull / 1000003u) return 7;
  volatile int16_t s16 = -2;
  volatile int8_t s8 = -3;
  if ((int32_t)s16 * s8 != 6) return 8;
  return 0;
}
