// DMA write path: splits each row of a job into AXI4 INCR write bursts (beat
// aligned, at most MaxBurstBeats beats, never crossing 4 KiB), sends the
// realigned destination beats on W with their byte strobes, and counts the
// B responses. Also writes the 4-byte completion record (cpl_start_i).
//
// W is driven from an output register, so a beat on W never changes before
// it is accepted. AW may run ahead of the data by up to MaxOutstanding bursts.
//
// abort_i stops new bursts (one already offered on AW stays until accepted);
// every W beat still owed to an issued burst is then sent with WSTRB = 0
// (no byte written), and queued destination beats are dropped. A B response
// other than OKAY pulses err_o with the address of its burst.
module dma_write #(
  parameter int DataBits = 256,
  parameter int MaxBurstBeats = 16,
  parameter int MaxOutstanding = 8,
  parameter int FifoBeats = 4,
  localparam int DataBytes = DataBits / 8,
  localparam int OffBits = $clog2(DataBytes)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 start_i,
  input  logic [63:0]          dst_i,
  input  logic [31:0]          len_i,
  input  logic [15:0]          rows_i,
  input  logic [31:0]          stride_i,
  // completion record: one 4-byte write (addr 4-byte aligned)
  input  logic                 cpl_start_i,
  input  logic [63:0]          cpl_addr_i,
  input  logic [31:0]          cpl_data_i,
  input  logic                 abort_i,
  output logic                 idle_o,     // nothing to issue, send or wait for
  // destination beats from the realigner
  input  logic                 in_valid_i,
  output logic                 in_ready_o,
  input  logic [DataBits-1:0]  in_data_i,
  input  logic [DataBytes-1:0] in_strb_i,
  // AW / W / B (IDs, size and burst type are set by the engine)
  output logic                 aw_valid_o,
  input  logic                 aw_ready_i,
  output logic [63:0]          aw_addr_o,
  output logic [7:0]           aw_len_o,
  output logic                 w_valid_o,
  input  logic                 w_ready_i,
  output logic [DataBits-1:0]  w_data_o,
  output logic [DataBytes-1:0] w_strb_o,
  output logic                 w_last_o,
  input  logic                 b_valid_i,
  output logic                 b_ready_o,
  input  logic [1:0]           b_resp_i,
  output logic                 err_o,
  output logic [63:0]          err_addr_o
);
  localparam int OutBits = $clog2(MaxOutstanding + 1);
  localparam int AxiBoundary = dma_pkg::AxiBoundaryBytes;

  // Row walker (as in dma_read) plus the completion-record burst.
  logic        active_q, active_d;
  logic        cpl_q, cpl_d;               // the next AW is the completion record
  logic [63:0] cpl_addr_q, cpl_addr_d;
  logic [31:0] cpl_data_q, cpl_data_d;
  logic [15:0] rows_left_q, rows_left_d;
  logic [63:0] row_addr_q, row_addr_d;
  logic [63:0] beat_addr_q, beat_addr_d;
  logic [31:0] beats_left_q, beats_left_d;
  logic [31:0] stride_q, stride_d;
  logic [31:0] len_q, len_d;
  logic        aw_hold_q, aw_hold_d;
  logic [OutBits-1:0] outst_q, outst_d;    // bursts issued, B not yet received
  logic [31:0] burst_beats, to_boundary;
  logic [63:0] next_row;
  logic        aw_fire, b_fire;

  function automatic logic [31:0] row_beats(input logic [OffBits-1:0] off, input logic [31:0] len);
    row_beats = (32'(off) + len + 32'(DataBytes - 1)) >> OffBits;
  endfunction

  assign to_boundary = (32'(AxiBoundary) - 32'(beat_addr_q[11:0])) >> OffBits;
  always_comb begin
    burst_beats = beats_left_q;
    if (burst_beats > 32'(MaxBurstBeats)) burst_beats = 32'(MaxBurstBeats);
    if (burst_beats > to_boundary) burst_beats = to_boundary;
  end

  // W bookkeeping: per issued burst its length and whether it is the record.
  logic       lenq_empty, lenq_full, lenq_pop, lenq_cpl;
  logic [7:0] lenq_len;
  logic [$clog2(MaxOutstanding+1)-1:0] lenq_count;

  assign aw_valid_o = (active_q || cpl_q) &&
                      (aw_hold_q || (!abort_i && 32'(outst_q) < 32'(MaxOutstanding) && !lenq_full));
  assign aw_addr_o  = cpl_q ? {cpl_addr_q[63:OffBits], {OffBits{1'b0}}} : beat_addr_q;
  assign aw_len_o   = cpl_q ? 8'd0 : 8'(burst_beats - 32'd1);
  assign aw_fire    = aw_valid_o && aw_ready_i;
  assign next_row   = row_addr_q + 64'(stride_q);

  always_comb begin
    active_d     = active_q;
    cpl_d        = cpl_q;
    cpl_addr_d   = cpl_addr_q;
    cpl_data_d   = cpl_data_q;
    rows_left_d  = rows_left_q;
    row_addr_d   = row_addr_q;
    beat_addr_d  = beat_addr_q;
    beats_left_d = beats_left_q;
    stride_d     = stride_q;
    len_d        = len_q;
    aw_hold_d    = aw_valid_o && !aw_ready_i;
    if (start_i) begin
      active_d     = 1'b1;
      rows_left_d  = rows_i;
      row_addr_d   = dst_i;
      beat_addr_d  = {dst_i[63:OffBits], {OffBits{1'b0}}};
      beats_left_d = row_beats(dst_i[OffBits-1:0], len_i);
      stride_d     = stride_i;
      len_d        = len_i;
    end else if (cpl_start_i) begin
      cpl_d      = 1'b1;
      cpl_addr_d = cpl_addr_i;
      cpl_data_d = cpl_data_i;
    end else if (aw_fire && cpl_q) begin
      cpl_d = 1'b0;
    end else if (aw_fire) begin
      beat_addr_d  = beat_addr_q + (64'(burst_beats) << OffBits);
      beats_left_d = beats_left_q - burst_beats;
      if (beats_left_q == burst_beats) begin
        rows_left_d  = rows_left_q - 16'd1;
        row_addr_d   = next_row;
        beat_addr_d  = {next_row[63:OffBits], {OffBits{1'b0}}};
        beats_left_d = row_beats(next_row[OffBits-1:0], len_q);
        if (rows_left_q == 16'd1) active_d = 1'b0;
      end
    end
    if (abort_i && (aw_fire || !aw_hold_q)) begin
      active_d = 1'b0;
      cpl_d    = 1'b0;
    end
  end

  common_fifo #(.Width(9), .Depth(MaxOutstanding)) u_len_fifo (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (aw_fire),
    .data_i ({cpl_q, aw_len_o}),
    .pop_i  (lenq_pop),
    .data_o ({lenq_cpl, lenq_len}),
    .empty_o(lenq_empty),
    .full_o (lenq_full),
    .count_o(lenq_count)
  );

  logic addr_empty, addr_full;
  logic [$clog2(MaxOutstanding+1)-1:0] addr_count;
  common_fifo #(.Width(64), .Depth(MaxOutstanding)) u_addr_fifo (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (aw_fire),
    .data_i (aw_addr_o),
    .pop_i  (b_fire),
    .data_o (err_addr_o),
    .empty_o(addr_empty),
    .full_o (addr_full),
    .count_o(addr_count)
  );

  // Destination beats wait here for their W slot.
  logic                 dq_empty, dq_full, dq_pop;
  logic [DataBits-1:0]  dq_data;
  logic [DataBytes-1:0] dq_strb;
  logic [$clog2(FifoBeats+1)-1:0] dq_count;
  common_fifo #(.Width(DataBits + DataBytes), .Depth(FifoBeats)) u_data_fifo (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (in_valid_i && in_ready_o),
    .data_i ({in_strb_i, in_data_i}),
    .pop_i  (dq_pop),
    .data_o ({dq_strb, dq_data}),
    .empty_o(dq_empty),
    .full_o (dq_full),
    .count_o(dq_count)
  );
  assign in_ready_o = !dq_full && !abort_i;

  // W output register.
  logic                 w_valid_q, w_valid_d, w_last_q, w_last_d;
  logic [DataBits-1:0]  w_data_q, w_data_d;
  logic [DataBytes-1:0] w_strb_q, w_strb_d;
  logic [7:0]           w_beat_q, w_beat_d;   // beat index within the head burst
  logic                 load, beat_avail, beat_last;
  logic [DataBytes-1:0] cpl_strb;

  always_comb begin
    cpl_strb = '0;
    for (int l = 0; l < DataBytes; l++) begin
      cpl_strb[l] = (OffBits'(l) >> 2) == (cpl_addr_q[OffBits-1:0] >> 2);
    end
  end

  // A beat for the head burst: the record, a queued data beat, or (aborting)
  // an empty beat.
  assign beat_avail = !lenq_empty && (lenq_cpl || abort_i || !dq_empty);
  assign beat_last  = (w_beat_q == lenq_len);
  assign load       = beat_avail && (!w_valid_q || w_ready_i);
  assign lenq_pop   = load && beat_last;
  // Data beats leave the queue when loaded; when aborting, they are dropped.
  assign dq_pop     = !dq_empty && (abort_i || (load && !lenq_cpl));

  always_comb begin
    w_valid_d = w_valid_q;
    w_last_d  = w_last_q;
    w_data_d  = w_data_q;
    w_strb_d  = w_strb_q;
    w_beat_d  = w_beat_q;
    if (w_valid_q && w_ready_i) w_valid_d = 1'b0;
    if (load) begin
      w_valid_d = 1'b1;
      w_last_d  = beat_last;
      w_beat_d  = beat_last ? 8'd0 : w_beat_q + 8'd1;
      if (lenq_cpl) begin
        w_data_d = {(DataBits / 32){cpl_data_q}};
        w_strb_d = cpl_strb;
      end else begin
        w_data_d = dq_data;
        w_strb_d = dq_strb;
      end
      if (abort_i) w_strb_d = '0;
    end
  end

  assign w_valid_o = w_valid_q;
  assign w_data_o  = w_data_q;
  assign w_strb_o  = w_strb_q;
  assign w_last_o  = w_last_q;

  assign b_ready_o = 1'b1;
  assign b_fire    = b_valid_i && b_ready_o;
  assign err_o     = b_fire && (b_resp_i != dma_pkg::AxiRespOkay);

  always_comb begin
    outst_d = outst_q;
    if (aw_fire) outst_d = outst_d + OutBits'(1);
    if (b_fire) outst_d = outst_d - OutBits'(1);
  end

  assign idle_o = !active_q && !cpl_q && lenq_empty && !w_valid_q && (outst_q == '0) &&
                  dq_empty;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q     <= 1'b0;
      cpl_q        <= 1'b0;
      cpl_addr_q   <= '0;
      cpl_data_q   <= '0;
      rows_left_q  <= '0;
      row_addr_q   <= '0;
      beat_addr_q  <= '0;
      beats_left_q <= '0;
      stride_q     <= '0;
      len_q        <= '0;
      aw_hold_q    <= 1'b0;
      outst_q      <= '0;
      w_valid_q    <= 1'b0;
      w_last_q     <= 1'b0;
      w_data_q     <= '0;
      w_strb_q     <= '0;
      w_beat_q     <= '0;
    end else begin
      active_q     <= active_d;
      cpl_q        <= cpl_d;
      cpl_addr_q   <= cpl_addr_d;
      cpl_data_q   <= cpl_data_d;
      rows_left_q  <= rows_left_d;
      row_addr_q   <= row_addr_d;
      beat_addr_q  <= beat_addr_d;
      beats_left_q <= beats_left_d;
      stride_q     <= stride_d;
      len_q        <= len_d;
      aw_hold_q    <= aw_hold_d;
      outst_q      <= outst_d;
      w_valid_q    <= w_valid_d;
      w_last_q     <= w_last_d;
      w_data_q     <= w_data_d;
      w_strb_q     <= w_strb_d;
      w_beat_q     <= w_beat_d;
    end
  end

  logic unused;
  assign unused = ^{addr_empty, addr_full, addr_count, lenq_count, dq_count};

`ifndef SYNTHESIS
`ifndef __ICARUS__
  logic sva_rst_n;
  assign sva_rst_n = rst_ni;
  AwStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      aw_valid_o && !aw_ready_i |=> aw_valid_o && $stable(aw_addr_o) && $stable(aw_len_o))
    else $error("dma_write: AW changed before it was accepted");
  WStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      w_valid_o && !w_ready_i
      |=> w_valid_o && $stable(w_data_o) && $stable(w_strb_o) && $stable(w_last_o))
    else $error("dma_write: W changed before it was accepted");
  AwNo4k: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      aw_valid_o |-> (13'(aw_addr_o[11:0]) + ((13'(aw_len_o) + 13'd1) << OffBits)) <= 13'h1000)
    else $error("dma_write: burst crosses a 4 KiB boundary");
  AwLen: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      aw_valid_o |-> 32'(aw_len_o) < 32'(MaxBurstBeats))
    else $error("dma_write: burst longer than MaxBurstBeats");
  NoStrayB: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      b_valid_i |-> outst_q != '0)
    else $error("dma_write: B with no write burst outstanding");
`endif
`endif
endmodule
