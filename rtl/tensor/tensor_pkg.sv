// Tensor engine constants and the PE's multiply, as functions so that the one
// definition serves both the array (called in one loop over all PEs) and the
// tensor_mul module that unit-tests it. The numerics are specified by the
// golden model (systemc/numerics/numerics.h, docs/numerics.md).
package tensor_pkg;

  // Datatype codes, as in CMD_CFG.DTYPE_* and trnsim::numerics::Dtype.
  localparam logic [1:0] DtypeBf16    = 2'd0;
  localparam logic [1:0] DtypeFp8E4m3 = 2'd1;
  localparam logic [1:0] DtypeFp8E5m2 = 2'd2;

  // Every E4M3 and E5M2 value, subnormals included, is a normal BF16 value
  // (BF16 has a wider exponent range and more fraction bits), so one widening
  // to BF16 lets a single BF16 x BF16 datapath serve all format pairs.
  localparam logic [15:0] Bf16CanonicalNan = 16'h7FC0;
  localparam logic [31:0] Fp32CanonicalNan = 32'h7FC0_0000;
  // FP32 exponent bias minus the FP8 bias; a BF16 exponent field is FP32's.
  localparam logic [7:0]  E4m3ToBf16ExpOffset = 8'd120;
  localparam logic [7:0]  E5m2ToBf16ExpOffset = 8'd112;

  // Exact widening of an input code to BF16 bits. FP8 codes use code[7:0].
  // BF16 passes through unchanged (its subnormals stay subnormal; the
  // consumer applies DAZ). FP8 NaNs become the canonical NaN. The illegal
  // code 3 yields +0; consumers that must ignore it check the code themselves.
  function automatic logic [15:0] widen_to_bf16(input logic [1:0]  dtype,
                                                input logic [15:0] code);
    logic       sign;
    logic [3:0] e4m3_exp;
    logic [2:0] e4m3_man;
    logic [4:0] e5m2_exp;
    logic [1:0] e5m2_man;
    sign     = code[7];
    e4m3_exp = code[6:3];
    e4m3_man = code[2:0];
    e5m2_exp = code[6:2];
    e5m2_man = code[1:0];
    widen_to_bf16 = 16'h0000;
    unique case (dtype)
      DtypeBf16: begin
        widen_to_bf16 = code;
      end
      DtypeFp8E4m3: begin
        // OCP "FN" E4M3 has no infinities; only S.1111.111 is NaN.
        if (e4m3_exp == 4'hF && e4m3_man == 3'h7) begin
          widen_to_bf16 = Bf16CanonicalNan;
        end else if (e4m3_exp != 4'h0) begin
          widen_to_bf16 = {sign, {4'h0, e4m3_exp} + E4m3ToBf16ExpOffset, e4m3_man, 4'h0};
        end else if (e4m3_man[2]) begin
          // Subnormal m/8 * 2^-6: shift the leading one out into the hidden
          // bit and lower the exponent by the shift.
          widen_to_bf16 = {sign, E4m3ToBf16ExpOffset, e4m3_man[1:0], 5'h00};
        end else if (e4m3_man[1]) begin
          widen_to_bf16 = {sign, E4m3ToBf16ExpOffset - 8'd1, e4m3_man[0], 6'h00};
        end else if (e4m3_man[0]) begin
          widen_to_bf16 = {sign, E4m3ToBf16ExpOffset - 8'd2, 7'h00};
        end else begin
          widen_to_bf16 = {sign, 15'h0000};
        end
      end
      DtypeFp8E5m2: begin
        if (e5m2_exp == 5'h1F) begin
          widen_to_bf16 = (e5m2_man != 2'h0) ? Bf16CanonicalNan : {sign, 8'hFF, 7'h00};
        end else if (e5m2_exp != 5'h00) begin
          widen_to_bf16 = {sign, {3'h0, e5m2_exp} + E5m2ToBf16ExpOffset, e5m2_man, 5'h00};
        end else if (e5m2_man[1]) begin
          // Subnormal m/4 * 2^-14, normalised as for E4M3.
          widen_to_bf16 = {sign, E5m2ToBf16ExpOffset, e5m2_man[0], 6'h00};
        end else if (e5m2_man[0]) begin
          widen_to_bf16 = {sign, E5m2ToBf16ExpOffset - 8'd1, 7'h00};
        end else begin
          widen_to_bf16 = {sign, 15'h0000};
        end
      end
      default: begin
        widen_to_bf16 = 16'h0000;
      end
    endcase
  endfunction

  // The PE's product (trnsim::numerics::mul): widen both operands exactly,
  // DAZ, NaN or inf*0 -> canonical NaN, inf*x -> signed inf, overflow ->
  // signed inf, magnitude below 2^-126 -> signed zero (FTZ); the illegal
  // datatype code 3 on either side gives +0.
  //
  // With both operands widened to BF16 the datapath is one 8x8 significand
  // multiplier. Its 16-bit product always fits the 24-bit FP32 significand:
  // nothing is ever rounded, only range-checked.
  function automatic logic [31:0] mul(input logic [1:0]  dtype_a,
                                      input logic [15:0] a,
                                      input logic [1:0]  dtype_b,
                                      input logic [15:0] b);
    logic [15:0] a_wide, b_wide;
    logic        prod_sign;
    logic        a_zero, b_zero, a_inf, b_inf, a_nan, b_nan;
    logic [15:0] sig_prod;
    logic [9:0]  exp_sum;
    logic [7:0]  prod_exp;
    logic [22:0] prod_man;

    a_wide    = widen_to_bf16(dtype_a, a);
    b_wide    = widen_to_bf16(dtype_b, b);
    prod_sign = a_wide[15] ^ b_wide[15];

    // A zero exponent field is a zero or a BF16 subnormal; DAZ reads both
    // as zero, so the mantissa need not be looked at.
    a_zero = (a_wide[14:7] == 8'h00);
    b_zero = (b_wide[14:7] == 8'h00);
    a_inf  = (a_wide[14:7] == 8'hFF) && (a_wide[6:0] == 7'h00);
    b_inf  = (b_wide[14:7] == 8'hFF) && (b_wide[6:0] == 7'h00);
    a_nan  = (a_wide[14:7] == 8'hFF) && (a_wide[6:0] != 7'h00);
    b_nan  = (b_wide[14:7] == 8'hFF) && (b_wide[6:0] != 7'h00);

    // Significands 1.m in [1, 2) multiply to [1, 4); bit 15 set means
    // [2, 4) and moves the binary point one place.
    sig_prod = {1'b1, a_wide[6:0]} * {1'b1, b_wide[6:0]};

    // The sum of the two biased exponents (plus the normalising carry)
    // holds one bias too many; comparing it against bias-shifted limits
    // avoids a signed subtraction. Range 2..509 fits 10 bits. Once the
    // range is checked only the low 8 bits matter, and -127 = +129 mod 256.
    exp_sum  = {2'b00, a_wide[14:7]} + {2'b00, b_wide[14:7]} + {9'h000, sig_prod[15]};
    prod_exp = exp_sum[7:0] + 8'd129;
    prod_man = sig_prod[15] ? {sig_prod[14:0], 8'h00} : {sig_prod[13:0], 9'h000};

    if ((dtype_a == 2'd3) || (dtype_b == 2'd3)) begin
      mul = 32'h0000_0000;
    end else if (a_nan || b_nan || (a_inf && b_zero) || (b_inf && a_zero)) begin
      mul = Fp32CanonicalNan;
    end else if (a_inf || b_inf || (exp_sum >= 10'd382)) begin
      // exp_sum >= 382: biased exponent exp_sum - 127 >= 255.
      mul = {prod_sign, 8'hFF, 23'h00_0000};
    end else if (a_zero || b_zero || (exp_sum <= 10'd127)) begin
      // exp_sum <= 127: biased exponent <= 0, below 2^-126.
      mul = {prod_sign, 31'h0000_0000};
    end else begin
      mul = {prod_sign, prod_exp, prod_man};
    end
  endfunction

endpackage
