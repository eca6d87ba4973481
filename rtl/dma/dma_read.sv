// DMA read path: splits each row of a job into AXI4 INCR read bursts (beat
// aligned, at most MaxBurstBeats beats, never crossing 4 KiB) and collects
// the data beats, in order, in a FIFO for the realigner.
//
// A burst is issued only when the FIFO has room for all beats in flight plus
// the new burst, so RREADY is always high and R never backs up into the
// interconnect. At most MaxOutstanding bursts are in flight.
//
// abort_i stops new bursts (one already offered on AR stays until accepted,
// as AXI requires), drops the data of every later R beat and empties the
// FIFO; drained_o is high once nothing is in flight and the FIFO is empty.
// A beat with RRESP != OKAY is not queued; err_o pulses with the address of
// its burst (the engine then aborts).
module dma_read #(
  parameter int DataBits = 256,
  parameter int MaxBurstBeats = 16,
  parameter int MaxOutstanding = 8,
  localparam int DataBytes = DataBits / 8,
  localparam int OffBits = $clog2(DataBytes),
  localparam int FifoBeats = MaxBurstBeats * MaxOutstanding,
  localparam int CntBits = $clog2(FifoBeats + 1)
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  // job (start_i: one-cycle pulse while idle)
  input  logic                start_i,
  input  logic [63:0]         src_i,
  input  logic [31:0]         len_i,
  input  logic [15:0]         rows_i,
  input  logic [31:0]         stride_i,
  input  logic                abort_i,
  output logic                busy_o,       // bursts left to issue or in flight
  output logic                drained_o,    // nothing in flight, FIFO empty
  // AR (ID, size and burst type are set by the engine)
  output logic                ar_valid_o,
  input  logic                ar_ready_i,
  output logic [63:0]         ar_addr_o,
  output logic [7:0]          ar_len_o,
  // R (only beats of the data ID)
  input  logic                r_valid_i,
  output logic                r_ready_o,
  input  logic [DataBits-1:0] r_data_i,
  input  logic [1:0]          r_resp_i,
  input  logic                r_last_i,
  // data beats to the realigner
  output logic                out_valid_o,
  input  logic                out_ready_i,
  output logic [DataBits-1:0] out_data_o,
  // error
  output logic                err_o,
  output logic [63:0]         err_addr_o
);
  localparam int OutBits = $clog2(MaxOutstanding + 1);

  // Row walker
  logic        active_q, active_d;
  logic [15:0] rows_left_q, rows_left_d;
  logic [63:0] row_addr_q, row_addr_d;
  logic [63:0] beat_addr_q, beat_addr_d;
  logic [31:0] beats_left_q, beats_left_d;
  logic [31:0] stride_q, stride_d;
  logic [31:0] len_q, len_d;
  logic        ar_hold_q, ar_hold_d;

  logic [CntBits-1:0] inflight_q, inflight_d;
  logic [OutBits-1:0] outst_q, outst_d;
  logic [31:0]        burst_beats, to_boundary;
  logic               ar_fire, r_fire, r_ok, push, pop;
  logic               fifo_empty, fifo_full;
  logic [CntBits-1:0] fifo_count;
  logic [63:0]        next_row;

  function automatic logic [31:0] row_beats(input logic [OffBits-1:0] off, input logic [31:0] len);
    row_beats = (32'(off) + len + 32'(DataBytes - 1)) >> OffBits;
  endfunction

  // Beats up to the 4 KiB boundary, the burst limit and the end of the row.
  assign to_boundary = (32'(AxiBoundary) - 32'(beat_addr_q[11:0])) >> OffBits;
  localparam int AxiBoundary = dma_pkg::AxiBoundaryBytes;
  always_comb begin
    burst_beats = beats_left_q;
    if (burst_beats > 32'(MaxBurstBeats)) burst_beats = 32'(MaxBurstBeats);
    if (burst_beats > to_boundary) burst_beats = to_boundary;
  end

  assign ar_valid_o = active_q && (ar_hold_q ||
                      (!abort_i && 32'(outst_q) < 32'(MaxOutstanding) &&
                       32'(inflight_q) + 32'(fifo_count) + burst_beats <= 32'(FifoBeats)));
  assign ar_addr_o  = beat_addr_q;
  assign ar_len_o   = 8'(burst_beats - 32'd1);
  assign ar_fire    = ar_valid_o && ar_ready_i;
  assign next_row   = row_addr_q + 64'(stride_q);

  always_comb begin
    active_d     = active_q;
    rows_left_d  = rows_left_q;
    row_addr_d   = row_addr_q;
    beat_addr_d  = beat_addr_q;
    beats_left_d = beats_left_q;
    stride_d     = stride_q;
    len_d        = len_q;
    ar_hold_d    = ar_valid_o && !ar_ready_i;
    if (start_i) begin
      active_d     = 1'b1;
      rows_left_d  = rows_i;
      row_addr_d   = src_i;
      beat_addr_d  = {src_i[63:OffBits], {OffBits{1'b0}}};
      beats_left_d = row_beats(src_i[OffBits-1:0], len_i);
      stride_d     = stride_i;
      len_d        = len_i;
    end else if (ar_fire) begin
      beat_addr_d  = beat_addr_q + (64'(burst_beats) << OffBits);
      beats_left_d = beats_left_q - burst_beats;
      if (beats_left_q == burst_beats) begin
        rows_left_d = rows_left_q - 16'd1;
        row_addr_d  = next_row;
        beat_addr_d = {next_row[63:OffBits], {OffBits{1'b0}}};
        beats_left_d = row_beats(next_row[OffBits-1:0], len_q);
        if (rows_left_q == 16'd1) active_d = 1'b0;
      end
      if (abort_i) active_d = 1'b0;
    end else if (abort_i && !ar_hold_q) begin
      active_d = 1'b0;
    end
  end

  // Burst addresses in flight, for the error address.
  logic addr_empty, addr_full;
  logic [$clog2(MaxOutstanding+1)-1:0] addr_count;
  common_fifo #(.Width(64), .Depth(MaxOutstanding)) u_addr_fifo (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (ar_fire),
    .data_i (ar_addr_o),
    .pop_i  (r_fire && r_last_i),
    .data_o (err_addr_o),
    .empty_o(addr_empty),
    .full_o (addr_full),
    .count_o(addr_count)
  );

  assign r_ready_o = 1'b1;
  assign r_fire    = r_valid_i && r_ready_o;
  assign r_ok      = (r_resp_i == dma_pkg::AxiRespOkay);
  assign err_o     = r_fire && !r_ok;
  assign push      = r_fire && r_ok && !abort_i;
  // While aborting, the FIFO empties itself.
  assign pop       = !fifo_empty && (abort_i || out_ready_i);

  common_fifo #(.Width(DataBits), .Depth(FifoBeats)) u_data_fifo (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (push),
    .data_i (r_data_i),
    .pop_i  (pop),
    .data_o (out_data_o),
    .empty_o(fifo_empty),
    .full_o (fifo_full),
    .count_o(fifo_count)
  );
  assign out_valid_o = !fifo_empty && !abort_i;

  always_comb begin
    inflight_d = inflight_q;
    outst_d    = outst_q;
    if (ar_fire) begin
      inflight_d = inflight_d + CntBits'(burst_beats);
      outst_d    = outst_d + OutBits'(1);
    end
    if (r_fire) inflight_d = inflight_d - CntBits'(1);
    if (r_fire && r_last_i) outst_d = outst_d - OutBits'(1);
  end

  assign busy_o    = active_q || (outst_q != '0);
  assign drained_o = !active_q && (outst_q == '0) && fifo_empty;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q     <= 1'b0;
      rows_left_q  <= '0;
      row_addr_q   <= '0;
      beat_addr_q  <= '0;
      beats_left_q <= '0;
      stride_q     <= '0;
      len_q        <= '0;
      ar_hold_q    <= 1'b0;
      inflight_q   <= '0;
      outst_q      <= '0;
    end else begin
      active_q     <= active_d;
      rows_left_q  <= rows_left_d;
      row_addr_q   <= row_addr_d;
      beat_addr_q  <= beat_addr_d;
      beats_left_q <= beats_left_d;
      stride_q     <= stride_d;
      len_q        <= len_d;
      ar_hold_q    <= ar_hold_d;
      inflight_q   <= inflight_d;
      outst_q      <= outst_d;
    end
  end

  logic unused;
  assign unused = ^{addr_empty, addr_full, addr_count, fifo_full};

`ifndef SYNTHESIS
`ifndef __ICARUS__
  logic sva_rst_n;
  assign sva_rst_n = rst_ni;
  ArStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      ar_valid_o && !ar_ready_i |=> ar_valid_o && $stable(ar_addr_o) && $stable(ar_len_o))
    else $error("dma_read: AR changed before it was accepted");
  ArNo4k: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      ar_valid_o |-> (13'(ar_addr_o[11:0]) + ((13'(ar_len_o) + 13'd1) << OffBits)) <= 13'h1000)
    else $error("dma_read: burst crosses a 4 KiB boundary");
  ArLen: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      ar_valid_o |-> 32'(ar_len_o) < 32'(MaxBurstBeats))
    else $error("dma_read: burst longer than MaxBurstBeats");
  NoStrayBeat: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      r_valid_i |-> outst_q != '0)
    else $error("dma_read: R beat with no read burst outstanding");
  StartIdle: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      start_i |-> !busy_o)
    else $error("dma_read: start while busy");
`endif
`endif
  initial begin
    if (MaxBurstBeats < 1 || MaxBurstBeats > 256) $error("MaxBurstBeats must be 1..256");
    if ((DataBytes & (DataBytes - 1)) != 0 || DataBytes < 8) $error("DataBits must be a power of 2, >= 64");
  end
endmodule
