// DMA realigner: turns the source beats of each row (beat aligned in source
// address space) into destination beats (beat aligned in destination
// address space) with the byte strobes of the row's bytes.
//
// Per row, with so/do the byte offsets of the row's source and destination
// within a beat, NI = ceil((so+len)/B) source beats and NO = ceil((do+len)/B)
// destination beats. Destination beat j is a window of the concatenation
// {source beat j+lead, source beat j+lead-1} shifted by rot = (do-so) mod B,
// where lead = (do < so): when the destination offset is smaller, the first
// source beat only primes the previous-beat register. At most one final
// destination beat is made from the previous beat alone (flush). One idle
// cycle per row computes the next row's offsets.
module dma_realign #(
  parameter int DataBits = 256,
  localparam int DataBytes = DataBits / 8,
  localparam int OffBits = $clog2(DataBytes)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 start_i,
  input  logic [OffBits-1:0]   src_off_i,     // low bits of the source address
  input  logic [OffBits-1:0]   dst_off_i,
  input  logic [31:0]          len_i,
  input  logic [15:0]          rows_i,
  input  logic [31:0]          src_stride_i,
  input  logic [31:0]          dst_stride_i,
  input  logic                 abort_i,
  output logic                 busy_o,
  // source beats
  input  logic                 in_valid_i,
  output logic                 in_ready_o,
  input  logic [DataBits-1:0]  in_data_i,
  // destination beats
  output logic                 out_valid_o,
  input  logic                 out_ready_i,
  output logic [DataBits-1:0]  out_data_o,
  output logic [DataBytes-1:0] out_strb_o
);
  typedef enum logic [1:0] {StIdle, StSetup, StRow} state_e;
  state_e state_q, state_d;

  logic [OffBits-1:0]  src_off_q, src_off_d, dst_off_q, dst_off_d;
  logic [OffBits-1:0]  src_step_q, src_step_d, dst_step_q, dst_step_d;
  logic [31:0]         len_q, len_d;
  logic [15:0]         rows_left_q, rows_left_d;
  logic [31:0]         ni_q, ni_d, no_q, no_d;       // beats done in this row
  logic [31:0]         ni_tot_q, ni_tot_d, no_tot_q, no_tot_d;
  logic                lead_q, lead_d;
  logic [OffBits-1:0]  rot_q, rot_d;
  logic [OffBits-1:0]  last_lane_q, last_lane_d;
  logic [DataBits-1:0] prev_q, prev_d;

  logic                have_in, emit, flush;
  logic [DataBits-1:0] cur;
  logic [2*DataBits-1:0] window;
  logic [OffBits-1:0]  lo_lane, hi_lane;

  assign have_in = (state_q == StRow) && (ni_q < ni_tot_q);
  // An input beat makes an output unless it only primes prev (lead, first beat).
  assign emit    = have_in && !(lead_q && ni_q == 32'd0);
  assign flush   = (state_q == StRow) && !have_in && (no_q < no_tot_q);

  assign in_ready_o  = have_in && !abort_i && (!emit || out_ready_i);
  assign out_valid_o = !abort_i && ((emit && in_valid_i) || flush);

  assign cur        = flush ? '0 : in_data_i;
  assign window     = {cur, prev_q};
  assign out_data_o = DataBits'(window >> ((DataBytes - 32'(rot_q)) * 8));

  assign lo_lane = (no_q == 32'd0) ? dst_off_q : '0;
  assign hi_lane = (no_q == no_tot_q - 32'd1) ? last_lane_q : OffBits'(DataBytes - 1);
  always_comb begin
    for (int l = 0; l < DataBytes; l++) begin
      out_strb_o[l] = (OffBits'(l) >= lo_lane) && (OffBits'(l) <= hi_lane);
    end
  end

  always_comb begin
    state_d     = state_q;
    src_off_d   = src_off_q;
    dst_off_d   = dst_off_q;
    src_step_d  = src_step_q;
    dst_step_d  = dst_step_q;
    len_d       = len_q;
    rows_left_d = rows_left_q;
    ni_d        = ni_q;
    no_d        = no_q;
    ni_tot_d    = ni_tot_q;
    no_tot_d    = no_tot_q;
    lead_d      = lead_q;
    rot_d       = rot_q;
    last_lane_d = last_lane_q;
    prev_d      = prev_q;
    unique case (state_q)
      StIdle: begin
        if (start_i) begin
          src_off_d   = src_off_i;
          dst_off_d   = dst_off_i;
          src_step_d  = src_stride_i[OffBits-1:0];
          dst_step_d  = dst_stride_i[OffBits-1:0];
          len_d       = len_i;
          rows_left_d = rows_i;
          state_d     = StSetup;
        end
      end
      StSetup: begin
        ni_d        = '0;
        no_d        = '0;
        ni_tot_d    = (32'(src_off_q) + len_q + 32'(DataBytes - 1)) >> OffBits;
        no_tot_d    = (32'(dst_off_q) + len_q + 32'(DataBytes - 1)) >> OffBits;
        lead_d      = dst_off_q < src_off_q;
        rot_d       = dst_off_q - src_off_q;
        last_lane_d = OffBits'(32'(dst_off_q) + len_q - 32'd1);
        state_d     = StRow;
      end
      StRow: begin
        if (in_valid_i && in_ready_o) begin
          ni_d   = ni_q + 32'd1;
          prev_d = in_data_i;
          if (emit) no_d = no_q + 32'd1;
        end else if (flush && out_ready_i) begin
          no_d = no_q + 32'd1;
        end
        if (ni_d == ni_tot_q && no_d == no_tot_q) begin
          rows_left_d = rows_left_q - 16'd1;
          src_off_d   = src_off_q + src_step_q;
          dst_off_d   = dst_off_q + dst_step_q;
          if (rows_left_q == 16'd1) state_d = StIdle;
          else state_d = StSetup;
        end
      end
      default: state_d = StIdle;
    endcase
    if (abort_i) state_d = StIdle;
  end

  assign busy_o = (state_q != StIdle);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      src_off_q   <= '0;
      dst_off_q   <= '0;
      src_step_q  <= '0;
      dst_step_q  <= '0;
      len_q       <= '0;
      rows_left_q <= '0;
      ni_q        <= '0;
      no_q        <= '0;
      ni_tot_q    <= '0;
      no_tot_q    <= '0;
      lead_q      <= 1'b0;
      rot_q       <= '0;
      last_lane_q <= '0;
      prev_q      <= '0;
    end else begin
      state_q     <= state_d;
      src_off_q   <= src_off_d;
      dst_off_q   <= dst_off_d;
      src_step_q  <= src_step_d;
      dst_step_q  <= dst_step_d;
      len_q       <= len_d;
      rows_left_q <= rows_left_d;
      ni_q        <= ni_d;
      no_q        <= no_d;
      ni_tot_q    <= ni_tot_d;
      no_tot_q    <= no_tot_d;
      lead_q      <= lead_d;
      rot_q       <= rot_d;
      last_lane_q <= last_lane_d;
      prev_q      <= prev_d;
    end
  end

  logic unused;
  assign unused = ^{src_stride_i[31:OffBits], dst_stride_i[31:OffBits]};

`ifndef SYNTHESIS
`ifndef __ICARUS__
  logic sva_rst_n;
  assign sva_rst_n = rst_ni;
  OutStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      out_valid_o && !out_ready_i && !abort_i |=> out_valid_o || abort_i)
    else $error("dma_realign: output dropped before it was accepted");
  StrbNonZero: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      out_valid_o |-> out_strb_o != '0)
    else $error("dma_realign: destination beat with no byte enabled");
`endif
`endif
endmodule
