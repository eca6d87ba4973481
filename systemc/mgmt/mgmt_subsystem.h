// MgmtSubsystem: the management core with its memories and peripherals at
// the memory map of mgmt_map.h (docs/firmware.md): boot ROM and data RAM
// (trnsim::Memory, DMI), CLINT, interrupt controller, UART, host mailbox, an
// address router, and an external initiator socket for the rest of the chip.
//
// For the chip model:
//   mgmt.ext_socket().bind(fabric.target_socket);   // 0x20000000..0x7fffffff, global addresses
//   mgmt.irq_in(n).bind(engine_irq_signal);         // n = 1..31 (0 is the mailbox)
//   mgmt.mailbox().call(...) from a host SC_THREAD
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mem/memory.h"
#include "mgmt/elf_loader.h"
#include "mgmt/mgmt_clint.h"
#include "mgmt/mgmt_core.h"
#include "mgmt/mgmt_intc.h"
#include "mgmt/mgmt_mailbox.h"
#include "mgmt/mgmt_map.h"
#include "mgmt/mgmt_router.h"
#include "mgmt/mgmt_uart.h"

namespace trnsim::mgmt {

struct MgmtSubsystemConfig {
  MgmtCoreConfig core{};  // reset_pc is set to the ROM base (or the ELF entry by load_elf)
  sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);  // set if the global quantum is 0
  uint32_t rom_base = MGMT_ROM_BASE, rom_size = MGMT_ROM_SIZE;
  uint32_t ram_base = MGMT_RAM_BASE, ram_size = MGMT_RAM_SIZE;
  uint32_t clint_base = MGMT_CLINT_BASE, intc_base = MGMT_INTC_BASE;
  uint32_t uart_base = MGMT_UART_BASE, mailbox_base = MGMT_MAILBOX_BASE;
  uint32_t device_size = MGMT_DEVICE_SIZE;
  uint64_t ext_base = MGMT_EXT_BASE, ext_size = MGMT_EXT_SIZE;
  MgmtClintConfig clint{};
  MgmtIntcConfig intc{};
  MgmtUartConfig uart{};
  MgmtMailboxConfig mailbox{};
  bool stop_on_exit = true;  // sc_stop() when firmware writes EXIT or the core stops
};

class MgmtSubsystem : public sc_core::sc_module {
 public:
  MgmtSubsystem(sc_core::sc_module_name name, const MgmtSubsystemConfig& cfg);

  // Loads an ELF into ROM and RAM (segments must fit them: ElfError) and
  // sets the reset pc to its entry. Call before sc_start().
  const ElfImage& load_elf(const std::string& path);

  auto& ext_socket() { return router_.ext; }
  IrqIn& irq_in(unsigned n) { return intc_.irq_i.at(n); }

  MgmtCore& core() { return core_; }
  MgmtMailbox& mailbox() { return mailbox_; }
  MgmtUart& uart() { return uart_; }
  MgmtClint& clint() { return clint_; }
  MgmtIntc& intc() { return intc_; }
  Memory& rom() { return rom_; }
  Memory& ram() { return ram_; }
  const MgmtSubsystemConfig& config() const { return cfg_; }

  // How the run ended: the firmware's EXIT code, or the core stopping.
  std::optional<int> exit_code() const { return mailbox_.exit_code(); }
  bool core_stopped() const { return core_.stopped(); }

 private:
  static MemoryConfig mem_config(uint32_t size);

  MgmtSubsystemConfig cfg_;
  MgmtCore core_;
  MgmtRouter router_;
  Memory rom_, ram_;
  MgmtClint clint_;
  MgmtIntc intc_;
  MgmtUart uart_;
  MgmtMailbox mailbox_;
  sc_core::sc_signal<bool> msip_, mtip_, meip_, mailbox_irq_;
  ElfImage image_;
};

}  // namespace trnsim::mgmt
