// Floating-point arithmetic shared by every block, as functions so that the
// one definition can be called inside a loop over many PEs (one Verilated
// loop body) as well as wrapped by a module for unit tests
// (common_fp32_add). Semantics: trnsim::numerics (docs/numerics.md).
package common_fp_pkg;

  localparam logic [31:0] Fp32CanonicalNan = 32'h7FC0_0000;

  // FP32 addition of the PE and PSUM accumulators: x86 addss with FTZ+DAZ
  // and round-to-nearest-even. Subnormal operands read as signed zero; any
  // NaN, and inf + -inf, give the canonical NaN; exact cancellation gives
  // +0; overflow gives signed inf; results below 2^-126 flush to signed
  // zero. With normal operands a result that small is always exact, so
  // flushing never interacts with rounding.
  function automatic logic [31:0] fp32_add(input logic [31:0] a, input logic [31:0] b);
    logic        a_zero, b_zero, a_inf, b_inf, a_nan, b_nan;
    logic        swap, eff_sub;
    logic [31:0] larger;
    logic [30:0] smaller;
    logic [7:0]  exp_diff;
    logic [4:0]  shift_amt;
    logic [49:0] smaller_shifted;
    logic [26:0] smaller_aligned;
    logic [27:0] larger_ext, sig_sum;
    logic [31:0] norm;
    logic [4:0]  lzc;
    logic        round_up;
    logic [23:0] frac_rounded;
    logic [9:0]  exp_res;

    // DAZ: a zero exponent field is zero whatever the fraction holds.
    a_zero = (a[30:23] == 8'h00);
    b_zero = (b[30:23] == 8'h00);
    a_inf  = (a[30:23] == 8'hFF) && (a[22:0] == 23'h0);
    b_inf  = (b[30:23] == 8'hFF) && (b[22:0] == 23'h0);
    a_nan  = (a[30:23] == 8'hFF) && (a[22:0] != 23'h0);
    b_nan  = (b[30:23] == 8'hFF) && (b[22:0] != 23'h0);

    // Order the operands by magnitude so that only the smaller one is
    // shifted and an effective subtraction never goes negative. The result
    // takes the sign of the larger one.
    swap     = (b[30:0] > a[30:0]);
    larger   = swap ? b : a;
    smaller  = swap ? a[30:0] : b[30:0];
    eff_sub  = a[31] ^ b[31];
    exp_diff = larger[30:23] - smaller[30:23];

    // Align the smaller significand to the larger one's guard, round and
    // sticky positions. A shift of 26 or more leaves only sticky, so the
    // shift amount saturates at 31, keeping the shifter 5 bits wide.
    shift_amt       = (exp_diff > 8'd31) ? 5'd31 : exp_diff[4:0];
    smaller_shifted = {1'b1, smaller[22:0], 26'h0} >> shift_amt;
    smaller_aligned = {smaller_shifted[49:24], |smaller_shifted[23:0]};

    // Bit 27 catches the carry of an effective addition. One sticky bit
    // below guard and round still rounds a subtraction correctly: a shift
    // of 2 or more leaves at most one bit of cancellation to normalise, and
    // a shift of 0 or 1 loses nothing into sticky.
    larger_ext = {2'b01, larger[22:0], 3'b000};
    sig_sum    = eff_sub ? (larger_ext - {1'b0, smaller_aligned})
                         : (larger_ext + {1'b0, smaller_aligned});

    // Leading-zero normalisation in five binary steps: cheaper than a
    // priority encoder plus a separate barrel shifter, and it yields the
    // shifted value and the count together. A zero sum (exact cancellation)
    // has no leading one and is handled separately.
    norm   = {sig_sum, 4'h0};
    lzc[4] = (norm[31:16] == 16'h0);
    norm   = lzc[4] ? {norm[15:0], 16'h0} : norm;
    lzc[3] = (norm[31:24] == 8'h0);
    norm   = lzc[3] ? {norm[23:0], 8'h0} : norm;
    lzc[2] = (norm[31:28] == 4'h0);
    norm   = lzc[2] ? {norm[27:0], 4'h0} : norm;
    lzc[1] = (norm[31:30] == 2'h0);
    norm   = lzc[1] ? {norm[29:0], 2'h0} : norm;
    lzc[0] = !norm[31];
    norm   = lzc[0] ? {norm[30:0], 1'b0} : norm;

    // norm[31] is now the hidden one, norm[30:8] the fraction, norm[7]
    // guard, norm[6] round and norm[5:0] sticky. With the hidden bit always
    // one, rounding overflows the significand exactly when the fraction
    // carries out, giving 2.0 whose fraction is zero: the carry only has to
    // bump the exponent.
    round_up     = norm[7] && (norm[6] || (norm[5:0] != 6'h0) || norm[8]);
    frac_rounded = {1'b0, norm[30:8]} + {23'h0, round_up};

    // Biased exponent larger_exp + 1 - lzc (the +1 because bit 27 of the
    // sum is the 2^1 place), plus the rounding carry, in 10-bit two's
    // complement: bit 9 set means negative, below the normal range.
    exp_res = {2'b00, larger[30:23]} + 10'd1 - {5'h00, lzc} + {9'h000, frac_rounded[23]};

    if (a_nan || b_nan || (a_inf && b_inf && eff_sub)) begin
      fp32_add = Fp32CanonicalNan;
    end else if (a_inf) begin
      fp32_add = a;
    end else if (b_inf) begin
      fp32_add = b;
    end else if (a_zero && b_zero) begin
      // IEEE: the sum of two zeros is -0 only if both are -0.
      fp32_add = {a[31] && b[31], 31'h0};
    end else if (a_zero) begin
      fp32_add = b;
    end else if (b_zero) begin
      fp32_add = a;
    end else if (sig_sum == 28'h0) begin
      fp32_add = 32'h0000_0000;
    end else if (exp_res[9] || (exp_res == 10'd0)) begin
      fp32_add = {larger[31], 31'h0};
    end else if (exp_res >= 10'd255) begin
      fp32_add = {larger[31], 8'hFF, 23'h0};
    end else begin
      fp32_add = {larger[31], exp_res[7:0], frac_rounded[22:0]};
    end
  endfunction

endpackage
