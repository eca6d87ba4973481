#include "mgmt/mgmt_subsystem.h"

namespace trnsim::mgmt {

MemoryConfig MgmtSubsystem::mem_config(uint32_t size) {
  MemoryConfig m;
  m.base = 0;  // the router hands memories local offsets
  m.size = size;
  return m;
}

static MgmtCoreConfig core_config(const MgmtSubsystemConfig& cfg) {
  MgmtCoreConfig c = cfg.core;
  c.reset_pc = cfg.rom_base;
  return c;
}

MgmtSubsystem::MgmtSubsystem(sc_core::sc_module_name name, const MgmtSubsystemConfig& cfg)
    : sc_module(name),
      cfg_(cfg),
      core_("core", core_config(cfg)),
      router_("router", cfg.ext_base, cfg.ext_size),
      rom_("rom", mem_config(cfg.rom_size)),
      ram_("ram", mem_config(cfg.ram_size)),
      clint_("clint", cfg.clint),
      intc_("intc", cfg.intc),
      uart_("uart", cfg.uart),
      mailbox_("mailbox", cfg.mailbox),
      msip_("msip"),
      mtip_("mtip"),
      meip_("meip"),
      mailbox_irq_("mailbox_irq") {
  auto& q = tlm::tlm_global_quantum::instance();
  if (q.get() == sc_core::SC_ZERO_TIME) q.set(cfg_.quantum);

  core_.socket.bind(router_.target);
  // Order of binding = index of add_target.
  router_.add_target("rom", cfg_.rom_base, cfg_.rom_size, true);
  router_.dev.bind(rom_.socket);
  router_.add_target("ram", cfg_.ram_base, cfg_.ram_size, false);
  router_.dev.bind(ram_.socket);
  router_.add_target("clint", cfg_.clint_base, cfg_.device_size, false);
  router_.dev.bind(clint_.socket);
  router_.add_target("intc", cfg_.intc_base, cfg_.device_size, false);
  router_.dev.bind(intc_.socket);
  router_.add_target("uart", cfg_.uart_base, cfg_.device_size, false);
  router_.dev.bind(uart_.socket);
  router_.add_target("mailbox", cfg_.mailbox_base, cfg_.device_size, false);
  router_.dev.bind(mailbox_.socket);

  clint_.msip_o(msip_);
  clint_.mtip_o(mtip_);
  core_.msip_i(msip_);
  core_.mtip_i(mtip_);
  intc_.meip_o(meip_);
  core_.meip_i(meip_);
  mailbox_.irq_o(mailbox_irq_);
  intc_.irq_i[MGMT_IRQ_MAILBOX].bind(mailbox_irq_);

  if (cfg_.stop_on_exit) {
    // With a debugger attached the core's thread ends the simulation itself
    // once it has told the debugger (mgmt_gdb.h).
    mailbox_.set_on_exit([this](int) {
      if (!core_.debugger_attached()) sc_core::sc_stop();
    });
    core_.set_on_stop([this](const std::string&) {
      if (!core_.debugger_attached()) sc_core::sc_stop();
    });
  }
}

const ElfImage& MgmtSubsystem::load_elf(const std::string& path) {
  image_ = trnsim::mgmt::load_elf(path, {{"ROM", cfg_.rom_base, cfg_.rom_size},
                                         {"RAM", cfg_.ram_base, cfg_.ram_size}});
  for (const ElfSegment& s : image_.segments) {
    if (s.addr >= cfg_.rom_base && s.addr - cfg_.rom_base < cfg_.rom_size)
      rom_.write_bytes(s.addr - cfg_.rom_base, s.data.data(), s.data.size());
    else
      ram_.write_bytes(s.addr - cfg_.ram_base, s.data.data(), s.data.size());
  }
  core_.iss().reset(image_.entry);
  return image_;
}

}  // namespace trnsim::mgmt
