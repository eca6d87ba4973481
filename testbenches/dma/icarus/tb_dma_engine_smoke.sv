// Self-checking smoke simulation of the DMA engine under Icarus Verilog (and
// any other simulator). A behavioural AXI4 slave memory (byte array, fixed
// latency, INCR bursts, byte strobes) sits behind the engine's master port;
// an AXI4-Lite master task programs the CSRs. Register offsets, fields and the
// descriptor / completion-record layouts come from the generated dma_reg_pkg.
//
// Scenario (queue 0, the programming sequence of docs/dma.md): a source
// pattern (byte = addr*7+3) and a different background everywhere else; a
// ring of three descriptors:
//   0: 1-D, unaligned source and destination (different offsets), odd length
//   1: 2-D, 5 rows, strides different from LEN and from each other, with a
//      completion record
//   2: 1-D, unaligned, destination crossing a 4 KiB boundary, with IRQ
// Windows cover the source and destination areas only. After the doorbell it
// waits for HEAD == TAIL and the engine idle (cycle timeout), then compares
// EVERY byte of memory with a golden copy (so destinations, the bytes around
// them, the gaps between 2-D rows, the ring and the completion records are all
// checked), the counters BYTES_MOVED / DESCS_DONE / ERRORS, queue status and
// the interrupt. The slave also checks AXI rules it can see (burst type and
// size, 4 KiB crossing, WLAST, no X on valids, addresses inside the memory).
//
// Plusargs:
//   +latency=N    memory latency in cycles, AR/AW to first R beat / B (default 3)
//   +timeout=N    fail after N cycles waiting for completion (default 20000)
//   +dump[=FILE]  write a VCD (default tb_dma_engine_smoke.vcd)
//   +verbose      print every AXI burst
// Prints "PASS: ..." and ends with $finish, or "FAIL: ..." and $fatal(1).
`timescale 1ns / 1ps

module tb_dma_engine_smoke #(
  parameter int NumQueues = 2,
  parameter int DataBits = 64,
  parameter int MaxBurstBeats = 8,
  parameter int MaxOutstanding = 4,
  parameter int MemBytes = 65536  // the memory: addresses 0 .. MemBytes-1
);
  localparam int DataBytes = DataBits / 8;
  localparam int AddrBits = dma_reg_pkg::DMA_ADDR_BITS;
  localparam int FifoDepth = 64;

  // Memory map of the scenario (all inside MemBytes).
  localparam int RingBase = 'h1000;
  localparam int RingSize = 4;
  localparam int CplBase = 'h1800;
  localparam int SrcBase = 'h2000, SrcLimit = 'h6000;  // window 0
  localparam int DstBase = 'h8000, DstLimit = 'hC000;  // window 1
  localparam int NumDesc = 3;

  // ---------------------------------------------------------------------------
  // Clock, reset, cycle counter
  // ---------------------------------------------------------------------------
  logic clk = 1'b0;
  logic rst_n = 1'b0;
  always #5 clk = ~clk;
  longint unsigned cycle = 0;
  always @(posedge clk) cycle <= cycle + 1;

  // ---------------------------------------------------------------------------
  // DUT
  // ---------------------------------------------------------------------------
  logic                awvalid = 1'b0, wvalid = 1'b0, bready = 1'b0, arvalid = 1'b0, rready = 1'b0;
  logic                awready, wready, bvalid, arready, rvalid;
  logic [AddrBits-1:0] awaddr = '0, araddr = '0;
  logic [31:0]         wdata = '0, rdata;
  logic [3:0]          wstrb = '0;
  logic [1:0]          bresp, rresp;

  logic                 m_awvalid, m_awready, m_wvalid, m_wready, m_wlast, m_bvalid, m_bready;
  logic [3:0]           m_awid, m_bid, m_arid, m_rid;
  logic [63:0]          m_awaddr, m_araddr;
  logic [7:0]           m_awlen, m_arlen;
  logic [2:0]           m_awsize, m_arsize;
  logic [1:0]           m_awburst, m_arburst, m_bresp, m_rresp;
  logic [DataBits-1:0]  m_wdata, m_rdata;
  logic [DataBytes-1:0] m_wstrb;
  logic                 m_arvalid, m_arready, m_rvalid, m_rready, m_rlast;
  logic                 irq;

  dma_engine #(
    .NumQueues(NumQueues), .DataBits(DataBits), .MaxBurstBeats(MaxBurstBeats),
    .MaxOutstanding(MaxOutstanding)
  ) dut (
    .clk_i           (clk),
    .rst_ni          (rst_n),
    .s_axil_awvalid_i(awvalid),
    .s_axil_awready_o(awready),
    .s_axil_awaddr_i (awaddr),
    .s_axil_awprot_i (3'b000),
    .s_axil_wvalid_i (wvalid),
    .s_axil_wready_o (wready),
    .s_axil_wdata_i  (wdata),
    .s_axil_wstrb_i  (wstrb),
    .s_axil_bvalid_o (bvalid),
    .s_axil_bready_i (bready),
    .s_axil_bresp_o  (bresp),
    .s_axil_arvalid_i(arvalid),
    .s_axil_arready_o(arready),
    .s_axil_araddr_i (araddr),
    .s_axil_arprot_i (3'b000),
    .s_axil_rvalid_o (rvalid),
    .s_axil_rready_i (rready),
    .s_axil_rdata_o  (rdata),
    .s_axil_rresp_o  (rresp),
    .m_axi_awvalid_o (m_awvalid),
    .m_axi_awready_i (m_awready),
    .m_axi_awid_o    (m_awid),
    .m_axi_awaddr_o  (m_awaddr),
    .m_axi_awlen_o   (m_awlen),
    .m_axi_awsize_o  (m_awsize),
    .m_axi_awburst_o (m_awburst),
    .m_axi_wvalid_o  (m_wvalid),
    .m_axi_wready_i  (m_wready),
    .m_axi_wdata_o   (m_wdata),
    .m_axi_wstrb_o   (m_wstrb),
    .m_axi_wlast_o   (m_wlast),
    .m_axi_bvalid_i  (m_bvalid),
    .m_axi_bready_o  (m_bready),
    .m_axi_bid_i     (m_bid),
    .m_axi_bresp_i   (m_bresp),
    .m_axi_arvalid_o (m_arvalid),
    .m_axi_arready_i (m_arready),
    .m_axi_arid_o    (m_arid),
    .m_axi_araddr_o  (m_araddr),
    .m_axi_arlen_o   (m_arlen),
    .m_axi_arsize_o  (m_arsize),
    .m_axi_arburst_o (m_arburst),
    .m_axi_rvalid_i  (m_rvalid),
    .m_axi_rready_o  (m_rready),
    .m_axi_rid_i     (m_rid),
    .m_axi_rdata_i   (m_rdata),
    .m_axi_rresp_i   (m_rresp),
    .m_axi_rlast_i   (m_rlast),
    .irq_o           (irq)
  );

  // ---------------------------------------------------------------------------
  // Options, errors
  // ---------------------------------------------------------------------------
  int latency = 3, timeout = 20000;
  bit verbose = 1'b0;
  string dump_file = "tb_dma_engine_smoke.vcd";
  int errors = 0;

  task automatic fail(input string msg);
    $display("FAIL: tb_dma_engine_smoke: %0s (cycle %0d)", msg, cycle);
    $fatal(1, "tb_dma_engine_smoke failed");
  endtask

  task automatic error(input string msg);
    errors++;
    if (errors <= 20) $display("FAIL: %0s (cycle %0d)", msg, cycle);
  endtask

  // ---------------------------------------------------------------------------
  // Memory and its golden copy
  // ---------------------------------------------------------------------------
  logic [7:0] mem [0:MemBytes-1];
  logic [7:0] gold[0:MemBytes-1];

  // Backdoor: a little-endian word into both memory and golden copy.
  task automatic put32(input int addr, input logic [31:0] v);
    for (int i = 0; i < 4; i++) begin
      mem[addr + i] = v[i*8 +: 8];
      gold[addr + i] = v[i*8 +: 8];
    end
  endtask

  function automatic logic [31:0] get32(input int addr);
    logic [31:0] v;
    for (int i = 0; i < 4; i++) v[i*8 +: 8] = mem[addr + i];
    get32 = v;
  endfunction

  // ---------------------------------------------------------------------------
  // AXI4 slave memory. Every request is accepted at once (AWREADY, ARREADY,
  // WREADY stay high) and queued with the cycle from which it may be
  // answered; R beats of a burst go out back to back in request order, B one
  // per burst after its last W beat plus the latency. Outputs change right
  // after a rising edge (NBA); inputs are sampled at the edge.
  // ---------------------------------------------------------------------------
  assign m_awready = rst_n;
  assign m_arready = rst_n;
  assign m_wready  = rst_n;

  // AR queue
  logic [63:0]     ar_addr [0:FifoDepth-1];
  logic [7:0]      ar_len  [0:FifoDepth-1];
  logic [3:0]      ar_id   [0:FifoDepth-1];
  longint unsigned ar_time [0:FifoDepth-1];
  int ar_head = 0, ar_tail = 0;
  // AW queue
  logic [63:0]     aw_addr [0:FifoDepth-1];
  logic [7:0]      aw_len  [0:FifoDepth-1];
  logic [3:0]      aw_id   [0:FifoDepth-1];
  int aw_head = 0, aw_tail = 0;
  // W beats not yet matched with an AW
  logic [DataBits-1:0]  wq_data[0:FifoDepth-1];
  logic [DataBytes-1:0] wq_strb[0:FifoDepth-1];
  logic                 wq_last[0:FifoDepth-1];
  int wq_head = 0, wq_tail = 0;
  // B queue
  logic [3:0]      b_id  [0:FifoDepth-1];
  longint unsigned b_time[0:FifoDepth-1];
  int b_head = 0, b_tail = 0;

  logic                 r_valid_q = 1'b0, r_last_q = 1'b0, b_valid_q = 1'b0;
  logic [DataBits-1:0]  r_data_q = '0;
  logic [3:0]           r_id_q = '0, b_id_q = '0;
  int                   r_beat = 0;   // beat of the head AR burst being sent
  int                   w_beat = 0;   // beat of the head AW burst being written
  int                   n_ar = 0, n_aw = 0, n_rbeats = 0, n_wbeats = 0;

  assign m_rvalid = r_valid_q;
  assign m_rdata  = r_data_q;
  assign m_rid    = r_id_q;
  assign m_rlast  = r_last_q;
  assign m_rresp  = 2'b00;
  assign m_bvalid = b_valid_q;
  assign m_bid    = b_id_q;
  assign m_bresp  = 2'b00;

  // First address of beat `beat` of an INCR burst starting at `addr`.
  function automatic longint unsigned beat_addr(input logic [63:0] addr, input int beat);
    longint unsigned a;
    a = addr;
    if (beat == 0) beat_addr = a;
    else beat_addr = (a & ~longint'(DataBytes - 1)) + longint'(beat) * DataBytes;
  endfunction

  task automatic check_burst(input string ch, input logic [63:0] addr, input logic [7:0] len,
                             input logic [2:0] size, input logic [1:0] burst);
    longint unsigned first, last;
    first = addr;
    last = (addr & ~64'(DataBytes - 1)) + (64'(len) + 1) * DataBytes - 1;
    if (burst !== dma_pkg::AxiBurstIncr) error($sformatf("%s burst type %b, not INCR", ch, burst));
    if (size !== 3'($clog2(DataBytes))) error($sformatf("%s size %0d for a %0d-byte bus", ch, size, DataBytes));
    if (int'(len) + 1 > MaxBurstBeats) error($sformatf("%s len %0d over MaxBurstBeats", ch, len));
    if ((first >> 12) != (last >> 12)) error($sformatf("%s 0x%0h len %0d crosses 4 KiB", ch, addr, len));
    if (last >= MemBytes) error($sformatf("%s 0x%0h len %0d outside the memory", ch, addr, len));
    if (verbose) $display("  cycle %0d: %s addr 0x%0h len %0d", cycle, ch, addr, len);
  endtask

  always @(posedge clk) begin
    longint unsigned a;
    if (rst_n) begin
      // X on a valid is a simulation problem, never a legal state. (Not
      // $isunknown: Icarus 11 returns 1 for a concatenation of known bits.)
      if ((^{m_awvalid, m_wvalid, m_arvalid, m_bready, m_rready}) === 1'bx)
        error($sformatf("X on an AXI valid/ready: aw %b w %b ar %b bready %b rready %b",
                        m_awvalid, m_wvalid, m_arvalid, m_bready, m_rready));
      // --- AR ---
      if (m_arvalid && m_arready) begin
        check_burst("AR", m_araddr, m_arlen, m_arsize, m_arburst);
        if (ar_tail - ar_head >= FifoDepth) error("AR queue overflow");
        ar_addr[ar_tail % FifoDepth] = m_araddr;
        ar_len [ar_tail % FifoDepth] = m_arlen;
        ar_id  [ar_tail % FifoDepth] = m_arid;
        ar_time[ar_tail % FifoDepth] = cycle + longint'(latency);
        ar_tail++;
        n_ar++;
      end
      // --- R ---
      if (r_valid_q && m_rready) begin
        n_rbeats++;
        if (r_last_q) begin
          ar_head++;
          r_beat = 0;
        end else begin
          r_beat++;
        end
        r_valid_q <= 1'b0;
      end
      if (!(r_valid_q && !m_rready) && ar_head != ar_tail && ar_time[ar_head % FifoDepth] <= cycle) begin
        logic [DataBits-1:0] d;
        a = beat_addr(ar_addr[ar_head % FifoDepth], r_beat) & ~longint'(DataBytes - 1);
        for (int i = 0; i < DataBytes; i++) d[i*8 +: 8] = (a + i < MemBytes) ? mem[a + i] : 8'hxx;
        r_data_q  <= d;
        r_id_q    <= ar_id[ar_head % FifoDepth];
        r_last_q  <= (r_beat == int'(ar_len[ar_head % FifoDepth]));
        r_valid_q <= 1'b1;
      end
      // --- AW, W ---
      if (m_awvalid && m_awready) begin
        check_burst("AW", m_awaddr, m_awlen, m_awsize, m_awburst);
        if (aw_tail - aw_head >= FifoDepth) error("AW queue overflow");
        aw_addr[aw_tail % FifoDepth] = m_awaddr;
        aw_len [aw_tail % FifoDepth] = m_awlen;
        aw_id  [aw_tail % FifoDepth] = m_awid;
        aw_tail++;
        n_aw++;
      end
      if (m_wvalid && m_wready) begin
        if ((^{m_wstrb, m_wlast}) === 1'bx) error("X on WSTRB or WLAST");
        if (wq_tail - wq_head >= FifoDepth) error("W queue overflow");
        wq_data[wq_tail % FifoDepth] = m_wdata;
        wq_strb[wq_tail % FifoDepth] = m_wstrb;
        wq_last[wq_tail % FifoDepth] = m_wlast;
        wq_tail++;
        n_wbeats++;
      end
      // Retire every W beat that has its AW.
      while (wq_head != wq_tail && aw_head != aw_tail) begin
        logic is_last;
        a = beat_addr(aw_addr[aw_head % FifoDepth], w_beat) & ~longint'(DataBytes - 1);
        for (int i = 0; i < DataBytes; i++) begin
          if (wq_strb[wq_head % FifoDepth][i]) begin
            if ((^wq_data[wq_head % FifoDepth][i*8 +: 8]) === 1'bx)
              error($sformatf("X in written byte at 0x%0h", a + i));
            if (a + i < MemBytes) mem[a + i] = wq_data[wq_head % FifoDepth][i*8 +: 8];
          end
        end
        is_last = (w_beat == int'(aw_len[aw_head % FifoDepth]));
        if (wq_last[wq_head % FifoDepth] !== is_last)
          error($sformatf("WLAST %b on beat %0d of a %0d-beat burst at 0x%0h",
                          wq_last[wq_head % FifoDepth], w_beat,
                          int'(aw_len[aw_head % FifoDepth]) + 1, aw_addr[aw_head % FifoDepth]));
        wq_head++;
        if (is_last) begin
          b_id  [b_tail % FifoDepth] = aw_id[aw_head % FifoDepth];
          b_time[b_tail % FifoDepth] = cycle + longint'(latency);
          b_tail++;
          aw_head++;
          w_beat = 0;
        end else begin
          w_beat++;
        end
      end
      // --- B ---
      if (b_valid_q && m_bready) begin
        b_head++;
        b_valid_q <= 1'b0;
      end
      if (!(b_valid_q && !m_bready) && b_head != b_tail && b_time[b_head % FifoDepth] <= cycle) begin
        b_id_q    <= b_id[b_head % FifoDepth];
        b_valid_q <= 1'b1;
      end
    end
  end

  // AXI4-Lite master (testbenches/common/axil_master_tasks.svh).
  task automatic axil_error(input string msg);
    error(msg);
  endtask
  task automatic axil_done();
    begin end  // nothing to record here (Icarus rejects an empty task body)
  endtask
`include "axil_master_tasks.svh"

  function automatic logic [31:0] fld(input longint unsigned value, input int lsb,
                                      input logic [31:0] mask);
    fld = (32'(value) & mask) << lsb;
  endfunction

  function automatic logic [31:0] get(input logic [31:0] reg_value, input int lsb,
                                      input logic [31:0] mask);
    get = (reg_value >> lsb) & mask;
  endfunction

  // ---------------------------------------------------------------------------
  // Descriptors
  // ---------------------------------------------------------------------------
  int d_src[NumDesc], d_dst[NumDesc], d_len[NumDesc], d_rows[NumDesc];
  int d_sstride[NumDesc], d_dstride[NumDesc];
  bit d_irq[NumDesc], d_cpl[NumDesc];

  task automatic write_desc(input int idx);
    int base;
    logic [31:0] ctrl;
    base = RingBase + idx * dma_reg_pkg::DMA_DESC_SIZE;
    ctrl = fld(d_rows[idx], dma_reg_pkg::DMA_DESC_CTRL_ROWS_LSB, dma_reg_pkg::DMA_DESC_CTRL_ROWS_MASK) |
           fld(d_irq[idx], dma_reg_pkg::DMA_DESC_CTRL_IRQ_LSB, dma_reg_pkg::DMA_DESC_CTRL_IRQ_MASK) |
           fld(d_cpl[idx], dma_reg_pkg::DMA_DESC_CTRL_CPL_LSB, dma_reg_pkg::DMA_DESC_CTRL_CPL_MASK);
    put32(base + dma_reg_pkg::DMA_DESC_SRC_LO_OFFSET, d_src[idx]);
    put32(base + dma_reg_pkg::DMA_DESC_SRC_HI_OFFSET, 0);
    put32(base + dma_reg_pkg::DMA_DESC_DST_LO_OFFSET, d_dst[idx]);
    put32(base + dma_reg_pkg::DMA_DESC_DST_HI_OFFSET, 0);
    put32(base + dma_reg_pkg::DMA_DESC_LEN_OFFSET,
          fld(d_len[idx], dma_reg_pkg::DMA_DESC_LEN_BYTES_LSB, dma_reg_pkg::DMA_DESC_LEN_BYTES_MASK));
    put32(base + dma_reg_pkg::DMA_DESC_CTRL_OFFSET, ctrl);
    put32(base + dma_reg_pkg::DMA_DESC_SRC_STRIDE_OFFSET,
          fld(d_sstride[idx], dma_reg_pkg::DMA_DESC_SRC_STRIDE_BYTES_LSB, dma_reg_pkg::DMA_DESC_SRC_STRIDE_BYTES_MASK));
    put32(base + dma_reg_pkg::DMA_DESC_DST_STRIDE_OFFSET,
          fld(d_dstride[idx], dma_reg_pkg::DMA_DESC_DST_STRIDE_BYTES_LSB, dma_reg_pkg::DMA_DESC_DST_STRIDE_BYTES_MASK));
    // Golden effect: the copy, then the completion record.
    for (int r = 0; r < d_rows[idx]; r++)
      for (int b = 0; b < d_len[idx]; b++)
        gold[d_dst[idx] + r * d_dstride[idx] + b] = gold[d_src[idx] + r * d_sstride[idx] + b];
    if (d_cpl[idx]) begin
      logic [31:0] rec;
      rec = fld(1, dma_reg_pkg::DMA_CPL_WORD_DONE_LSB, dma_reg_pkg::DMA_CPL_WORD_DONE_MASK) |
            fld(0, dma_reg_pkg::DMA_CPL_WORD_LAST_LSB, dma_reg_pkg::DMA_CPL_WORD_LAST_MASK) |
            fld(idx, dma_reg_pkg::DMA_CPL_WORD_INDEX_LSB, dma_reg_pkg::DMA_CPL_WORD_INDEX_MASK);
      for (int i = 0; i < 4; i++) gold[CplBase + idx * dma_reg_pkg::DMA_CPL_SIZE + i] = rec[i*8 +: 8];
    end
  endtask

  // ---------------------------------------------------------------------------
  // Main
  // ---------------------------------------------------------------------------
  initial begin
    logic [31:0] v;
    longint unsigned t0, t_done;
    int total_bytes, diffs;
    if ($value$plusargs("latency=%d", latency)) begin end
    if ($value$plusargs("timeout=%d", timeout)) begin end
    verbose = $test$plusargs("verbose");
    if ($test$plusargs("dump")) begin
      if ($value$plusargs("dump=%s", dump_file)) begin end
      $dumpfile(dump_file);
      $dumpvars(0, tb_dma_engine_smoke);
    end
    if (latency < 0) fail("latency must be >= 0");

    // Memory: the source pattern in the source area, another pattern elsewhere.
    for (int a = 0; a < MemBytes; a++) begin
      mem[a] = (a >= SrcBase && a < SrcLimit) ? 8'(a * 7 + 3) : 8'(a * 13 + 8'h5A);
      gold[a] = mem[a];
    end

    // Descriptors.
    // 0: 1-D, source offset 3, destination offset 1 (mod 8), odd length.
    d_src[0] = SrcBase + 'h003;  d_dst[0] = DstBase + 'h011;  d_len[0] = 301;  d_rows[0] = 1;
    d_sstride[0] = 0;  d_dstride[0] = 0;  d_irq[0] = 0;  d_cpl[0] = 0;
    // 1: 2-D, 5 rows of 45 bytes, source stride 100, destination stride 67; record.
    d_src[1] = SrcBase + 'h1005; d_dst[1] = DstBase + 'h1002; d_len[1] = 45;  d_rows[1] = 5;
    d_sstride[1] = 100; d_dstride[1] = 67; d_irq[1] = 0;  d_cpl[1] = 1;
    // 2: 1-D, the destination crosses 4 KiB (0xB000); interrupt.
    d_src[2] = SrcBase + 'h2F81; d_dst[2] = DstBase + 'h2FF9; d_len[2] = 203; d_rows[2] = 1;
    d_sstride[2] = 0;  d_dstride[2] = 0;  d_irq[2] = 1;  d_cpl[2] = 0;
    total_bytes = 0;
    for (int i = 0; i < NumDesc; i++) begin
      write_desc(i);
      total_bytes += d_len[i] * d_rows[i];
    end

    repeat (5) @(posedge clk);
    rst_n <= 1'b1;
    @(posedge clk);

    // Identity and parameters.
    csr_read(dma_reg_pkg::DMA_ID_OFFSET, v);
    if (get(v, dma_reg_pkg::DMA_ID_MAGIC_LSB, dma_reg_pkg::DMA_ID_MAGIC_MASK) !==
        32'(dma_reg_pkg::DMA_ID_MAGIC_RESET))
      fail($sformatf("ID reads 0x%08h", v));
    csr_read(dma_reg_pkg::DMA_CONFIG_OFFSET, v);
    if (get(v, dma_reg_pkg::DMA_CONFIG_NUM_QUEUES_LSB, dma_reg_pkg::DMA_CONFIG_NUM_QUEUES_MASK) !== 32'(NumQueues) ||
        get(v, dma_reg_pkg::DMA_CONFIG_DATA_BYTES_LSB, dma_reg_pkg::DMA_CONFIG_DATA_BYTES_MASK) !== 32'(DataBytes))
      error($sformatf("CONFIG reads 0x%08h", v));

    // 1. Set up queue 0 (disabled after reset).
    csr_write(dma_reg_pkg::DMA_Q0_RING_BASE_LO_OFFSET, RingBase);
    csr_write(dma_reg_pkg::DMA_Q0_RING_BASE_HI_OFFSET, 0);
    csr_write(dma_reg_pkg::DMA_Q0_RING_SIZE_OFFSET,
              fld(RingSize, dma_reg_pkg::DMA_Q0_RING_SIZE_ENTRIES_LSB, dma_reg_pkg::DMA_Q0_RING_SIZE_ENTRIES_MASK));
    csr_write(dma_reg_pkg::DMA_Q0_CPL_BASE_LO_OFFSET, CplBase);
    csr_write(dma_reg_pkg::DMA_Q0_CPL_BASE_HI_OFFSET, 0);
    csr_write(dma_reg_pkg::DMA_Q0_WIN0_BASE_LO_OFFSET, SrcBase);
    csr_write(dma_reg_pkg::DMA_Q0_WIN0_BASE_HI_OFFSET, 0);
    csr_write(dma_reg_pkg::DMA_Q0_WIN0_LIMIT_LO_OFFSET, SrcLimit);
    csr_write(dma_reg_pkg::DMA_Q0_WIN0_LIMIT_HI_OFFSET, 0);
    csr_write(dma_reg_pkg::DMA_Q0_WIN1_BASE_LO_OFFSET, DstBase);
    csr_write(dma_reg_pkg::DMA_Q0_WIN1_BASE_HI_OFFSET, 0);
    csr_write(dma_reg_pkg::DMA_Q0_WIN1_LIMIT_LO_OFFSET, DstLimit);
    csr_write(dma_reg_pkg::DMA_Q0_WIN1_LIMIT_HI_OFFSET, 0);
    csr_write(dma_reg_pkg::DMA_INTR_ENABLE_OFFSET,
              fld(1, dma_reg_pkg::DMA_INTR_ENABLE_DONE_LSB, dma_reg_pkg::DMA_INTR_ENABLE_DONE_MASK) |
              fld(1, dma_reg_pkg::DMA_INTR_ENABLE_ERROR_LSB, dma_reg_pkg::DMA_INTR_ENABLE_ERROR_MASK));
    csr_write(dma_reg_pkg::DMA_Q0_CTRL_OFFSET,
              fld(1, dma_reg_pkg::DMA_Q0_CTRL_ENABLE_LSB, dma_reg_pkg::DMA_Q0_CTRL_ENABLE_MASK));

    // 2. Submit: the descriptors are in memory; ring the doorbell.
    t0 = cycle;
    csr_write(dma_reg_pkg::DMA_Q0_TAIL_OFFSET,
              fld(NumDesc, dma_reg_pkg::DMA_Q0_TAIL_INDEX_LSB, dma_reg_pkg::DMA_Q0_TAIL_INDEX_MASK));

    // 3. Complete: poll HEAD (and stop early on an error).
    do begin
      csr_read(dma_reg_pkg::DMA_Q0_STATUS_OFFSET, v);
      if (get(v, dma_reg_pkg::DMA_Q0_STATUS_ERROR_LSB, dma_reg_pkg::DMA_Q0_STATUS_ERROR_MASK) != 0)
        fail($sformatf("queue 0 stopped with error code %0d",
                       get(v, dma_reg_pkg::DMA_Q0_STATUS_CODE_LSB, dma_reg_pkg::DMA_Q0_STATUS_CODE_MASK)));
      csr_read(dma_reg_pkg::DMA_Q0_HEAD_OFFSET, v);
      if (cycle - t0 > longint'(timeout))
        fail($sformatf("timeout: HEAD %0d after %0d cycles, expected %0d (AR %0d, R beats %0d, AW %0d, W beats %0d)",
                       v, timeout, NumDesc, n_ar, n_rbeats, n_aw, n_wbeats));
    end while (get(v, dma_reg_pkg::DMA_Q0_HEAD_INDEX_LSB, dma_reg_pkg::DMA_Q0_HEAD_INDEX_MASK) != NumDesc);
    t_done = cycle;
    do begin
      csr_read(dma_reg_pkg::DMA_STATUS_OFFSET, v);
      if (cycle - t0 > longint'(timeout)) fail("timeout: STATUS.BUSY stays set");
    end while (get(v, dma_reg_pkg::DMA_STATUS_BUSY_LSB, dma_reg_pkg::DMA_STATUS_BUSY_MASK) != 0);
    repeat (2 * latency + 4) @(posedge clk);

    // Outstanding bus traffic must be finished.
    if (ar_head != ar_tail || aw_head != aw_tail || wq_head != wq_tail || b_head != b_tail ||
        r_valid_q || b_valid_q)
      error($sformatf("bus not idle after completion: AR %0d, AW %0d, W %0d, B %0d pending",
                      ar_tail - ar_head, aw_tail - aw_head, wq_tail - wq_head, b_tail - b_head));

    // Every byte of memory against the golden copy.
    diffs = 0;
    for (int a = 0; a < MemBytes; a++) begin
      if (mem[a] !== gold[a]) begin
        diffs++;
        if (diffs <= 10) error($sformatf("memory 0x%04h is 0x%02h, expected 0x%02h", a, mem[a], gold[a]));
      end
    end
    if (diffs > 10) error($sformatf("%0d bytes of memory differ in all", diffs));
    v = get32(CplBase + 1 * dma_reg_pkg::DMA_CPL_SIZE);
    if (get(v, dma_reg_pkg::DMA_CPL_WORD_DONE_LSB, dma_reg_pkg::DMA_CPL_WORD_DONE_MASK) != 1 ||
        get(v, dma_reg_pkg::DMA_CPL_WORD_INDEX_LSB, dma_reg_pkg::DMA_CPL_WORD_INDEX_MASK) != 1)
      error($sformatf("completion record of descriptor 1 is 0x%08h", v));

    // Counters, status, interrupt.
    csr_read(dma_reg_pkg::DMA_BYTES_MOVED_OFFSET, v);
    if (v != 32'(total_bytes)) error($sformatf("BYTES_MOVED %0d, expected %0d", v, total_bytes));
    csr_read(dma_reg_pkg::DMA_DESCS_DONE_OFFSET, v);
    if (v != NumDesc) error($sformatf("DESCS_DONE %0d, expected %0d", v, NumDesc));
    csr_read(dma_reg_pkg::DMA_ERRORS_OFFSET, v);
    if (v != 0) error($sformatf("ERRORS %0d, expected 0", v));
    csr_read(dma_reg_pkg::DMA_Q0_STATUS_OFFSET, v);
    if (v != 0) error($sformatf("Q0_STATUS 0x%08h, expected 0 (not busy, no error, not paused)", v));
    csr_read(dma_reg_pkg::DMA_INTR_STATE_OFFSET, v);
    if (v != fld(1, dma_reg_pkg::DMA_INTR_STATE_DONE_LSB, dma_reg_pkg::DMA_INTR_STATE_DONE_MASK) ||
        irq !== 1'b1)
      error($sformatf("INTR_STATE 0x%08h, irq %b: expected DONE[0] and the interrupt", v, irq));
    csr_write(dma_reg_pkg::DMA_INTR_STATE_OFFSET,
              fld(1, dma_reg_pkg::DMA_INTR_STATE_DONE_LSB, dma_reg_pkg::DMA_INTR_STATE_DONE_MASK));
    @(posedge clk);
    if (irq !== 1'b0) error("irq still high after clearing INTR_STATE.DONE[0]");

    if (errors != 0) fail($sformatf("%0d errors", errors));
    $display("PASS: tb_dma_engine_smoke q%0d_d%0d, latency %0d: %0d descriptors (1-D, 2-D, 4 KiB crossing), %0d bytes moved, all %0d bytes of memory match, %0d cycles from doorbell to HEAD, %0d AR / %0d AW bursts",
             NumQueues, DataBits, latency, NumDesc, total_bytes, MemBytes, t_done - t0, n_ar, n_aw);
    $finish;
  end
endmodule
