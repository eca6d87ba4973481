// Test top for test_tensor_csr: the AXI4-Lite adapter in front of the generated
// tensor_csr, with every hardware port of the register file brought out under its own
// name, and the register-bus request as taps (to line up hardware events with accesses).
// Port names must follow the generated tensor_csr (docs/registers/tensor.md).
module tb_tensor_csr_top (
  input  logic        clk_i,
  input  logic        rst_ni,

  // AXI4-Lite slave
  input  logic        s_axil_awvalid_i,
  output logic        s_axil_awready_o,
  input  logic [7:0]  s_axil_awaddr_i,
  input  logic [2:0]  s_axil_awprot_i,
  input  logic        s_axil_wvalid_i,
  output logic        s_axil_wready_o,
  input  logic [31:0] s_axil_wdata_i,
  input  logic [3:0]  s_axil_wstrb_i,
  output logic        s_axil_bvalid_o,
  input  logic        s_axil_bready_i,
  output logic [1:0]  s_axil_bresp_o,
  input  logic        s_axil_arvalid_i,
  output logic        s_axil_arready_o,
  input  logic [7:0]  s_axil_araddr_i,
  input  logic [2:0]  s_axil_arprot_i,
  output logic        s_axil_rvalid_o,
  input  logic        s_axil_rready_i,
  output logic [31:0] s_axil_rdata_o,
  output logic [1:0]  s_axil_rresp_o,

  // Register-bus taps
  output logic        reg_req_o,
  output logic        reg_we_o,
  output logic [7:0]  reg_addr_o,

  // Hardware side of the register file
  input  logic [9:0]  geometry_rows_i,
  input  logic [9:0]  geometry_cols_i,
  input  logic [4:0]  geometry_log2_psum_depth_i,
  output logic        ctrl_start_o,
  output logic        ctrl_start_qe_o,
  input  logic        status_busy_i,
  input  logic        status_queue_full_i,
  input  logic [3:0]  status_queue_count_i,
  input  logic        status_weights_loading_i,
  input  logic        status_streaming_i,
  input  logic        intr_state_done_set_i,
  output logic        intr_state_done_o,
  input  logic        intr_state_error_set_i,
  output logic        intr_state_error_o,
  output logic        intr_enable_done_o,
  output logic        intr_enable_error_o,
  input  logic [3:0]  err_code_code_i,
  input  logic [15:0] err_code_count_i,
  output logic [1:0]  cmd_cfg_dtype_a_o,
  output logic [1:0]  cmd_cfg_dtype_w_o,
  output logic        cmd_cfg_load_w_o,
  output logic        cmd_cfg_accumulate_o,
  output logic        cmd_cfg_emit_o,
  output logic        cmd_cfg_irq_o,
  output logic [15:0] cmd_shape_m_rows_o,
  output logic [9:0]  cmd_shape_k_rows_o,
  output logic [15:0] cmd_psum_addr_o,
  input  logic [31:0] cmds_done_count_i,
  input  logic [31:0] busy_cycles_count_i,
  input  logic [31:0] stall_cycles_count_i,
  input  logic [31:0] macs_count_i
);

  logic        reg_req, reg_we, reg_err;
  logic [7:0]  reg_addr;
  logic [31:0] reg_wdata, reg_rdata;
  logic [3:0]  reg_wstrb;

  common_axil_reg_adapter #(.AddrBits(tensor_reg_pkg::TENSOR_ADDR_BITS)) u_axil (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .s_axil_awvalid_i (s_axil_awvalid_i),
    .s_axil_awready_o (s_axil_awready_o),
    .s_axil_awaddr_i  (s_axil_awaddr_i),
    .s_axil_awprot_i  (s_axil_awprot_i),
    .s_axil_wvalid_i  (s_axil_wvalid_i),
    .s_axil_wready_o  (s_axil_wready_o),
    .s_axil_wdata_i   (s_axil_wdata_i),
    .s_axil_wstrb_i   (s_axil_wstrb_i),
    .s_axil_bvalid_o  (s_axil_bvalid_o),
    .s_axil_bready_i  (s_axil_bready_i),
    .s_axil_bresp_o   (s_axil_bresp_o),
    .s_axil_arvalid_i (s_axil_arvalid_i),
    .s_axil_arready_o (s_axil_arready_o),
    .s_axil_araddr_i  (s_axil_araddr_i),
    .s_axil_arprot_i  (s_axil_arprot_i),
    .s_axil_rvalid_o  (s_axil_rvalid_o),
    .s_axil_rready_i  (s_axil_rready_i),
    .s_axil_rdata_o   (s_axil_rdata_o),
    .s_axil_rresp_o   (s_axil_rresp_o),
    .reg_req_o        (reg_req),
    .reg_we_o         (reg_we),
    .reg_addr_o       (reg_addr),
    .reg_wdata_o      (reg_wdata),
    .reg_wstrb_o      (reg_wstrb),
    .reg_rdata_i      (reg_rdata),
    .reg_err_i        (reg_err)
  );

  tensor_csr u_csr (
    .clk_i                      (clk_i),
    .rst_ni                     (rst_ni),
    .req_i                      (reg_req),
    .we_i                       (reg_we),
    .addr_i                     (reg_addr),
    .wdata_i                    (reg_wdata),
    .wstrb_i                    (reg_wstrb),
    .rdata_o                    (reg_rdata),
    .err_o                      (reg_err),
    .geometry_rows_i            (geometry_rows_i),
    .geometry_cols_i            (geometry_cols_i),
    .geometry_log2_psum_depth_i (geometry_log2_psum_depth_i),
    .ctrl_start_o               (ctrl_start_o),
    .ctrl_start_qe_o            (ctrl_start_qe_o),
    .status_busy_i              (status_busy_i),
    .status_queue_full_i        (status_queue_full_i),
    .status_queue_count_i       (status_queue_count_i),
    .status_weights_loading_i   (status_weights_loading_i),
    .status_streaming_i         (status_streaming_i),
    .intr_state_done_set_i      (intr_state_done_set_i),
    .intr_state_done_o          (intr_state_done_o),
    .intr_state_error_set_i     (intr_state_error_set_i),
    .intr_state_error_o         (intr_state_error_o),
    .intr_enable_done_o         (intr_enable_done_o),
    .intr_enable_error_o        (intr_enable_error_o),
    .err_code_code_i            (err_code_code_i),
    .err_code_count_i           (err_code_count_i),
    .cmd_cfg_dtype_a_o          (cmd_cfg_dtype_a_o),
    .cmd_cfg_dtype_w_o          (cmd_cfg_dtype_w_o),
    .cmd_cfg_load_w_o           (cmd_cfg_load_w_o),
    .cmd_cfg_accumulate_o       (cmd_cfg_accumulate_o),
    .cmd_cfg_emit_o             (cmd_cfg_emit_o),
    .cmd_cfg_irq_o              (cmd_cfg_irq_o),
    .cmd_shape_m_rows_o         (cmd_shape_m_rows_o),
    .cmd_shape_k_rows_o         (cmd_shape_k_rows_o),
    .cmd_psum_addr_o            (cmd_psum_addr_o),
    .cmds_done_count_i          (cmds_done_count_i),
    .busy_cycles_count_i        (busy_cycles_count_i),
    .stall_cycles_count_i       (stall_cycles_count_i),
    .macs_count_i               (macs_count_i)
  );

  assign reg_req_o  = reg_req;
  assign reg_we_o   = reg_we;
  assign reg_addr_o = reg_addr;

endmodule
