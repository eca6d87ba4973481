// Synchronous FIFO with first-word fall-through: data_o shows the head while
// empty_o is low. Push when full or pop when empty is a caller bug, caught by
// assertions (and ignored by the logic, so the FIFO never corrupts itself).
module common_fifo #(
  parameter int Width = 8,
  parameter int Depth = 4,
  localparam int PtrBits = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int CountBits = $clog2(Depth + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 push_i,
  input  logic [Width-1:0]     data_i,
  input  logic                 pop_i,
  output logic [Width-1:0]     data_o,
  output logic                 empty_o,
  output logic                 full_o,
  output logic [CountBits-1:0] count_o
);
  logic [Width-1:0] mem_q [Depth];
  logic [PtrBits-1:0] rptr_q, rptr_d, wptr_q, wptr_d;
  logic [CountBits-1:0] count_q, count_d;
  logic do_push, do_pop;

  assign empty_o = (count_q == '0);
  assign full_o  = (count_q == CountBits'(Depth));
  assign count_o = count_q;
  assign data_o  = mem_q[rptr_q];
  assign do_push = push_i && !full_o;
  assign do_pop  = pop_i && !empty_o;

  function automatic logic [PtrBits-1:0] ptr_inc(input logic [PtrBits-1:0] p);
    if (p == PtrBits'(Depth - 1)) ptr_inc = '0;
    else ptr_inc = p + PtrBits'(1);
  endfunction

  always_comb begin
    rptr_d  = rptr_q;
    wptr_d  = wptr_q;
    count_d = count_q;
    if (do_push) wptr_d = ptr_inc(wptr_q);
    if (do_pop) rptr_d = ptr_inc(rptr_q);
    if (do_push && !do_pop) count_d = count_q + CountBits'(1);
    if (do_pop && !do_push) count_d = count_q - CountBits'(1);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rptr_q  <= '0;
      wptr_q  <= '0;
      count_q <= '0;
    end else begin
      rptr_q  <= rptr_d;
      wptr_q  <= wptr_d;
      count_q <= count_d;
    end
  end

  // Storage has no reset: a word is only read after it was written.
  always_ff @(posedge clk_i) begin
    if (do_push) mem_q[wptr_q] <= data_i;
  end

`ifndef SYNTHESIS
`ifdef VERILATOR
  // Callers keep push/pop low in reset, so no reset gating is needed.
  always_ff @(posedge clk_i) begin
    assert (!(push_i && full_o && !pop_i)) else $error("common_fifo: push while full");
    assert (!(pop_i && empty_o)) else $error("common_fifo: pop while empty");
  end
`endif
`endif
endmodule
