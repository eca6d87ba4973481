// Round-robin arbiter over N requesters. gnt_o (one-hot) and idx_o name the
// first requester at or after the priority pointer; when ack_i is high the
// pointer moves past the granted requester, so it has the lowest priority next
// time. Combinational from req_i; the pointer is the only state.
module common_rr_arbiter #(
  parameter int N = 4,
  localparam int IdxBits = (N > 1) ? $clog2(N) : 1
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic [N-1:0]       req_i,
  input  logic               ack_i,
  output logic               valid_o,
  output logic [N-1:0]       gnt_o,
  output logic [IdxBits-1:0] idx_o
);
  logic [IdxBits-1:0] ptr_q, ptr_d;

  logic               hi_found, lo_found;
  logic [IdxBits-1:0] hi_idx, lo_idx;

  // The lowest requester at or after the pointer, else the lowest overall.
  always_comb begin
    hi_found = 1'b0;
    lo_found = 1'b0;
    hi_idx   = '0;
    lo_idx   = '0;
    for (int k = N - 1; k >= 0; k--) begin
      if (req_i[k]) begin
        lo_found = 1'b1;
        lo_idx   = IdxBits'(k);
        if (32'(k) >= 32'(ptr_q)) begin
          hi_found = 1'b1;
          hi_idx   = IdxBits'(k);
        end
      end
    end
    valid_o = lo_found;
    idx_o   = hi_found ? hi_idx : lo_idx;
    gnt_o   = '0;
    if (valid_o) gnt_o[idx_o] = 1'b1;
  end

  always_comb begin
    ptr_d = ptr_q;
    if (ack_i && valid_o) begin
      ptr_d = (32'(idx_o) == 32'(N - 1)) ? '0 : idx_o + IdxBits'(1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ptr_q <= '0;
    else ptr_q <= ptr_d;
  end
endmodule
