// Rows x Cols grid of processing elements (PEs) of the weight-stationary
// systolic array. Activations (already skewed: row r is r cycles behind row
// 0) enter on the left and move one PE right per cycle; partial sums start at
// +0.0 at the top and move one PE down per cycle; column c's sums leave at
// the bottom, c cycles behind column 0 (the caller deskews). Weight rows are
// written straight into the addressed row's PEs (row-select broadcast).
//
// Each PE (r, c) holds two weight registers (double buffering: one bank is
// loaded while the other is used), an activation register with its tags
// (valid, bank, row enable, datatypes), and a partial-sum register. Every
// cycle the array advances (adv_i), PE (r, c) computes
//   psum(r, c) <= valid && en ? psum(r-1, c) + act(r, c-1) * w[bank](r, c)
//                             : psum(r-1, c)
// with tensor_pkg::mul and common_fp_pkg::fp32_add, the same functions the
// unit-tested tensor_mul and common_fp32_add modules wrap. Rows beyond the
// tile's K (en low) and bubbles pass the partial sum through unchanged.
//
// The grid is written as one loop over PE state held in flat vectors rather
// than as Rows*Cols module instances: Verilator emits separate code for each
// instance of a module (about 50 kB of C++ per PE here), which makes a
// 128 x 128 array impossible to compile, while the loop compiles to one
// loop body whatever the size. Synthesis unrolls it into the same grid.
module tensor_array #(
  parameter int Rows = 4,
  parameter int Cols = 4
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               adv_i,
  input  logic [Rows*16-1:0] act_i,
  input  logic [Rows-1:0]    act_valid_i,
  input  logic [Rows-1:0]    act_bank_i,
  input  logic [Rows-1:0]    act_en_i,
  input  logic [Rows*2-1:0]  dtype_a_i,
  input  logic [Rows*2-1:0]  dtype_w_i,
  output logic [Cols*32-1:0] psum_o,
  input  logic [Rows-1:0]    w_row_we_i,
  input  logic               w_bank_i,
  input  logic [Cols*16-1:0] w_i
);
  localparam int N = Rows * Cols;  // PE (r, c) is element r*Cols + c

  logic [N*16-1:0] w0_q, w0_d, w1_q, w1_d, act_q, act_d;
  logic [N-1:0]    valid_q, valid_d, bank_q, bank_d, en_q, en_d;
  logic [N*2-1:0]  dta_q, dta_d, dtw_q, dtw_d;
  logic [N*32-1:0] psum_q, psum_d;

  // Weight loads, kept apart from the datapath below so that a change on the
  // weight bus does not re-evaluate every PE in simulation.
  always_comb begin
    w0_d = w0_q;
    w1_d = w1_q;
    for (int r = 0; r < Rows; r++) begin
      if (w_row_we_i[r]) begin
        for (int c = 0; c < Cols; c++) begin
          if (w_bank_i) w1_d[(r*Cols + c)*16 +: 16] = w_i[c*16 +: 16];
          else w0_d[(r*Cols + c)*16 +: 16] = w_i[c*16 +: 16];
        end
      end
    end
  end

  always_comb begin
    logic [15:0] a, w;
    logic        v, b, e;
    logic [1:0]  da, dw;
    logic [31:0] p;
    int r, c, left, up;
    a  = '0;
    w  = '0;
    v  = 1'b0;
    b  = 1'b0;
    e  = 1'b0;
    da = '0;
    dw = '0;
    p  = '0;
    act_d   = act_q;
    valid_d = valid_q;
    bank_d  = bank_q;
    en_d    = en_q;
    dta_d   = dta_q;
    dtw_d   = dtw_q;
    psum_d  = psum_q;
    for (int i = 0; i < N; i++) begin
      r = i / Cols;
      c = i % Cols;
      // Neighbour indices, clamped so that the select in the branch not
      // taken (c == 0, r == 0) stays in range: Yosys elaborates both and
      // warns about out-of-range selects.
      left = (c == 0) ? i : i - 1;
      up   = (r == 0) ? i : i - Cols;
      if (adv_i) begin
        // Inputs of PE (r, c): from its left neighbour (or the row's input)
        // and from the PE above (or +0.0 at the top).
        if (c == 0) begin
          a  = act_i[r*16 +: 16];
          v  = act_valid_i[r];
          b  = act_bank_i[r];
          e  = act_en_i[r];
          da = dtype_a_i[r*2 +: 2];
          dw = dtype_w_i[r*2 +: 2];
        end else begin
          a  = act_q[left*16 +: 16];
          v  = valid_q[left];
          b  = bank_q[left];
          e  = en_q[left];
          da = dta_q[left*2 +: 2];
          dw = dtw_q[left*2 +: 2];
        end
        p = (r == 0) ? 32'h0000_0000 : psum_q[up*32 +: 32];
        w = b ? w1_q[i*16 +: 16] : w0_q[i*16 +: 16];
        act_d[i*16 +: 16] = a;
        valid_d[i]        = v;
        bank_d[i]         = b;
        en_d[i]           = e;
        dta_d[i*2 +: 2]   = da;
        dtw_d[i*2 +: 2]   = dw;
        if (v && e) psum_d[i*32 +: 32] = common_fp_pkg::fp32_add(p, tensor_pkg::mul(da, a, dw, w));
        else psum_d[i*32 +: 32] = p;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      w0_q    <= '0;
      w1_q    <= '0;
      act_q   <= '0;
      valid_q <= '0;
      bank_q  <= '0;
      en_q    <= '0;
      dta_q   <= '0;
      dtw_q   <= '0;
      psum_q  <= '0;
    end else begin
      w0_q    <= w0_d;
      w1_q    <= w1_d;
      act_q   <= act_d;
      valid_q <= valid_d;
      bank_q  <= bank_d;
      en_q    <= en_d;
      dta_q   <= dta_d;
      dtw_q   <= dtw_d;
      psum_q  <= psum_d;
    end
  end

  // The bottom row's partial sums are the column outputs.
  assign psum_o = psum_q[N*32-1 -: Cols*32];
endmodule
