/* Known-answer test of the tensor engine (firmware/boot/selftest.c): a
   4 x 4 x 4 BF16 GEMM, C[m][n] = sum_k A[m][k] x W[k][n], on a 4 x 4 array.
   Plain C data, also included by the host test (testbenches/mgmt/
   test_mgmt_rig.cpp, "tensor KAT constants match numerics"), which recomputes
   C with the golden model (systemc/numerics gemm_ref) and compares bit for bit.

   Derivation: A[m][k] = (m + 1) / 2 - k / 4 and W[k][n] = 4k + n - 6, both
   exact in BF16 (codes = the upper 16 bits of the FP32 value); every product
   and partial sum is a multiple of 1/4 below 2^8, so FP32 is exact and the
   summation order does not matter. E.g. C[3][3]: row 3 of A is (2, 1.75, 1.5,
   1.25), column 3 of W is (-3, 1, 5, 9): -6 + 1.75 + 7.5 + 11.25 = 14.5 =
   0x41680000. The tables were computed with a few lines of Python
   (struct.pack('<f', v) >> 16 for BF16). */
#ifndef TRNSIM_FW_TENSOR_KAT_H_
#define TRNSIM_FW_TENSOR_KAT_H_

#include <stdint.h>

#define KAT_M 4
#define KAT_K 4
#define KAT_N 4
/* Largest array (rows or cols) the firmware pads the test to. */
#define KAT_MAX_LANES 256

/* Activations A[m][k] (BF16), one stream row per m. */
static const uint16_t kat_a[KAT_M][KAT_K] = {
    {0x3f00, 0x3e80, 0x0000, 0xbe80}, /* 0.5 0.25 0 -0.25 */
    {0x3f80, 0x3f40, 0x3f00, 0x3e80}, /* 1 0.75 0.5 0.25 */
    {0x3fc0, 0x3fa0, 0x3f80, 0x3f40}, /* 1.5 1.25 1 0.75 */
    {0x4000, 0x3fe0, 0x3fc0, 0x3fa0}, /* 2 1.75 1.5 1.25 */
};
/* Weights W[k][n] (BF16), one stream row per k. */
static const uint16_t kat_w[KAT_K][KAT_N] = {
    {0xc0c0, 0xc0a0, 0xc080, 0xc040}, /* -6 -5 -4 -3 */
    {0xc000, 0xbf80, 0x0000, 0x3f80}, /* -2 -1 0 1 */
    {0x4000, 0x4040, 0x4080, 0x40a0}, /* 2 3 4 5 */
    {0x40c0, 0x40e0, 0x4100, 0x4110}, /* 6 7 8 9 */
};
/* Expected C[m][n] (FP32 bits). */
static const uint32_t kat_c[KAT_M][KAT_N] = {
    {0xc0a00000, 0xc0900000, 0xc0800000, 0xc0600000}, /* -5 -4.5 -4 -3.5 */
    {0xc0a00000, 0xc0200000, 0x00000000, 0x40200000}, /* -5 -2.5 0 2.5 */
    {0xc0a00000, 0xbf000000, 0x40800000, 0x41080000}, /* -5 -0.5 4 8.5 */
    {0xc0a00000, 0x3fc00000, 0x41000000, 0x41680000}, /* -5 1.5 8 14.5 */
};

#endif
