// The chip's configuration: one typed struct tree (ChipConfig), loaded from a
// JSON preset (configs/trn2.json, configs/trn3.json, configs/tiny.json) or a
// file, with `key.path=value` overrides applied before validation.
// docs/config.md describes the file format, every parameter and the errors;
// docs/calibration.md gives the source of every preset number.
//
// Plain C++ (no SystemC): the chip, the power model, the fabric and the tools
// all read the same struct. Every parameter is declared once, in the table
// behind parameters() (config.cpp): its path, type, unit, allowed range and
// help text. Every field is required in a file; there are no silent defaults.
#pragma once

#include "common/fidelity.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace trnsim::config {

// Every configuration problem: the message names the file (or the override),
// the full key path, the offending value and what is allowed.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Tensor-engine datatype classes (the peak-rate table is per class):
//   fp8    FP8 E4M3 / E5M2          bf16   BF16 (and FP16/TF32 on the real chip)
//   fp32   FP32                     mxfp8  OCP MX FP8 with block scales (trn3)
enum class DtypeClass { kFp8, kBf16, kFp32, kMxfp8 };
const char* to_string(DtypeClass d);
DtypeClass parse_dtype_class(const std::string& s);  // throws ConfigError

// MACs per processing element per cycle, per class (0 = not supported).
struct TensorRates {
  double fp8 = 0, bf16 = 0, fp32 = 0, mxfp8 = 0;
  double of(DtypeClass d) const;
};

// Elements per cycle of a vector-style engine, per class (0 = not supported).
struct ElemRates {
  double fp8 = 0, bf16 = 0, fp32 = 0;
  double of(DtypeClass d) const;  // mxfp8 -> fp8
};

struct TensorConfig {
  unsigned rows = 0;  // PE rows (contraction K per pass; = SBUF partitions read)
  unsigned cols = 0;  // PE columns (stationary free size N)
  double clock_ghz = 0;
  TensorRates macs_per_pe_cycle;
  unsigned matmul_min_cycles = 0;  // a MATMUL occupies the array >= this many cycles
  unsigned cmd_depth = 0;          // tensor engine command queue entries
  std::string rtl_config;          // configs/rtl_configs.json "tensor" entry, for rtl/lockstep
};

// Vector, scalar and GpSimd engines share one shape.
struct EngineConfig {
  double clock_ghz = 0;
  ElemRates elems_per_cycle;
  unsigned startup_cycles = 0;  // fixed cycles per instruction before streaming
};

struct SbufConfig {
  unsigned partitions = 0;
  uint64_t bytes_per_partition = 0;
};

// PSUM has as many partitions as the SBUF.
struct PsumConfig {
  unsigned banks = 0;
  uint64_t bank_bytes = 0;  // per partition per bank
};

// One DMA engine (a core has `engines` of them).
struct DmaConfig {
  unsigned engines = 0;  // per core
  unsigned queues = 0;   // per engine
  unsigned data_bits = 0;
  unsigned max_burst_beats = 0;
  unsigned max_outstanding = 0;
  double clock_ghz = 0;
  double fixed_latency_ns = 0;  // per DMA transfer: trigger to first beat
  std::string rtl_config;       // configs/rtl_configs.json "dma" entry, for rtl/lockstep
};

struct CoreConfig {
  TensorConfig tensor;
  EngineConfig vector, scalar, gpsimd;
  SbufConfig sbuf;
  PsumConfig psum;
  unsigned semaphores = 0;
  DmaConfig dma;
};

struct HbmConfig {
  unsigned stacks = 0;
  unsigned channels_per_stack = 0;
  uint64_t capacity_gib = 0;  // whole chip
  double peak_gb_per_s_per_stack = 0;
  double latency_ns = 0;       // controller + PHY + array, excluding row effects
  uint64_t row_buffer_bytes = 0;
  double row_hit_ns = 0;       // added on a row-buffer hit
  double row_miss_ns = 0;      // added on a miss (precharge + activate)
  unsigned queue_depth = 0;    // requests per channel
};

struct InterconnectConfig {
  double port_gb_per_s = 0;  // per port (one per core, HBM stack, link)
  double latency_ns = 0;     // one traversal
};

struct C2cConfig {
  unsigned links = 0;
  double gb_per_s = 0;  // per link, per direction
  double latency_ns = 0;
};

struct MgmtConfig {
  double clock_ghz = 0;
};

// Default form of each block type with more than one (fidelity.h).
struct FidelityConfig {
  Fidelity tensor = Fidelity::kTlm;
  Fidelity dma = Fidelity::kTlm;
};

struct ChipConfig {
  std::string name;
  unsigned cores = 0;
  CoreConfig core;  // every core is the same
  HbmConfig hbm;
  InterconnectConfig interconnect;
  C2cConfig c2c;
  MgmtConfig mgmt;
  FidelityConfig fidelity;
};

bool operator==(const ChipConfig& a, const ChipConfig& b);  // every parameter
inline bool operator!=(const ChipConfig& a, const ChipConfig& b) { return !(a == b); }

// --- loading -------------------------------------------------------------

// `what` is a preset name ("trn2", "trn3", "tiny": configs/<name>.json found
// by find_preset) or a path to a JSON file (anything containing '/' or ending
// in ".json"). Overrides are "key.path=value" (value: JSON, or a bare word
// taken as a string: "fidelity.tensor=rtl"), applied in order, then the whole
// config is validated. Throws ConfigError.
ChipConfig load_config(const std::string& what, const std::vector<std::string>& overrides = {});

// The same from JSON text; `origin` names it in errors (e.g. "<string>").
ChipConfig parse_config(const std::string& json_text, const std::string& origin,
                        const std::vector<std::string>& overrides = {});

// The "_sources" entries of a preset or file (docs/config.md): parameter
// path -> source text ("K2: ...", "estimate: ..."). Loads and validates it.
std::map<std::string, std::string> load_sources(const std::string& what);

// Where a preset's file is: $TRNSIM_CONFIG_DIR/<name>.json, then
// <dir of the running binary>/configs/<name>.json, then the source tree's
// configs/<name>.json (compile definition). Throws ConfigError listing the
// places tried and the presets known.
std::string find_preset(const std::string& name);
std::vector<std::string> preset_names();  // of trn2, trn3, tiny: those in the first dir that has any

// Cross-field and range checks (also run by the loaders). Throws ConfigError
// naming the field; `origin` prefixes the message.
void validate(const ChipConfig& c, const std::string& origin = "config");

// The effective config as JSON (every parameter, stable key order, no
// sources): load(to_json(c)) == c.
std::string to_json(const ChipConfig& c, int indent = 2);

// Small configs for fast tests: load_config("tiny") (1 core, 8x8 array,
// 32 partitions x 4 KiB SBUF).
ChipConfig tiny_config();

// --- the parameter table (for --help, docs and tests) --------------------

enum class ParamType { kUint, kDouble, kString, kFidelity };

struct ParamInfo {
  std::string path;  // "core.tensor.rows"
  ParamType type;
  std::string unit;  // "" when dimensionless
  double min = 0, max = 0;  // numbers: allowed range, inclusive
  std::string help;
};
const std::vector<ParamInfo>& parameters();
std::string describe_parameters();  // one line per parameter: path, type, unit, range, help

// --- derived figures -----------------------------------------------------

// Tensor-engine peak: 2 x rows x cols x MACs/PE/cycle x clock (x cores), FLOP/s.
double peak_flops_per_core(const ChipConfig& c, DtypeClass d);
double peak_flops(const ChipConfig& c, DtypeClass d);
double hbm_peak_bytes_per_s(const ChipConfig& c);           // stacks x per-stack
double dma_engine_peak_bytes_per_s(const ChipConfig& c);    // data_bits/8 x clock
double dma_peak_bytes_per_s_per_core(const ChipConfig& c);  // x engines
double dma_peak_bytes_per_s(const ChipConfig& c);           // x cores
double c2c_peak_bytes_per_s(const ChipConfig& c);           // links x per link
uint64_t sbuf_bytes_per_core(const ChipConfig& c);
uint64_t psum_bytes_per_core(const ChipConfig& c);
uint64_t hbm_capacity_bytes(const ChipConfig& c);
// Clock period in picoseconds, rounded to nearest (for sc_time(ps, SC_PS)).
uint64_t period_ps(double clock_ghz);

}  // namespace trnsim::config
