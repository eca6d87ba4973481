// DMA engine: NumQueues descriptor rings in memory, served round robin one
// descriptor at a time, over one AXI4 master (descriptors, data, completion
// records) with CSRs behind an AXI4-Lite slave. See docs/dma.md for the
// programming model and docs/registers/dma.md for the registers.
//
// Per descriptor: pick a queue with work (common_rr_arbiter), check its ring
// registers, read the 32-byte descriptor (ID AxiIdDesc), check length and
// windows (no byte moves before both pass), then run dma_read ->
// dma_realign -> dma_write, with reads running ahead of writes by up to
// MaxOutstanding bursts. After the last B, optionally write the completion
// record; then advance HEAD. Any error stops only the active queue: the
// engine aborts (no new bursts, remaining W beats with WSTRB = 0), waits until
// every burst in flight has completed, and records code and address.
module dma_engine #(
  parameter int NumQueues = 4,
  parameter int DataBits = 256,
  parameter int MaxBurstBeats = 16,
  parameter int MaxOutstanding = 8,
  localparam int DataBytes = DataBits / 8,
  localparam int OffBits = $clog2(DataBytes),
  localparam int CsrAddrBits = 10,
  localparam int IdBits = 4
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  // CSRs: AXI4-Lite slave
  input  logic                   s_axil_awvalid_i,
  output logic                   s_axil_awready_o,
  input  logic [CsrAddrBits-1:0] s_axil_awaddr_i,
  input  logic [2:0]             s_axil_awprot_i,
  input  logic                   s_axil_wvalid_i,
  output logic                   s_axil_wready_o,
  input  logic [31:0]            s_axil_wdata_i,
  input  logic [3:0]             s_axil_wstrb_i,
  output logic                   s_axil_bvalid_o,
  input  logic                   s_axil_bready_i,
  output logic [1:0]             s_axil_bresp_o,
  input  logic                   s_axil_arvalid_i,
  output logic                   s_axil_arready_o,
  input  logic [CsrAddrBits-1:0] s_axil_araddr_i,
  input  logic [2:0]             s_axil_arprot_i,
  output logic                   s_axil_rvalid_o,
  input  logic                   s_axil_rready_i,
  output logic [31:0]            s_axil_rdata_o,
  output logic [1:0]             s_axil_rresp_o,
  // AXI4 master: descriptors, data, completion records
  output logic                   m_axi_awvalid_o,
  input  logic                   m_axi_awready_i,
  output logic [IdBits-1:0]      m_axi_awid_o,
  output logic [63:0]            m_axi_awaddr_o,
  output logic [7:0]             m_axi_awlen_o,
  output logic [2:0]             m_axi_awsize_o,
  output logic [1:0]             m_axi_awburst_o,
  output logic                   m_axi_wvalid_o,
  input  logic                   m_axi_wready_i,
  output logic [DataBits-1:0]    m_axi_wdata_o,
  output logic [DataBytes-1:0]   m_axi_wstrb_o,
  output logic                   m_axi_wlast_o,
  input  logic                   m_axi_bvalid_i,
  output logic                   m_axi_bready_o,
  input  logic [IdBits-1:0]      m_axi_bid_i,
  input  logic [1:0]             m_axi_bresp_i,
  output logic                   m_axi_arvalid_o,
  input  logic                   m_axi_arready_i,
  output logic [IdBits-1:0]      m_axi_arid_o,
  output logic [63:0]            m_axi_araddr_o,
  output logic [7:0]             m_axi_arlen_o,
  output logic [2:0]             m_axi_arsize_o,
  output logic [1:0]             m_axi_arburst_o,
  input  logic                   m_axi_rvalid_i,
  output logic                   m_axi_rready_o,
  input  logic [IdBits-1:0]      m_axi_rid_i,
  input  logic [DataBits-1:0]    m_axi_rdata_i,
  input  logic [1:0]             m_axi_rresp_i,
  input  logic                   m_axi_rlast_i,
  // level interrupt: |(INTR_STATE & INTR_ENABLE)
  output logic                   irq_o,
  // quiescent: nothing will happen until an input arrives (see below)
  output logic                   idle_o
);
  localparam int MaxQ = dma_pkg::MaxQueues;
  localparam int NumWin = dma_pkg::NumWindows;
  localparam int DescBits = dma_pkg::DescBytes * 8;
  localparam int DescBeats = (DescBits > DataBits) ? DescBits / DataBits : 1;

  // ---------------------------------------------------------------------------
  // CSR block (generated from rtl/regs/dma.json)
  // ---------------------------------------------------------------------------
  logic        reg_req, reg_we, reg_err;
  logic [CsrAddrBits-1:0] reg_addr;
  logic [31:0] reg_wdata, reg_rdata;
  logic [3:0]  reg_wstrb;

  common_axil_reg_adapter #(.AddrBits(CsrAddrBits)) u_axil (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .s_axil_awvalid_i(s_axil_awvalid_i),
    .s_axil_awready_o(s_axil_awready_o),
    .s_axil_awaddr_i (s_axil_awaddr_i),
    .s_axil_awprot_i (s_axil_awprot_i),
    .s_axil_wvalid_i (s_axil_wvalid_i),
    .s_axil_wready_o (s_axil_wready_o),
    .s_axil_wdata_i  (s_axil_wdata_i),
    .s_axil_wstrb_i  (s_axil_wstrb_i),
    .s_axil_bvalid_o (s_axil_bvalid_o),
    .s_axil_bready_i (s_axil_bready_i),
    .s_axil_bresp_o  (s_axil_bresp_o),
    .s_axil_arvalid_i(s_axil_arvalid_i),
    .s_axil_arready_o(s_axil_arready_o),
    .s_axil_araddr_i (s_axil_araddr_i),
    .s_axil_arprot_i (s_axil_arprot_i),
    .s_axil_rvalid_o (s_axil_rvalid_o),
    .s_axil_rready_i (s_axil_rready_i),
    .s_axil_rdata_o  (s_axil_rdata_o),
    .s_axil_rresp_o  (s_axil_rresp_o),
    .reg_req_o       (reg_req),
    .reg_we_o        (reg_we),
    .reg_addr_o      (reg_addr),
    .reg_wdata_o     (reg_wdata),
    .reg_wstrb_o     (reg_wstrb),
    .reg_rdata_i     (reg_rdata),
    .reg_err_i       (reg_err)
  );

  logic                    busy;
  logic [1:0]              aq_q, aq_d;       // active queue
  logic [MaxQ-1:0]         intr_done, intr_error, ie_done, ie_error;
  logic [MaxQ-1:0]         intr_done_set, intr_error_set;
  logic [31:0]             bytes_moved_q, bytes_moved_d, descs_done_q, descs_done_d;
  logic [31:0]             busy_cycles_q, busy_cycles_d, stall_cycles_q, stall_cycles_d;
  logic [31:0]             errors_q, errors_d;
  logic [MaxQ-1:0]         q_enable, q_reset_v, q_reset_qe, q_resume_v, q_resume_qe;
  logic [MaxQ-1:0]         q_busy, q_error, q_paused;
  logic [MaxQ*4-1:0]       q_code;
  logic [MaxQ*64-1:0]      q_ring_base, q_cpl_base, q_err_addr;
  logic [MaxQ*16-1:0]      q_ring_size, q_tail, q_head;
  logic [MaxQ*NumWin*64-1:0] q_win_base, q_win_limit;

  dma_csr u_csr (
    .clk_i                   (clk_i),
    .rst_ni                  (rst_ni),
    .req_i                   (reg_req),
    .we_i                    (reg_we),
    .addr_i                  (reg_addr),
    .wdata_i                 (reg_wdata),
    .wstrb_i                 (reg_wstrb),
    .rdata_o                 (reg_rdata),
    .err_o                   (reg_err),
    .config_num_queues_i     (4'(NumQueues)),
    .config_num_windows_i    (4'(dma_pkg::NumWindows)),
    .config_data_bytes_i     (8'(DataBytes)),
    .config_max_outstanding_i(8'(MaxOutstanding)),
    .config_max_burst_beats_i(8'(MaxBurstBeats - 1)),
    .status_busy_i           (busy),
    .status_active_queue_i   (aq_q),
    .intr_state_done_set_i   (intr_done_set),
    .intr_state_done_o       (intr_done),
    .intr_state_error_set_i  (intr_error_set),
    .intr_state_error_o      (intr_error),
    .intr_enable_done_o      (ie_done),
    .intr_enable_error_o     (ie_error),
    .bytes_moved_count_i     (bytes_moved_q),
    .descs_done_count_i      (descs_done_q),
    .busy_cycles_count_i     (busy_cycles_q),
    .stall_cycles_count_i    (stall_cycles_q),
    .errors_count_i          (errors_q),
    .q0_ctrl_enable_o        (q_enable[0]),
    .q0_ctrl_reset_o         (q_reset_v[0]),
    .q0_ctrl_reset_qe_o      (q_reset_qe[0]),
    .q0_ctrl_resume_o        (q_resume_v[0]),
    .q0_ctrl_resume_qe_o     (q_resume_qe[0]),
    .q0_status_busy_i        (q_busy[0]),
    .q0_status_error_i       (q_error[0]),
    .q0_status_paused_i      (q_paused[0]),
    .q0_status_code_i        (q_code[0*4 +: 4]),
    .q0_ring_base_lo_addr_o  (q_ring_base[0*64 +: 32]),
    .q0_ring_base_hi_addr_o  (q_ring_base[0*64+32 +: 32]),
    .q0_ring_size_entries_o  (q_ring_size[0*16 +: 16]),
    .q0_tail_index_o         (q_tail[0*16 +: 16]),
    .q0_head_index_i         (q_head[0*16 +: 16]),
    .q0_err_addr_lo_addr_i   (q_err_addr[0*64 +: 32]),
    .q0_err_addr_hi_addr_i   (q_err_addr[0*64+32 +: 32]),
    .q0_cpl_base_lo_addr_o   (q_cpl_base[0*64 +: 32]),
    .q0_cpl_base_hi_addr_o   (q_cpl_base[0*64+32 +: 32]),
    .q0_win0_base_lo_addr_o  (q_win_base[0*64 +: 32]),
    .q0_win0_base_hi_addr_o  (q_win_base[0*64+32 +: 32]),
    .q0_win0_limit_lo_addr_o (q_win_limit[0*64 +: 32]),
    .q0_win0_limit_hi_addr_o (q_win_limit[0*64+32 +: 32]),
    .q0_win1_base_lo_addr_o  (q_win_base[1*64 +: 32]),
    .q0_win1_base_hi_addr_o  (q_win_base[1*64+32 +: 32]),
    .q0_win1_limit_lo_addr_o (q_win_limit[1*64 +: 32]),
    .q0_win1_limit_hi_addr_o (q_win_limit[1*64+32 +: 32]),
    .q1_ctrl_enable_o        (q_enable[1]),
    .q1_ctrl_reset_o         (q_reset_v[1]),
    .q1_ctrl_reset_qe_o      (q_reset_qe[1]),
    .q1_ctrl_resume_o        (q_resume_v[1]),
    .q1_ctrl_resume_qe_o     (q_resume_qe[1]),
    .q1_status_busy_i        (q_busy[1]),
    .q1_status_error_i       (q_error[1]),
    .q1_status_paused_i      (q_paused[1]),
    .q1_status_code_i        (q_code[1*4 +: 4]),
    .q1_ring_base_lo_addr_o  (q_ring_base[1*64 +: 32]),
    .q1_ring_base_hi_addr_o  (q_ring_base[1*64+32 +: 32]),
    .q1_ring_size_entries_o  (q_ring_size[1*16 +: 16]),
    .q1_tail_index_o         (q_tail[1*16 +: 16]),
    .q1_head_index_i         (q_head[1*16 +: 16]),
    .q1_err_addr_lo_addr_i   (q_err_addr[1*64 +: 32]),
    .q1_err_addr_hi_addr_i   (q_err_addr[1*64+32 +: 32]),
    .q1_cpl_base_lo_addr_o   (q_cpl_base[1*64 +: 32]),
    .q1_cpl_base_hi_addr_o   (q_cpl_base[1*64+32 +: 32]),
    .q1_win0_base_lo_addr_o  (q_win_base[2*64 +: 32]),
    .q1_win0_base_hi_addr_o  (q_win_base[2*64+32 +: 32]),
    .q1_win0_limit_lo_addr_o (q_win_limit[2*64 +: 32]),
    .q1_win0_limit_hi_addr_o (q_win_limit[2*64+32 +: 32]),
    .q1_win1_base_lo_addr_o  (q_win_base[3*64 +: 32]),
    .q1_win1_base_hi_addr_o  (q_win_base[3*64+32 +: 32]),
    .q1_win1_limit_lo_addr_o (q_win_limit[3*64 +: 32]),
    .q1_win1_limit_hi_addr_o (q_win_limit[3*64+32 +: 32]),
    .q2_ctrl_enable_o        (q_enable[2]),
    .q2_ctrl_reset_o         (q_reset_v[2]),
    .q2_ctrl_reset_qe_o      (q_reset_qe[2]),
    .q2_ctrl_resume_o        (q_resume_v[2]),
    .q2_ctrl_resume_qe_o     (q_resume_qe[2]),
    .q2_status_busy_i        (q_busy[2]),
    .q2_status_error_i       (q_error[2]),
    .q2_status_paused_i      (q_paused[2]),
    .q2_status_code_i        (q_code[2*4 +: 4]),
    .q2_ring_base_lo_addr_o  (q_ring_base[2*64 +: 32]),
    .q2_ring_base_hi_addr_o  (q_ring_base[2*64+32 +: 32]),
    .q2_ring_size_entries_o  (q_ring_size[2*16 +: 16]),
    .q2_tail_index_o         (q_tail[2*16 +: 16]),
    .q2_head_index_i         (q_head[2*16 +: 16]),
    .q2_err_addr_lo_addr_i   (q_err_addr[2*64 +: 32]),
    .q2_err_addr_hi_addr_i   (q_err_addr[2*64+32 +: 32]),
    .q2_cpl_base_lo_addr_o   (q_cpl_base[2*64 +: 32]),
    .q2_cpl_base_hi_addr_o   (q_cpl_base[2*64+32 +: 32]),
    .q2_win0_base_lo_addr_o  (q_win_base[4*64 +: 32]),
    .q2_win0_base_hi_addr_o  (q_win_base[4*64+32 +: 32]),
    .q2_win0_limit_lo_addr_o (q_win_limit[4*64 +: 32]),
    .q2_win0_limit_hi_addr_o (q_win_limit[4*64+32 +: 32]),
    .q2_win1_base_lo_addr_o  (q_win_base[5*64 +: 32]),
    .q2_win1_base_hi_addr_o  (q_win_base[5*64+32 +: 32]),
    .q2_win1_limit_lo_addr_o (q_win_limit[5*64 +: 32]),
    .q2_win1_limit_hi_addr_o (q_win_limit[5*64+32 +: 32]),
    .q3_ctrl_enable_o        (q_enable[3]),
    .q3_ctrl_reset_o         (q_reset_v[3]),
    .q3_ctrl_reset_qe_o      (q_reset_qe[3]),
    .q3_ctrl_resume_o        (q_resume_v[3]),
    .q3_ctrl_resume_qe_o     (q_resume_qe[3]),
    .q3_status_busy_i        (q_busy[3]),
    .q3_status_error_i       (q_error[3]),
    .q3_status_paused_i      (q_paused[3]),
    .q3_status_code_i        (q_code[3*4 +: 4]),
    .q3_ring_base_lo_addr_o  (q_ring_base[3*64 +: 32]),
    .q3_ring_base_hi_addr_o  (q_ring_base[3*64+32 +: 32]),
    .q3_ring_size_entries_o  (q_ring_size[3*16 +: 16]),
    .q3_tail_index_o         (q_tail[3*16 +: 16]),
    .q3_head_index_i         (q_head[3*16 +: 16]),
    .q3_err_addr_lo_addr_i   (q_err_addr[3*64 +: 32]),
    .q3_err_addr_hi_addr_i   (q_err_addr[3*64+32 +: 32]),
    .q3_cpl_base_lo_addr_o   (q_cpl_base[3*64 +: 32]),
    .q3_cpl_base_hi_addr_o   (q_cpl_base[3*64+32 +: 32]),
    .q3_win0_base_lo_addr_o  (q_win_base[6*64 +: 32]),
    .q3_win0_base_hi_addr_o  (q_win_base[6*64+32 +: 32]),
    .q3_win0_limit_lo_addr_o (q_win_limit[6*64 +: 32]),
    .q3_win0_limit_hi_addr_o (q_win_limit[6*64+32 +: 32]),
    .q3_win1_base_lo_addr_o  (q_win_base[7*64 +: 32]),
    .q3_win1_base_hi_addr_o  (q_win_base[7*64+32 +: 32]),
    .q3_win1_limit_lo_addr_o (q_win_limit[7*64 +: 32]),
    .q3_win1_limit_hi_addr_o (q_win_limit[7*64+32 +: 32])
  );

  assign irq_o = |((intr_done & ie_done) | (intr_error & ie_error));

  // ---------------------------------------------------------------------------
  // Queues
  // ---------------------------------------------------------------------------
  logic [MaxQ-1:0]    q_req, q_ring_ok, q_adv, q_pause, q_err_set, q_reset;
  logic [MaxQ*64-1:0] q_desc_addr;
  logic [3:0]         fail_code_q, fail_code_d;
  logic [63:0]        fail_addr_q, fail_addr_d;

  for (genvar q = 0; q < MaxQ; q++) begin : g_queue
    logic req;
    assign q_reset[q] = q_reset_qe[q] && q_reset_v[q];
    dma_queue u_queue (
      .clk_i      (clk_i),
      .rst_ni     (rst_ni),
      .enable_i   (q_enable[q]),
      .reset_i    (q_reset[q]),
      .resume_i   (q_resume_qe[q] && q_resume_v[q]),
      .ring_base_i(q_ring_base[q*64 +: 64]),
      .ring_size_i(q_ring_size[q*16 +: 16]),
      .tail_i     (q_tail[q*16 +: 16]),
      .adv_i      (q_adv[q]),
      .pause_i    (q_pause[q]),
      .err_set_i  (q_err_set[q]),
      .err_code_i (fail_code_q),
      .err_addr_i (fail_addr_q),
      .req_o      (req),
      .ring_ok_o  (q_ring_ok[q]),
      .desc_addr_o(q_desc_addr[q*64 +: 64]),
      .head_o     (q_head[q*16 +: 16]),
      .error_o    (q_error[q]),
      .paused_o   (q_paused[q]),
      .code_o     (q_code[q*4 +: 4]),
      .err_addr_o (q_err_addr[q*64 +: 64])
    );
    // Queues beyond NumQueues have CSRs but never run.
    assign q_req[q] = req && (q < NumQueues);
  end

  logic            arb_valid, arb_ack;
  logic [MaxQ-1:0] arb_gnt;
  logic [1:0]      arb_idx;
  common_rr_arbiter #(.N(MaxQ)) u_arb (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .req_i  (q_req),
    .ack_i  (arb_ack),
    .valid_o(arb_valid),
    .gnt_o  (arb_gnt),
    .idx_o  (arb_idx)
  );

  // ---------------------------------------------------------------------------
  // Descriptor fields (positions from the generated layout constants)
  // ---------------------------------------------------------------------------
  logic [DescBits-1:0] desc_q, desc_d;
  logic [63:0] d_src, d_dst;
  logic [31:0] d_len, d_ctrl, d_src_stride, d_dst_stride;
  logic [15:0] d_rows;
  logic        d_irq, d_last, d_cpl;

  assign d_src = {desc_q[dma_reg_pkg::DMA_DESC_SRC_HI_OFFSET*8 +: 32],
                  desc_q[dma_reg_pkg::DMA_DESC_SRC_LO_OFFSET*8 +: 32]};
  assign d_dst = {desc_q[dma_reg_pkg::DMA_DESC_DST_HI_OFFSET*8 +: 32],
                  desc_q[dma_reg_pkg::DMA_DESC_DST_LO_OFFSET*8 +: 32]};
  assign d_len        = desc_q[dma_reg_pkg::DMA_DESC_LEN_OFFSET*8 +: 32];
  assign d_ctrl       = desc_q[dma_reg_pkg::DMA_DESC_CTRL_OFFSET*8 +: 32];
  assign d_src_stride = desc_q[dma_reg_pkg::DMA_DESC_SRC_STRIDE_OFFSET*8 +: 32];
  assign d_dst_stride = desc_q[dma_reg_pkg::DMA_DESC_DST_STRIDE_OFFSET*8 +: 32];
  assign d_rows = d_ctrl[dma_reg_pkg::DMA_DESC_CTRL_ROWS_LSB +: 16];
  assign d_irq  = d_ctrl[dma_reg_pkg::DMA_DESC_CTRL_IRQ_LSB];
  assign d_last = d_ctrl[dma_reg_pkg::DMA_DESC_CTRL_LAST_LSB];
  assign d_cpl  = d_ctrl[dma_reg_pkg::DMA_DESC_CTRL_CPL_LSB];

  // Windows: [base, limit) of the active queue; a range [a, a + span) must
  // lie inside one of them. Computed in 66 bits so a wrap past 2^64 fails.
  function automatic logic in_windows(input logic [NumWin*64-1:0] base,
                                      input logic [NumWin*64-1:0] limit,
                                      input logic [63:0] addr, input logic [65:0] span_end);
    in_windows = 1'b0;
    for (int w = 0; w < NumWin; w++) begin
      if (limit[w*64 +: 64] > base[w*64 +: 64] && addr >= base[w*64 +: 64] &&
          span_end <= {2'b00, limit[w*64 +: 64]}) begin
        in_windows = 1'b1;
      end
    end
  endfunction

  logic [65:0] src_end, dst_end;
  logic [15:0] rows_m1;
  assign rows_m1 = d_rows - 16'd1;
  logic [NumWin*64-1:0] aq_win_base, aq_win_limit;
  assign src_end = {2'b00, d_src} + 66'(48'(rows_m1) * 48'(d_src_stride)) + 66'(d_len);
  assign dst_end = {2'b00, d_dst} + 66'(48'(rows_m1) * 48'(d_dst_stride)) + 66'(d_len);
  assign aq_win_base  = q_win_base[aq_q*NumWin*64 +: NumWin*64];
  assign aq_win_limit = q_win_limit[aq_q*NumWin*64 +: NumWin*64];

  // ---------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------
  typedef enum logic [3:0] {
    StIdle, StFetch, StFetchData, StCheck, StRun, StDrain, StCpl, StCplWait, StDone, StFail
  } state_e;
  state_e state_q, state_d;

  logic [63:0] desc_addr_q, desc_addr_d;
  logic [$clog2(DescBeats+1)-1:0] desc_beat_q, desc_beat_d;
  logic        desc_err_q, desc_err_d;
  logic        abandon_q, abandon_d;      // the active queue was reset
  logic        cpl_err_q, cpl_err_d;
  logic        job_start, cpl_start, abort;
  logic        rd_busy, rd_drained, rd_err, ra_busy, wr_idle, wr_err;
  logic [63:0] rd_err_addr, wr_err_addr;

  // Descriptor reads share AR with the data reads; they happen only while the
  // data path is idle (StFetch), so the two never compete.
  logic        rd_ar_valid, rd_ar_ready, rd_r_valid, rd_r_ready;
  logic [63:0] rd_ar_addr;
  logic [7:0]  rd_ar_len;
  logic        desc_ar_valid, desc_r_fire, desc_r_ok;
  logic [1:0]  q_sel;

  assign desc_ar_valid = (state_q == StFetch);
  assign desc_r_fire   = m_axi_rvalid_i && (m_axi_rid_i == dma_pkg::AxiIdDesc);
  assign desc_r_ok     = (m_axi_rresp_i == dma_pkg::AxiRespOkay);
  assign q_sel         = arb_idx;

  always_comb begin
    state_d        = state_q;
    aq_d           = aq_q;
    desc_d         = desc_q;
    desc_addr_d    = desc_addr_q;
    desc_beat_d    = desc_beat_q;
    desc_err_d     = desc_err_q;
    abandon_d      = abandon_q || (state_q != StIdle && q_reset[aq_q]);
    cpl_err_d      = cpl_err_q;
    fail_code_d    = fail_code_q;
    fail_addr_d    = fail_addr_q;
    arb_ack        = 1'b0;
    job_start      = 1'b0;
    cpl_start      = 1'b0;
    q_adv          = '0;
    q_pause        = '0;
    q_err_set      = '0;
    intr_done_set  = '0;
    intr_error_set = '0;
    bytes_moved_d  = bytes_moved_q;
    descs_done_d   = descs_done_q;
    errors_d       = errors_q;

    unique case (state_q)
      StIdle: begin
        abandon_d = 1'b0;
        if (arb_valid) begin
          arb_ack     = 1'b1;
          aq_d        = q_sel;
          desc_addr_d = q_desc_addr[q_sel*64 +: 64];
          if (!q_ring_ok[q_sel]) begin
            fail_code_d = dma_reg_pkg::DMA_ERR_CODE_RING_CONFIG;
            fail_addr_d = q_ring_base[q_sel*64 +: 64];
            state_d     = StFail;
          end else begin
            state_d = StFetch;
          end
        end
      end
      StFetch: begin
        desc_beat_d = '0;
        desc_err_d  = 1'b0;
        if (m_axi_arready_i) state_d = StFetchData;
      end
      StFetchData: begin
        if (desc_r_fire) begin
          for (int k = 0; k < DescBeats; k++) begin
            if (32'(desc_beat_q) == k) desc_d[k*DataBits +: DataBits] = m_axi_rdata_i;
          end
          desc_beat_d = desc_beat_q + 1'b1;
          if (!desc_r_ok) desc_err_d = 1'b1;
          if (m_axi_rlast_i) begin
            if (desc_err_d) begin
              fail_code_d = dma_reg_pkg::DMA_ERR_CODE_DESC_READ;
              fail_addr_d = desc_addr_q;
              state_d     = StFail;
            end else begin
              state_d = StCheck;
            end
          end
        end
      end
      StCheck: begin
        fail_addr_d = desc_addr_q;
        if (abandon_q) begin
          state_d = StIdle;
        end else if (d_len == '0 || d_rows == '0) begin
          fail_code_d = dma_reg_pkg::DMA_ERR_CODE_ZERO_LEN;
          state_d     = StFail;
        end else if (d_len > dma_pkg::MaxLenBytes) begin
          fail_code_d = dma_reg_pkg::DMA_ERR_CODE_LEN_TOO_BIG;
          state_d     = StFail;
        end else if (!in_windows(aq_win_base, aq_win_limit, d_src, src_end)) begin
          fail_code_d = dma_reg_pkg::DMA_ERR_CODE_SRC_WINDOW;
          fail_addr_d = d_src;
          state_d     = StFail;
        end else if (!in_windows(aq_win_base, aq_win_limit, d_dst, dst_end)) begin
          fail_code_d = dma_reg_pkg::DMA_ERR_CODE_DST_WINDOW;
          fail_addr_d = d_dst;
          state_d     = StFail;
        end else begin
          job_start = 1'b1;
          state_d   = StRun;
        end
      end
      StRun: begin
        if (rd_err) begin
          fail_code_d = dma_reg_pkg::DMA_ERR_CODE_READ_ERR;
          fail_addr_d = rd_err_addr;
          state_d     = StDrain;
        end else if (wr_err) begin
          fail_code_d = dma_reg_pkg::DMA_ERR_CODE_WRITE_ERR;
          fail_addr_d = wr_err_addr;
          state_d     = StDrain;
        end else if (abandon_d) begin
          state_d = StDrain;
        end else if (!rd_busy && !ra_busy && wr_idle) begin
          if (d_cpl) state_d = StCpl;
          else state_d = StDone;
        end
      end
      StDrain: begin
        if (rd_drained && !ra_busy && wr_idle) begin
          if (abandon_q) state_d = StIdle;
          else state_d = StFail;
        end
      end
      StCpl: begin
        cpl_start = 1'b1;
        cpl_err_d = 1'b0;
        state_d   = StCplWait;
      end
      StCplWait: begin
        if (wr_err) begin
          cpl_err_d   = 1'b1;
          fail_code_d = dma_reg_pkg::DMA_ERR_CODE_CPL_WRITE_ERR;
          fail_addr_d = wr_err_addr;
        end else if (wr_idle) begin
          if (abandon_q) state_d = StIdle;
          else if (cpl_err_q) state_d = StFail;
          else state_d = StDone;
        end
      end
      StDone: begin
        if (!abandon_q) begin
          q_adv[aq_q]   = 1'b1;
          q_pause[aq_q] = d_last;
          if (d_irq) intr_done_set[aq_q] = 1'b1;
          bytes_moved_d = bytes_moved_q + 32'(48'(d_len) * 48'(d_rows));
          descs_done_d  = descs_done_q + 32'd1;
        end
        state_d = StIdle;
      end
      StFail: begin
        if (!abandon_q) begin
          q_err_set[aq_q]      = 1'b1;
          intr_error_set[aq_q] = 1'b1;
          errors_d             = errors_q + 32'd1;
        end
        state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase
  end

  assign abort = (state_q == StDrain);
  assign busy  = (state_q != StIdle);
  for (genvar q = 0; q < MaxQ; q++) begin : g_qbusy
    assign q_busy[q] = busy && (aq_q == 2'(q));
  end

  // ---------------------------------------------------------------------------
  // Data path
  // ---------------------------------------------------------------------------
  logic                 ra_in_valid, ra_in_ready, ra_out_valid, ra_out_ready;
  logic [DataBits-1:0]  ra_in_data, ra_out_data;
  logic [DataBytes-1:0] ra_out_strb;

  assign rd_r_valid = m_axi_rvalid_i && (m_axi_rid_i == dma_pkg::AxiIdData);

  dma_read #(
    .DataBits      (DataBits),
    .MaxBurstBeats (MaxBurstBeats),
    .MaxOutstanding(MaxOutstanding)
  ) u_read (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .start_i    (job_start),
    .src_i      (d_src),
    .len_i      (d_len),
    .rows_i     (d_rows),
    .stride_i   (d_src_stride),
    .abort_i    (abort),
    .busy_o     (rd_busy),
    .drained_o  (rd_drained),
    .ar_valid_o (rd_ar_valid),
    .ar_ready_i (rd_ar_ready),
    .ar_addr_o  (rd_ar_addr),
    .ar_len_o   (rd_ar_len),
    .r_valid_i  (rd_r_valid),
    .r_ready_o  (rd_r_ready),
    .r_data_i   (m_axi_rdata_i),
    .r_resp_i   (m_axi_rresp_i),
    .r_last_i   (m_axi_rlast_i),
    .out_valid_o(ra_in_valid),
    .out_ready_i(ra_in_ready),
    .out_data_o (ra_in_data),
    .err_o      (rd_err),
    .err_addr_o (rd_err_addr)
  );

  dma_realign #(.DataBits(DataBits)) u_realign (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .start_i     (job_start),
    .src_off_i   (d_src[OffBits-1:0]),
    .dst_off_i   (d_dst[OffBits-1:0]),
    .len_i       (d_len),
    .rows_i      (d_rows),
    .src_stride_i(d_src_stride),
    .dst_stride_i(d_dst_stride),
    .abort_i     (abort),
    .busy_o      (ra_busy),
    .in_valid_i  (ra_in_valid),
    .in_ready_o  (ra_in_ready),
    .in_data_i   (ra_in_data),
    .out_valid_o (ra_out_valid),
    .out_ready_i (ra_out_ready),
    .out_data_o  (ra_out_data),
    .out_strb_o  (ra_out_strb)
  );

  logic [63:0] cpl_addr;
  logic [31:0] cpl_data;
  assign cpl_addr = q_cpl_base[aq_q*64 +: 64] + (64'(q_head[aq_q*16 +: 16]) << 2);
  assign cpl_data = (32'(q_head[aq_q*16 +: 16]) << dma_reg_pkg::DMA_CPL_WORD_INDEX_LSB) |
                    (32'(d_last) << dma_reg_pkg::DMA_CPL_WORD_LAST_LSB) |
                    (32'd1 << dma_reg_pkg::DMA_CPL_WORD_DONE_LSB);

  dma_write #(
    .DataBits      (DataBits),
    .MaxBurstBeats (MaxBurstBeats),
    .MaxOutstanding(MaxOutstanding),
    .FifoBeats     (4)
  ) u_write (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .start_i    (job_start),
    .dst_i      (d_dst),
    .len_i      (d_len),
    .rows_i     (d_rows),
    .stride_i   (d_dst_stride),
    .cpl_start_i(cpl_start),
    .cpl_addr_i (cpl_addr),
    .cpl_data_i (cpl_data),
    .abort_i    (abort),
    .idle_o     (wr_idle),
    .in_valid_i (ra_out_valid),
    .in_ready_o (ra_out_ready),
    .in_data_i  (ra_out_data),
    .in_strb_i  (ra_out_strb),
    .aw_valid_o (m_axi_awvalid_o),
    .aw_ready_i (m_axi_awready_i),
    .aw_addr_o  (m_axi_awaddr_o),
    .aw_len_o   (m_axi_awlen_o),
    .w_valid_o  (m_axi_wvalid_o),
    .w_ready_i  (m_axi_wready_i),
    .w_data_o   (m_axi_wdata_o),
    .w_strb_o   (m_axi_wstrb_o),
    .w_last_o   (m_axi_wlast_o),
    .b_valid_i  (m_axi_bvalid_i),
    .b_ready_o  (m_axi_bready_o),
    .b_resp_i   (m_axi_bresp_i),
    .err_o      (wr_err),
    .err_addr_o (wr_err_addr)
  );

  // AXI master muxing
  assign m_axi_arvalid_o = desc_ar_valid || rd_ar_valid;
  assign rd_ar_ready     = m_axi_arready_i && !desc_ar_valid;
  assign m_axi_arid_o    = desc_ar_valid ? dma_pkg::AxiIdDesc : dma_pkg::AxiIdData;
  assign m_axi_araddr_o  = desc_ar_valid ? {desc_addr_q[63:OffBits], {OffBits{1'b0}}} : rd_ar_addr;
  assign m_axi_arlen_o   = desc_ar_valid ? 8'(DescBeats - 1) : rd_ar_len;
  assign m_axi_arsize_o  = 3'(OffBits);
  assign m_axi_arburst_o = dma_pkg::AxiBurstIncr;
  assign m_axi_rready_o  = (m_axi_rid_i == dma_pkg::AxiIdDesc) ? 1'b1 : rd_r_ready;
  assign m_axi_awid_o    = dma_pkg::AxiIdData;
  assign m_axi_awsize_o  = 3'(OffBits);
  assign m_axi_awburst_o = dma_pkg::AxiBurstIncr;

  // ---------------------------------------------------------------------------
  // Counters and state
  // ---------------------------------------------------------------------------
  assign busy_cycles_d  = busy_cycles_q + 32'(busy);
  assign stall_cycles_d = stall_cycles_q +
      32'((m_axi_arvalid_o && !m_axi_arready_i) || (m_axi_awvalid_o && !m_axi_awready_i) ||
          (m_axi_wvalid_o && !m_axi_wready_i));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q        <= StIdle;
      aq_q           <= '0;
      desc_q         <= '0;
      desc_addr_q    <= '0;
      desc_beat_q    <= '0;
      desc_err_q     <= 1'b0;
      abandon_q      <= 1'b0;
      cpl_err_q      <= 1'b0;
      fail_code_q    <= dma_reg_pkg::DMA_ERR_CODE_NONE;
      fail_addr_q    <= '0;
      bytes_moved_q  <= '0;
      descs_done_q   <= '0;
      busy_cycles_q  <= '0;
      stall_cycles_q <= '0;
      errors_q       <= '0;
    end else begin
      state_q        <= state_d;
      aq_q           <= aq_d;
      desc_q         <= desc_d;
      desc_addr_q    <= desc_addr_d;
      desc_beat_q    <= desc_beat_d;
      desc_err_q     <= desc_err_d;
      abandon_q      <= abandon_d;
      cpl_err_q      <= cpl_err_d;
      fail_code_q    <= fail_code_d;
      fail_addr_q    <= fail_addr_d;
      bytes_moved_q  <= bytes_moved_d;
      descs_done_q   <= descs_done_d;
      busy_cycles_q  <= busy_cycles_d;
      stall_cycles_q <= stall_cycles_d;
      errors_q       <= errors_d;
    end
  end

  // Idle: high when, with the inputs held as they are, no state changes and
  // no output changes until an input arrives (a CSR access on AXI4-Lite, or
  // anything on the AXI4 master's slave-driven channels): the control FSM is
  // in StIdle, no enabled queue has work (q_req: enabled, not stopped, HEAD !=
  // TAIL), the read path, realigner and write path are empty (nothing
  // outstanding on the AXI4 master), the AXI4-Lite adapter holds no request
  // or response, and no RESET/RESUME pulse is on its way from the CSR block.
  // Every counter then holds (BUSY needs a state other than StIdle, STALL a
  // valid on the master). A simulator may stop clocking while idle_o is high
  // and its inputs offer nothing new (clock gating).
  assign idle_o = (state_q == StIdle) && !(|q_req) && !rd_busy && !ra_busy && wr_idle &&
                  !(|q_reset_qe) && !(|q_resume_qe) &&
                  s_axil_awready_o && s_axil_wready_o && s_axil_arready_o &&
                  !s_axil_bvalid_o && !s_axil_rvalid_o;

  logic unused;
  assign unused = ^{arb_gnt, m_axi_bid_i, q_resume_v, q_reset_v, desc_addr_q[OffBits-1:0]};

`ifndef SYNTHESIS
`ifndef __ICARUS__
  logic sva_rst_n;
  assign sva_rst_n = rst_ni;
  ArStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      m_axi_arvalid_o && !m_axi_arready_i |=> m_axi_arvalid_o && $stable(m_axi_araddr_o) &&
      $stable(m_axi_arlen_o) && $stable(m_axi_arid_o))
    else $error("dma_engine: AR changed before it was accepted");
  AwStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      m_axi_awvalid_o && !m_axi_awready_i |=> m_axi_awvalid_o && $stable(m_axi_awaddr_o) &&
      $stable(m_axi_awlen_o))
    else $error("dma_engine: AW changed before it was accepted");
  DescOnlyWhenIdle: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      desc_ar_valid |-> !rd_ar_valid)
    else $error("dma_engine: descriptor and data reads compete for AR");
  RNoUnknownId: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      m_axi_rvalid_i |-> (m_axi_rid_i == dma_pkg::AxiIdDesc || m_axi_rid_i == dma_pkg::AxiIdData))
    else $error("dma_engine: R beat with an ID the engine never issued");
`endif
`endif
  initial begin
    if (NumQueues < 1 || NumQueues > MaxQ) $error("NumQueues must be 1..%0d", MaxQ);
    if (DataBits != 64 && DataBits != 128 && DataBits != 256) $error("DataBits must be 64, 128 or 256");
    if (dma_reg_pkg::DMA_DESC_SIZE != dma_pkg::DescBytes) $error("descriptor size mismatch");
  end
endmodule
