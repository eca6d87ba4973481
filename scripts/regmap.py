#!/usr/bin/env python3
"""Register-map generator: one JSON source per block -> RTL, headers, docs.

    regmap.py SOURCE.json --out-dir DIR            write the outputs to DIR
    regmap.py SOURCE.json --out-dir DIR --docs     write only DIR/<block>.md
    regmap.py SOURCE.json --check DIR [--docs]     compare instead of writing

Outputs for block <b> (see docs/regmap.md for the source format and for the
exact contents of every output):
    <b>_reg_pkg.sv   SV package: offsets, field LSB/WIDTH/MASK, resets, enums
    <b>_csr.sv       SV register file behind a single-cycle register bus
    <b>_regs.h       C99 header for firmware
    <b>_regs.hpp     C++17 header: constants, enum classes, register table
    <b>_regs.md      Markdown reference (committed as docs/registers/<b>.md)
    regmap_types.hpp the C++ types alone (RegisterDesc, FieldDesc, ...), same for every block

Exit status: 0 ok, 1 invalid source (every problem is reported, each naming
the file and the JSON path), 2 usage or I/O error, 3 --check found
differences. Nothing is written unless the whole source is valid; files are
written to temporaries and renamed, and files whose content is unchanged are
left untouched (so their timestamps do not trigger rebuilds).

Python 3 standard library only.
"""

import argparse
import difflib
import json
import os
import re
import sys
import tempfile
import textwrap

GENERATOR = "scripts/regmap.py"
REG_BITS = 32

SW_TYPES = ("rw", "wo", "ro", "w1c")
HW_TYPES = ("none", "in", "const", "set")
# Allowed hw types per sw type; the first one is the default (None: required).
HW_ALLOWED = {"rw": ("none",), "wo": ("none",), "ro": ("in", "const"), "w1c": ("set",)}
HW_DEFAULT = {"rw": "none", "wo": "none", "ro": None, "w1c": "set"}

# "addr_bits" and "registers" are required together, or both left out: a block
# without registers (e.g. an instruction set) only has enums and layouts, and
# gets no <b>_csr.sv (see docs/regmap.md, "Blocks without registers").
TOP_KEYS = {"block": True, "description": True, "addr_bits": False,
            "registers": False, "enums": False, "layouts": False}
REG_KEYS = {"name": True, "offset": True, "description": True, "fields": True}
FIELD_KEYS = {"name": True, "bits": True, "sw": True, "description": True,
              "hw": False, "reset": False, "enum": False}
ENUM_KEYS = {"description": True, "values": True}
ENUM_VALUE_KEYS = {"name": True, "value": True, "description": True}
LAYOUT_KEYS = {"description": True, "words": True, "size": False}
WORD_KEYS = {"name": True, "offset": True, "description": True, "fields": True}
LAYOUT_FIELD_KEYS = {"name": True, "bits": True, "description": True, "enum": False}

UPPER_RE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
LOWER_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


class SourceError(Exception):
    """The source is invalid; carries every message found."""

    def __init__(self, messages):
        super().__init__("\n".join(messages))
        self.messages = messages


class Errors:
    """Collects messages of the form '<file>: <json path> (<name>): <what>'."""

    def __init__(self, fname):
        self.fname = fname
        self.messages = []
        self.reported_clashes = set()

    def add(self, where, msg):
        prefix = f"{self.fname}: {where}: " if where else f"{self.fname}: "
        self.messages.append(prefix + msg)

    def raise_if_any(self):
        if self.messages:
            raise SourceError(self.messages)


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------

class Field:
    def __init__(self, name, lsb, width, description, where,
                 sw=None, hw=None, reset=None, enum=None):
        self.name = name
        self.lsb = lsb
        self.width = width
        self.description = description
        self.where = where
        self.sw = sw
        self.hw = hw
        self.reset = reset      # None for hw "in" fields (the value is hardware's)
        self.enum = enum

    @property
    def msb(self):
        return self.lsb + self.width - 1

    @property
    def mask(self):
        return (1 << self.width) - 1

    @property
    def shifted_mask(self):
        return self.mask << self.lsb

    @property
    def bits_str(self):
        return str(self.lsb) if self.width == 1 else f"{self.msb}:{self.lsb}"

    @property
    def writable(self):
        return self.sw in ("rw", "wo", "w1c")

    @property
    def stored(self):
        return self.sw in ("rw", "w1c")


class Register:
    def __init__(self, name, offset, description, fields, where):
        self.name = name
        self.offset = offset
        self.description = description
        self.fields = fields
        self.where = where

    def mask_of(self, pred):
        m = 0
        for f in self.fields:
            if pred(f):
                m |= f.shifted_mask
        return m

    @property
    def reset(self):
        v = 0
        for f in self.fields:
            if f.reset is not None and f.sw != "wo":
                v |= f.reset << f.lsb
        return v

    @property
    def writable(self):
        return any(f.writable for f in self.fields)

    @property
    def readable(self):
        return any(f.sw != "wo" for f in self.fields)


class Enum:
    def __init__(self, name, description, values, where):
        self.name = name
        self.description = description
        self.values = values    # list of (name, value, description, where)
        self.where = where
        self.width = max(1, max(v[1] for v in values).bit_length()) if values else 1

    @property
    def cpp_name(self):
        return "".join(p.capitalize() for p in self.name.split("_"))


class LayoutWord:
    def __init__(self, name, offset, description, fields, where):
        self.name = name
        self.offset = offset
        self.description = description
        self.fields = fields
        self.where = where


class Layout:
    def __init__(self, name, description, size, words, where):
        self.name = name
        self.description = description
        self.size = size
        self.words = words
        self.where = where


class Block:
    def __init__(self, name, description, addr_bits, registers, enums, layouts, source):
        self.name = name
        self.description = description
        self.addr_bits = addr_bits
        self.registers = registers
        self.enums = enums
        self.layouts = layouts
        self.source = source    # file name shown in generated headers

    @property
    def upper(self):
        return self.name.upper()


# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------

def _no_duplicate_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate key '{k}'")
        obj[k] = v
    return obj


def load_json(path, errs):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        errs.add("", f"cannot read: {e.strerror}")
        errs.raise_if_any()
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        errs.messages.append(f"{errs.fname}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}")
    except ValueError as e:
        errs.messages.append(f"{errs.fname}: invalid JSON: {e}")
    errs.raise_if_any()
    return None


def check_keys(obj, spec, where, errs, what):
    """Checks obj is a dict with the required keys and no unknown ones."""
    if not isinstance(obj, dict):
        errs.add(where, f"{what} must be a JSON object, not {json_type(obj)}")
        return False
    ok = True
    for k in obj:
        if k not in spec:
            hint = difflib.get_close_matches(k, spec.keys(), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            errs.add(where, f"unknown key '{k}'{extra}; allowed: {', '.join(sorted(spec))}")
            ok = False
    for k, required in spec.items():
        if required and k not in obj:
            errs.add(where, f"missing required key '{k}'")
            ok = False
    return ok


def json_type(v):
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    return "null"


def parse_uint(v, key, where, errs):
    """A non-negative integer: JSON number, or string '0x1F', '0b101', '42' (with _)."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        errs.add(where, f"{key} must be an integer or a string like \"0x1F\", not {json_type(v)}")
        return None
    if isinstance(v, int):
        if v < 0:
            errs.add(where, f"{key} {v} is negative")
            return None
        return v
    s = v.strip().replace("_", "")
    try:
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", s):
            return int(s[2:], 16)
        if re.fullmatch(r"0[bB][01]+", s):
            return int(s[2:], 2)
        if re.fullmatch(r"[0-9]+", s):
            return int(s, 10)
    except ValueError:
        pass
    errs.add(where, f"{key} \"{v}\" is not a number (write 42, \"42\", \"0x2A\" or \"0b101010\")")
    return None


def parse_bits(v, where, errs):
    """'H:L', 'N' or N -> (lsb, width), checked against the 32-bit word."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        errs.add(where, f"bits must be a string \"msb:lsb\" or \"bit\", not {json_type(v)}")
        return None
    s = str(v).strip()
    m = re.fullmatch(r"(\d+)(?:\s*:\s*(\d+))?", s)
    if not m:
        errs.add(where, f"bits \"{v}\" is not \"msb:lsb\" or \"bit\"")
        return None
    hi = int(m.group(1))
    lo = int(m.group(2)) if m.group(2) is not None else hi
    if hi < lo:
        errs.add(where, f"bits {s}: msb {hi} is below lsb {lo} (write \"{lo}:{hi}\")")
        return None
    if hi >= REG_BITS:
        errs.add(where, f"bits {s} exceed the {REG_BITS}-bit register")
        return None
    return lo, hi - lo + 1


def parse_name(v, pattern, key, where, errs, example):
    if not isinstance(v, str):
        errs.add(where, f"{key} must be a string, not {json_type(v)}")
        return None
    if not pattern.match(v):
        errs.add(where, f"{key} '{v}' is not a valid name (write it like '{example}')")
        return None
    return v


def parse_description(obj, where, errs):
    d = obj.get("description")
    if d is None:
        return ""
    if not isinstance(d, str):
        errs.add(where, f"description must be a string, not {json_type(d)}")
        return ""
    if not d.strip():
        errs.add(where, "description is empty")
    return " ".join(d.split())


def label(where, *names):
    known = [n for n in names if isinstance(n, str)]
    return f"{where} ({'.'.join(known)})" if known and len(known) == len(names) else where


def check_overlaps(fields, errs, container):
    """Fields of one word must not share bits."""
    ordered = sorted(fields, key=lambda f: f.lsb)
    for a, b in zip(ordered, ordered[1:]):
        if b.lsb <= a.msb:
            errs.add(b.where, f"bits {b.bits_str} overlap field {a.name} (bits {a.bits_str}) "
                              f"of {container}")


def check_unique(items, key_fn, what, errs, show=str):
    seen = {}
    for it in items:
        k = key_fn(it)
        if k is None:
            continue
        if k in seen:
            errs.add(it.where, f"duplicate {what} {show(k)}: also used by {seen[k].where}")
        else:
            seen[k] = it


def parse_enums(raw, errs):
    enums = {}
    if raw is None:
        return enums
    if not isinstance(raw, dict):
        errs.add("enums", f"must be an object mapping enum names to enums, not {json_type(raw)}")
        return enums
    for ename, e in raw.items():
        where = f"enums.{ename}"
        name_ok = parse_name(ename, LOWER_RE, "enum name", "enums", errs, "err_code")
        if not check_keys(e, ENUM_KEYS, where, errs, "an enum"):
            continue
        desc = parse_description(e, where, errs)
        values_raw = e["values"]
        if not isinstance(values_raw, list) or not values_raw:
            errs.add(where, "values must be a non-empty array")
            continue
        values = []
        seen_names, seen_values = {}, {}
        for i, v in enumerate(values_raw):
            vwhere = f"{where}.values[{i}]"
            if not check_keys(v, ENUM_VALUE_KEYS, early_label(v, vwhere, ename), errs,
                              "an enum value"):
                continue
            vname = parse_name(v["name"], UPPER_RE, "name", vwhere, errs, "BAD_DTYPE")
            vwhere = label(vwhere, ename, vname)
            value = parse_uint(v["value"], "value", vwhere, errs)
            vdesc = parse_description(v, vwhere, errs)
            if vname is None or value is None:
                continue
            if vname in seen_names:
                errs.add(vwhere, f"duplicate enum value name {vname}: also used by {seen_names[vname]}")
                continue
            if value in seen_values:
                errs.add(vwhere, f"duplicate value {value}: also used by {seen_values[value]}")
                continue
            if value >= 1 << REG_BITS:
                errs.add(vwhere, f"value {value:#x} does not fit in {REG_BITS} bits")
                continue
            seen_names[vname] = vwhere
            seen_values[value] = vwhere
            values.append((vname, value, vdesc, vwhere))
        if name_ok and values:
            enums[ename] = Enum(ename, desc, values, where)
    return enums


def check_enum_ref(f, enum_name, enums, errs):
    """Field f refers to enum_name: it must exist and all values must fit."""
    if enum_name is None:
        return None
    if not isinstance(enum_name, str):
        errs.add(f.where, f"enum must be a string naming an entry of 'enums', not {json_type(enum_name)}")
        return None
    if enum_name not in enums:
        known = ", ".join(sorted(enums)) or "none defined"
        errs.add(f.where, f"enum '{enum_name}' is not defined in 'enums' ({known})")
        return None
    e = enums[enum_name]
    for vname, value, _, _ in e.values:
        if value > f.mask:
            errs.add(f.where, f"enum {enum_name} value {vname} = {value} does not fit the "
                              f"{f.width}-bit field")
    return enum_name


def early_label(raw, where, *owner):
    """The path labelled with the item's name as written (before validation)."""
    name = raw.get("name") if isinstance(raw, dict) else None
    return label(where, *owner, name) if isinstance(name, str) else where


def parse_field(raw, where, regname, enums, errs):
    if not check_keys(raw, FIELD_KEYS, early_label(raw, where, regname), errs, "a field"):
        return None
    name = parse_name(raw["name"], UPPER_RE, "name", where, errs, "QUEUE_COUNT")
    where = label(where, regname, name)
    desc = parse_description(raw, where, errs)
    bits = parse_bits(raw["bits"], where, errs)
    sw = raw["sw"]
    if sw not in SW_TYPES:
        errs.add(where, f"unknown sw type {json.dumps(sw)}; allowed: {', '.join(SW_TYPES)}")
        sw = None
    hw = raw.get("hw")
    if hw is not None and hw not in HW_TYPES:
        errs.add(where, f"unknown hw type {json.dumps(hw)}; allowed: {', '.join(HW_TYPES)}")
        return None
    if name is None or bits is None or sw is None:
        return None
    if hw is None:
        hw = HW_DEFAULT[sw]
        if hw is None:
            errs.add(where, f"missing required key 'hw' (sw '{sw}' needs hw "
                            f"{' or '.join(repr(h) for h in HW_ALLOWED[sw])})")
            return None
    elif hw not in HW_ALLOWED[sw]:
        errs.add(where, f"hw '{hw}' is not allowed with sw '{sw}' (allowed: "
                        f"{', '.join(HW_ALLOWED[sw])})")
        return None
    lsb, width = bits
    reset = None
    if "reset" in raw:
        if hw == "in":
            errs.add(where, "reset is not allowed with hw 'in': the value read is the hardware input")
            return None
        reset = parse_uint(raw["reset"], "reset", where, errs)
        if reset is None:
            return None
        if reset >> width:
            errs.add(where, f"reset {reset:#x} is wider than the {width}-bit field")
            return None
    elif hw == "const":
        errs.add(where, "missing required key 'reset' (hw 'const' reads its reset value)")
        return None
    elif hw != "in":
        reset = 0
    f = Field(name, lsb, width, desc, where, sw=sw, hw=hw, reset=reset)
    f.enum = check_enum_ref(f, raw.get("enum"), enums, errs)
    return f


def parse_fields(raw_fields, where, owner, errs, parse_one):
    if not isinstance(raw_fields, list) or not raw_fields:
        errs.add(where, "fields must be a non-empty array")
        return []
    fields = []
    for j, fr in enumerate(raw_fields):
        f = parse_one(fr, f"{where}.fields[{j}]")
        if f is not None:
            fields.append(f)
    check_unique(fields, lambda f: f.name, "field name", errs)
    check_overlaps(fields, errs, owner)
    return sorted(fields, key=lambda f: f.lsb)


def parse_registers(raw, addr_bits, enums, errs):
    regs = []
    if not isinstance(raw, list) or not raw:
        errs.add("registers", "must be a non-empty array")
        return regs
    for i, r in enumerate(raw):
        path = f"registers[{i}]"
        if not check_keys(r, REG_KEYS, early_label(r, path), errs, "a register"):
            continue
        name = parse_name(r["name"], UPPER_RE, "name", path, errs, "INTR_STATE")
        where = label(path, name)
        desc = parse_description(r, where, errs)
        offset = parse_uint(r["offset"], "offset", where, errs)
        if offset is not None:
            if offset % 4:
                errs.add(where, f"offset {offset:#04x} is not a multiple of 4")
                offset = None
            elif addr_bits is not None and offset >= 1 << addr_bits:
                errs.add(where, f"offset {offset:#04x} is beyond addr_bits {addr_bits} "
                                f"(last register offset {(1 << addr_bits) - 4:#04x})")
                offset = None
        fields = parse_fields(
            r["fields"], path, f"register {name}", errs,
            lambda fr, fw: parse_field(fr, fw, name, enums, errs))
        if name is None or offset is None or not fields:
            continue
        regs.append(Register(name, offset, desc, fields, where))
    check_unique(regs, lambda r: r.name, "register name", errs)
    check_unique(regs, lambda r: r.offset, "offset", errs, show=lambda o: f"{o:#04x}")
    return sorted(regs, key=lambda r: r.offset)


def parse_layout_field(raw, where, owner, enums, errs):
    if not check_keys(raw, LAYOUT_FIELD_KEYS, early_label(raw, where, *owner), errs, "a field"):
        return None
    name = parse_name(raw["name"], UPPER_RE, "name", where, errs, "SRC_ADDR")
    where = label(where, *owner, name)
    desc = parse_description(raw, where, errs)
    bits = parse_bits(raw["bits"], where, errs)
    if name is None or bits is None:
        return None
    f = Field(name, bits[0], bits[1], desc, where)
    f.enum = check_enum_ref(f, raw.get("enum"), enums, errs)
    return f


def parse_layouts(raw, enums, errs):
    layouts = []
    if raw is None:
        return layouts
    if not isinstance(raw, dict):
        errs.add("layouts", f"must be an object mapping layout names to layouts, not {json_type(raw)}")
        return layouts
    for lname, lr in raw.items():
        where = f"layouts.{lname}"
        name_ok = parse_name(lname, LOWER_RE, "layout name", "layouts", errs, "desc")
        if not check_keys(lr, LAYOUT_KEYS, where, errs, "a layout"):
            continue
        desc = parse_description(lr, where, errs)
        words_raw = lr["words"]
        if not isinstance(words_raw, list) or not words_raw:
            errs.add(where, "words must be a non-empty array")
            continue
        words = []
        for i, wr in enumerate(words_raw):
            wpath = f"{where}.words[{i}]"
            if not check_keys(wr, WORD_KEYS, early_label(wr, wpath, lname), errs, "a word"):
                continue
            wname = parse_name(wr["name"], UPPER_RE, "name", wpath, errs, "SRC_LO")
            wwhere = label(wpath, lname, wname)
            wdesc = parse_description(wr, wwhere, errs)
            offset = parse_uint(wr["offset"], "offset", wwhere, errs)
            if offset is not None and offset % 4:
                errs.add(wwhere, f"offset {offset:#04x} is not a multiple of 4")
                offset = None
            fields = parse_fields(
                wr["fields"], wpath, f"word {wname}", errs,
                lambda fr, fw: parse_layout_field(fr, fw, (lname, wname), enums, errs))
            if wname is None or offset is None or not fields:
                continue
            words.append(LayoutWord(wname, offset, wdesc, fields, wwhere))
        check_unique(words, lambda w: w.name, "word name", errs)
        check_unique(words, lambda w: w.offset, "offset", errs, show=lambda o: f"{o:#04x}")
        words.sort(key=lambda w: w.offset)
        natural = (words[-1].offset + 4) if words else 4
        size = natural
        if "size" in lr:
            size = parse_uint(lr["size"], "size", where, errs)
            if size is not None and (size % 4 or size < natural):
                errs.add(where, f"size {size} must be a multiple of 4 and at least {natural} "
                                f"(the end of the last word)")
        if name_ok and words and size is not None:
            layouts.append(Layout(lname, desc, size, words, where))
    return layouts


def parse_block(path):
    fname = path
    errs = Errors(fname)
    raw = load_json(path, errs)
    if not check_keys(raw, TOP_KEYS, "", errs, "the top level"):
        errs.raise_if_any()
    name = parse_name(raw["block"], LOWER_RE, "block", "block", errs, "tensor")
    desc = parse_description(raw, "description", errs)
    has_regs = "registers" in raw
    addr_bits = None
    if has_regs != ("addr_bits" in raw):
        errs.add("", "missing required key 'addr_bits'" if has_regs else
                 "missing required key 'registers' (a block without registers has no 'addr_bits')")
    elif has_regs:
        addr_bits = raw["addr_bits"]
        if isinstance(addr_bits, bool) or not isinstance(addr_bits, int) or not 2 <= addr_bits <= 32:
            errs.add("addr_bits", f"must be an integer from 2 to 32, not {json.dumps(addr_bits)}")
            addr_bits = None
    elif not raw.get("enums") and not raw.get("layouts"):
        errs.add("", "a block without 'registers' must have 'enums' or 'layouts'")
    enums = parse_enums(raw.get("enums"), errs)
    registers = parse_registers(raw["registers"], addr_bits, enums, errs) if has_regs else []
    layouts = parse_layouts(raw.get("layouts"), enums, errs)
    errs.raise_if_any()
    # An enum is sized to the narrowest field using it (all its values fit
    # there), or to its largest value if no field uses it.
    for e in enums.values():
        widths = [f.width for r in registers for f in r.fields if f.enum == e.name]
        widths += [f.width for l in layouts for w in l.words for f in w.fields if f.enum == e.name]
        if widths:
            e.width = min(widths)
    return Block(name, desc, addr_bits, registers, enums, layouts,
                 os.path.basename(path)), errs


# ---------------------------------------------------------------------------
# Generated-name clash detection
# ---------------------------------------------------------------------------

class Names:
    """One namespace of an output; reports two sources generating one name."""

    def __init__(self, output, errs):
        self.output = output
        self.errs = errs
        self.seen = {}

    def __call__(self, name, where):
        if name in self.seen and self.seen[name] != where:
            pair = (where, self.seen[name])
            if pair not in self.errs.reported_clashes:   # once per pair of sources
                self.errs.reported_clashes.add(pair)
                self.errs.add(where, f"generated name {name} ({self.output}) clashes with "
                                     f"{self.seen[name] or 'a fixed name'}")
        else:
            self.seen.setdefault(name, where)
        return name


# ---------------------------------------------------------------------------
# Emitters
# ---------------------------------------------------------------------------

def sv_range(width):
    return f"[{width - 1}:0] " if width > 1 else ""


def hexw(v, bits):
    return f"{bits}'h{v:0{(bits + 3) // 4}x}"


def wrap_comment(text, prefix, width=96):
    if not text:
        return []
    return textwrap.wrap(text, width=width, initial_indent=prefix, subsequent_indent=prefix,
                         break_long_words=False, break_on_hyphens=False)


def slice_str(hi, lo):
    return f"[{hi}]" if hi == lo else f"[{hi}:{lo}]"


def wrap_list(head, items, tail, width=100):
    """head + items joined by ', ' + tail, wrapped under the first item."""
    lines, cur = [], head
    indent = " " * len(head)
    for i, it in enumerate(items):
        piece = it + (", " if i + 1 < len(items) else tail)
        if cur.strip() and len(cur) + len(piece.rstrip()) > width and cur != head:
            lines.append(cur.rstrip())
            cur = indent
        cur += piece
    lines.append(cur)
    return lines


def byte_segments(f):
    """(byte, reg_hi, reg_lo) for each byte lane that the field touches."""
    out = []
    for b in range(f.lsb // 8, f.msb // 8 + 1):
        lo = max(f.lsb, 8 * b)
        hi = min(f.msb, 8 * b + 7)
        out.append((b, hi, lo))
    return out


def sv_pkg(blk, errs):
    B = blk.upper
    n = Names("SV package", errs)
    aw = blk.addr_bits
    L = [f"// Generated by {GENERATOR} from {blk.source}. Do not edit: edit the JSON source.",
         "//"]
    L += wrap_comment(f"{blk.name}: {blk.description}", "// ")
    L += [
        "//",
        "// Register offsets, field positions (LSB, WIDTH, unshifted MASK), reset values",
        "// and enum values. A register's RESET counts hardware-input (hw \"in\") bits as 0.",
        "",
        "// A constants package: every user reads only some of them.",
        "/* verilator lint_off UNUSEDPARAM */",
        f"package {blk.name}_reg_pkg;",
        "",
    ]
    if blk.registers:
        L.append(f"  localparam int {n(B + '_ADDR_BITS', '')} = {aw};")
    L.append(f"  localparam int {n(B + '_NUM_REGS', '')} = {len(blk.registers)};")
    for r in blk.registers:
        R = f"{B}_{r.name}"
        L += ["", f"  // {r.name}: {r.description}"]
        L.append(f"  localparam logic [{aw - 1}:0] {n(R + '_OFFSET', r.where)} = {hexw(r.offset, aw)};")
        L.append(f"  localparam logic [31:0] {n(R + '_RESET', r.where)} = {hexw(r.reset, 32)};")
        for f in r.fields:
            F = f"{R}_{f.name}"
            L.append(f"  localparam int {n(F + '_LSB', f.where)} = {f.lsb};")
            L.append(f"  localparam int {n(F + '_WIDTH', f.where)} = {f.width};")
            L.append(f"  localparam logic [31:0] {n(F + '_MASK', f.where)} = {hexw(f.mask, 32)};")
            if f.reset is not None:
                L.append(f"  localparam logic {sv_range(f.width)}{n(F + '_RESET', f.where)} = "
                         f"{hexw(f.reset, f.width)};")
    for e in blk.enums.values():
        L += [""] + wrap_comment(f"Enum {e.name}: {e.description}", "  // ")
        for vname, value, vdesc, vwhere in e.values:
            L += wrap_comment(f"{vname}: {vdesc}", "  // ")
            L.append(f"  localparam logic {sv_range(e.width)}{n(f'{B}_{e.name.upper()}_{vname}', vwhere)}"
                     f" = {hexw(value, e.width)};")
    for lay in blk.layouts:
        P = f"{B}_{lay.name.upper()}"
        L += [""] + wrap_comment(f"Layout {lay.name} (in memory, {lay.size} bytes): "
                                 f"{lay.description}", "  // ")
        L.append(f"  localparam int {n(P + '_SIZE', lay.where)} = {lay.size};")
        for w in lay.words:
            W = f"{P}_{w.name}"
            L.append(f"  // {w.name}: {w.description}")
            L.append(f"  localparam int {n(W + '_OFFSET', w.where)} = {w.offset};")
            for f in w.fields:
                F = f"{W}_{f.name}"
                L.append(f"  localparam int {n(F + '_LSB', f.where)} = {f.lsb};")
                L.append(f"  localparam int {n(F + '_WIDTH', f.where)} = {f.width};")
                L.append(f"  localparam logic [31:0] {n(F + '_MASK', f.where)} = {hexw(f.mask, 32)};")
    L += ["", "endpackage", "/* verilator lint_on UNUSEDPARAM */", ""]
    return "\n".join(L)


def sv_csr(blk, errs):
    b = blk.name
    pkg = f"{b}_reg_pkg"
    B = blk.upper
    aw = blk.addr_bits
    n = Names("SV register file", errs)
    for fixed in ("clk_i", "rst_ni", "req_i", "we_i", "addr_i", "wdata_i", "wstrb_i", "rdata_o",
                  "err_o", "reg_hit", "unused_inputs"):
        n(fixed, "")

    def sig(r, f=None, suffix=""):
        base = r.name.lower() if f is None else f"{r.name.lower()}_{f.name.lower()}"
        return n(base + suffix, r.where if f is None else f.where)

    def vec(width):
        return f"[{width - 1}:0] " if width > 1 else ""

    # --- ports
    ports = [("input ", 1, "clk_i"), ("input ", 1, "rst_ni"), None,
             ("input ", 1, "req_i"), ("input ", 1, "we_i"), ("input ", aw, "addr_i"),
             ("input ", 32, "wdata_i"), ("input ", 4, "wstrb_i"),
             ("output", 32, "rdata_o"), ("output", 1, "err_o")]
    hw_ports = []
    for r in blk.registers:
        group = []
        for f in r.fields:
            if f.sw in ("rw", "wo"):
                group.append(("output", f.width, sig(r, f, "_o")))
                if f.sw == "wo":
                    group.append(("output", 1, sig(r, f, "_qe_o")))
            elif f.sw == "ro" and f.hw == "in":
                group.append(("input ", f.width, sig(r, f, "_i")))
            elif f.sw == "w1c":
                group.append(("input ", f.width, sig(r, f, "_set_i")))
                group.append(("output", f.width, sig(r, f, "_o")))
        if group:
            hw_ports.append((r, group))

    def port_line(p, last):
        d, w, name = p
        rng = f"[{w - 1}:0]" if w > 1 else ""
        return f"  {d} logic {rng:<7} {name}{'' if last else ','}"

    flat = [p for p in ports if p] + [p for _, g in hw_ports for p in g]
    L = [f"// Generated by {GENERATOR} from {blk.source}. Do not edit: edit the JSON source.",
         "//"]
    L += wrap_comment(f"{b} register file. {blk.description}", "// ")
    L += [
        "//",
        "// Register bus: rdata_o and err_o are combinational from the request and valid",
        "// while req_i is high; a write takes effect at the clock edge that ends the cycle.",
        "// err_o flags an offset that is not a register or a misaligned address; such a",
        "// write changes nothing. Only the bytes enabled in wstrb_i are written.",
        "// Hardware ports per field: rw -> <reg>_<field>_o; wo -> <reg>_<field>_o (last value",
        "// written) and <reg>_<field>_qe_o (high for the one cycle after the write, with the",
        "// new value); ro/in -> <reg>_<field>_i; w1c/set -> <reg>_<field>_set_i (ORed in every",
        "// cycle, wins over a clear in the same cycle) and <reg>_<field>_o.",
        f"module {b}_csr (",
    ]
    idx = 0
    total = len(flat)
    for p in ports:
        if p is None:
            L.append("")
            L.append("  // Register bus")
            continue
        idx += 1
        L.append(port_line(p, idx == total))
    for r, group in hw_ports:
        L.append("")
        L.append(f"  // {r.name}")
        for p in group:
            idx += 1
            L.append(port_line(p, idx == total))
    L.append(");")
    L.append("")

    nregs = len(blk.registers)
    L += ["  // Address decode: one hit per register; a misaligned address hits none.",
          f"  logic [{nregs - 1}:0] reg_hit;" if nregs > 1 else "  logic reg_hit;"]
    for i, r in enumerate(blk.registers):
        hit = f"reg_hit[{i}]" if nregs > 1 else "reg_hit"
        L.append(f"  assign {hit} = (addr_i == {pkg}::{B}_{r.name}_OFFSET);")
    L += ["", "  assign err_o = req_i & ~|reg_hit;", ""]

    def hit_of(i):
        return f"reg_hit[{i}]" if nregs > 1 else "reg_hit"

    # --- write logic, per field
    used_wdata = set()
    used_wstrb = set()
    any_writable = False
    flops = []   # (q name, reset expression)
    for i, r in enumerate(blk.registers):
        if not r.writable:
            continue
        any_writable = True
        we = sig(r, None, "_we")
        L.append(f"  // {r.name}: {r.description}")
        L.append(f"  logic {we};")
        L.append(f"  assign {we} = req_i & we_i & {hit_of(i)};")
        for f in r.fields:
            if not f.writable:
                continue
            q, d = sig(r, f, "_q"), sig(r, f, "_d")
            segs = byte_segments(f)
            for bt, hi, lo in segs:
                used_wstrb.add(bt)
                used_wdata.update(range(lo, hi + 1))
            L.append("")
            L.append(f"  // {r.name}.{f.name} ({f.sw})")
            L.append(f"  logic {vec(f.width)}{q}, {d};")
            reset = f"{pkg}::{B}_{r.name}_{f.name}_RESET"
            if f.sw == "wo":
                qe_q, qe_d = sig(r, f, "_qe_q"), sig(r, f, "_qe_d")
                L.append(f"  logic {qe_q}, {qe_d};")
            L.append("  always_comb begin")
            L.append(f"    {d} = {q};")
            if f.sw == "wo":
                L.append(f"    {qe_d} = 1'b0;")
            L.append(f"    if ({we}) begin")
            for bt, hi, lo in segs:
                whole = len(segs) == 1
                dsl = "" if whole else slice_str(hi - f.lsb, lo - f.lsb)
                if f.sw == "w1c":
                    rhs = f"{q}{dsl} & ~wdata_i{slice_str(hi, lo)}"
                else:
                    rhs = f"wdata_i{slice_str(hi, lo)}"
                L.append(f"      if (wstrb_i[{bt}]) begin")
                L.append(f"        {d}{dsl} = {rhs};")
                L.append("      end")
            if f.sw == "wo":
                strobes = [f"wstrb_i[{bt}]" for bt, _, _ in segs]
                qe_rhs = strobes[0] if len(strobes) == 1 else "|{" + ", ".join(strobes) + "}"
                L.append(f"      {qe_d} = {qe_rhs};")
            L.append("    end")
            if f.sw == "w1c":
                L.append(f"    // A hardware set in the same cycle as a clear wins.")
                L.append(f"    {d} = {d} | {sig(r, f, '_set_i')};")
            L.append("  end")
            L.append(f"  assign {sig(r, f, '_o')} = {q};")
            flops.append((q, d, reset))
            if f.sw == "wo":
                L.append(f"  assign {sig(r, f, '_qe_o')} = {qe_q};")
                flops.append((qe_q, qe_d, "1'b0"))
        L.append("")

    if flops:
        L.append("  always_ff @(posedge clk_i or negedge rst_ni) begin")
        L.append("    if (!rst_ni) begin")
        for q, _, rst in flops:
            L.append(f"      {q} <= {rst};")
        L.append("    end else begin")
        for q, d, _ in flops:
            L.append(f"      {q} <= {d};")
        L.append("    end")
        L.append("  end")
        L.append("")

    # --- read data
    terms = []
    L.append("  // Read data: each register as software sees it (wo fields and gaps read 0).")
    for i, r in enumerate(blk.registers):
        if not r.readable:
            continue
        parts = []
        pos = 0
        for f in r.fields:   # sorted by lsb
            if f.lsb > pos:
                parts.append(f"{f.lsb - pos}'h0")
            if f.sw == "wo":
                parts.append(f"{f.width}'h0")
            elif f.sw == "ro" and f.hw == "const":
                parts.append(f"{pkg}::{B}_{r.name}_{f.name}_RESET")
            elif f.sw == "ro":
                parts.append(sig(r, f, "_i"))
            else:
                parts.append(sig(r, f, "_q"))
            pos = f.msb + 1
        if pos < 32:
            parts.append(f"{32 - pos}'h0")
        rd = sig(r, None, "_rdata")
        L.append(f"  logic [31:0] {rd};")
        if len(parts) == 1:
            L.append(f"  assign {rd} = {parts[0]};")
        else:
            L += wrap_list(f"  assign {rd} = {{", list(reversed(parts)), "};")
        terms.append(f"({{32{{{hit_of(i)}}}}} & {rd})")
    if terms:
        L.append("")
        L.append("  assign rdata_o = {32{req_i}} & (" + terms[0])
        for t in terms[1:]:
            L.append("                                | " + t)
        L[-1] += ");"
    else:
        L.append("  assign rdata_o = 32'h0;")
    L.append("")

    # --- inputs that this map does not use (lint: no unused signals)
    unused = []
    if not flops:
        unused += ["clk_i", "rst_ni"]
    if not any_writable:
        unused.append("we_i")
    rng = []
    for bit in range(32):
        if bit not in used_wdata:
            if rng and rng[-1][0] == bit - 1:
                rng[-1][0] = bit
            else:
                rng.append([bit, bit])
    unused += [f"wdata_i{slice_str(hi, lo)}" for hi, lo in reversed(rng)]
    unused += [f"wstrb_i[{bt}]" for bt in range(3, -1, -1) if bt not in used_wstrb]
    if unused:
        L.append("  // Bus inputs that no field of this map uses.")
        L.append("  logic unused_inputs;")
        L += wrap_list("  assign unused_inputs = ^{", unused, "};")
        L.append("")
    L.append("endmodule")
    L.append("")
    return "\n".join(L)


def c_comment(text):
    return text.replace("*/", "* /")


def c_header(blk, errs):
    B = blk.upper
    n = Names("C header", errs)
    guard = n(f"TRNSIM_REGS_{B}_REGS_H_", "")
    L = [f"/* Generated by {GENERATOR} from {blk.source}. Do not edit: edit the JSON source. */",
         "/*"]
    L += wrap_comment(c_comment(f"{blk.name}: {blk.description}"), " * ")
    L += [
        " *",
        " * <REG>_REG_OFFSET: byte offset of a register; <REG>_REG_RESET: value after reset",
        " * (hardware-input bits counted as 0). Per field: _LSB, _WIDTH, _MASK (unshifted),",
        " * _RESET, and _FIELD(v) (v placed in the field), _GET(reg), _SET(reg, v) helpers.",
        " */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stdint.h>",
        "",
    ]
    if blk.registers:
        L.append(f"#define {n(B + '_ADDR_BITS', '')} {blk.addr_bits}u")
    L.append(f"#define {n(B + '_NUM_REGS', '')} {len(blk.registers)}u")

    def field_macros(P, f):
        out = [f"#define {n(P + '_LSB', f.where)} {f.lsb}u",
               f"#define {n(P + '_WIDTH', f.where)} {f.width}u",
               f"#define {n(P + '_MASK', f.where)} {f.mask:#x}u"]
        if f.reset is not None:
            out.append(f"#define {n(P + '_RESET', f.where)} {f.reset:#x}u")
        out.append(f"#define {n(P + '_FIELD', f.where)}(v) "
                   f"((((uint32_t)(v)) & {P}_MASK) << {P}_LSB)")
        out.append(f"#define {n(P + '_GET', f.where)}(reg) "
                   f"((((uint32_t)(reg)) >> {P}_LSB) & {P}_MASK)")
        out.append(f"#define {n(P + '_SET', f.where)}(reg, v) "
                   f"((((uint32_t)(reg)) & ~({P}_MASK << {P}_LSB)) | {P}_FIELD(v))")
        return out

    for r in blk.registers:
        R = f"{B}_{r.name}"
        L += ["", f"/* {r.name}: {c_comment(r.description)} */"]
        L.append(f"#define {n(R + '_REG_OFFSET', r.where)} {r.offset:#04x}u")
        L.append(f"#define {n(R + '_REG_RESET', r.where)} {r.reset:#010x}u")
        for f in r.fields:
            L.append(f"/* {r.name}.{f.name} ({f.sw}): {c_comment(f.description)} */")
            L += field_macros(f"{R}_{f.name}", f)
    for e in blk.enums.values():
        L += [""] + [f"/* Enum {e.name}: {c_comment(e.description)} */"]
        for vname, value, vdesc, vwhere in e.values:
            L.append(f"/* {vname}: {c_comment(vdesc)} */")
            L.append(f"#define {n(f'{B}_{e.name.upper()}_{vname}', vwhere)} {value:#x}u")
    for lay in blk.layouts:
        P = f"{B}_{lay.name.upper()}"
        L += ["", f"/* Layout {lay.name} (in memory, {lay.size} bytes): {c_comment(lay.description)} */"]
        L.append(f"#define {n(P + '_SIZE', lay.where)} {lay.size}u")
        for w in lay.words:
            W = f"{P}_{w.name}"
            L.append(f"/* {w.name}: {c_comment(w.description)} */")
            L.append(f"#define {n(W + '_OFFSET', w.where)} {w.offset:#04x}u")
            for f in w.fields:
                L += field_macros(f"{W}_{f.name}", f)
    # X-macro lists, for code that walks the map (debug dumps, tests):
    #   #define ROW(reg) { #reg, TENSOR_##reg##_REG_OFFSET },  ...  TENSOR_REG_LIST(ROW)
    def xlist(name, items, where_doc):
        out = ["", f"/* {where_doc} */"]
        if not items:
            out.append(f"#define {n(name, '')}(X)")
            return out
        out.append(f"#define {n(name, '')}(X) \\")
        for i, it in enumerate(items):
            out.append(f"  X({it})" + (" \\" if i + 1 < len(items) else ""))
        return out

    L += xlist(f"{B}_REG_LIST", [r.name for r in blk.registers],
               "X(REG) for every register, by offset")
    L += xlist(f"{B}_FIELD_LIST", [f"{r.name}, {f.name}" for r in blk.registers for f in r.fields],
               "X(REG, FIELD) for every register field")
    L += xlist(f"{B}_ENUM_VALUE_LIST",
               [f"{e.name.upper()}, {v[0]}" for e in blk.enums.values() for v in e.values],
               "X(ENUM, VALUE) for every enum value")
    L += xlist(f"{B}_LAYOUT_FIELD_LIST",
               [f"{lay.name.upper()}, {w.name}, {f.name}" for lay in blk.layouts
                for w in lay.words for f in w.fields],
               "X(LAYOUT, WORD, FIELD) for every layout field")
    L += ["", f"#endif /* {guard} */", ""]
    return "\n".join(L)


CPP_COMMON = """\
#ifndef TRNSIM_REGS_REGMAP_TYPES_
#define TRNSIM_REGS_REGMAP_TYPES_
// Types shared by every generated register header (identical in each).
namespace trnsim::regs {

// How software sees a field.
enum class SwAccess : std::uint8_t { RW, WO, RO, W1C };
// Where the hardware side of a field comes from / goes to.
enum class HwAccess : std::uint8_t { NONE, IN, CONST, SET };

struct FieldDesc {
  std::string_view name;
  std::uint32_t lsb;
  std::uint32_t width;
  std::uint32_t mask;   // unshifted
  SwAccess sw;
  HwAccess hw;
  std::uint32_t reset;  // 0 for hw IN fields (their value is the hardware's)
  std::string_view enum_name;  // empty if the field has no enum
  std::string_view description;
};

struct RegisterDesc {
  std::string_view name;
  std::uint32_t offset;
  std::uint32_t reset;       // value read after reset, hw IN bits counted as 0
  std::uint32_t rw_mask;     // bits of sw RW fields
  std::uint32_t wo_mask;     // bits of sw WO fields (read as 0)
  std::uint32_t w1c_mask;    // bits of sw W1C fields (hw SET)
  std::uint32_t hw_in_mask;  // bits of sw RO fields read from hardware inputs
  std::uint32_t const_mask;  // bits of sw RO fields that read their reset value
  const FieldDesc* fields;   // sorted by lsb
  std::size_t num_fields;
  std::string_view description;

  // Bits that a software write can change.
  constexpr std::uint32_t write_mask() const { return rw_mask | wo_mask | w1c_mask; }
};

struct LayoutFieldDesc {
  std::string_view name;
  std::uint32_t lsb;
  std::uint32_t width;
  std::uint32_t mask;  // unshifted
  std::string_view enum_name;
  std::string_view description;
};

struct LayoutWordDesc {
  std::string_view name;
  std::uint32_t offset;  // bytes from the start of the structure
  const LayoutFieldDesc* fields;
  std::size_t num_fields;
  std::string_view description;
};

struct LayoutDesc {
  std::string_view name;
  std::uint32_t size;  // bytes
  const LayoutWordDesc* words;
  std::size_t num_words;
  std::string_view description;
};

// Data bits enabled by a 4-bit byte-strobe mask.
constexpr std::uint32_t strobe_to_mask(std::uint32_t wstrb) {
  std::uint32_t m = 0;
  for (unsigned i = 0; i < 4; ++i) {
    if ((wstrb >> i) & 1u) m |= 0xFFu << (8 * i);
  }
  return m;
}

constexpr std::uint32_t field_get(std::uint32_t word, std::uint32_t lsb, std::uint32_t mask) {
  return (word >> lsb) & mask;
}

constexpr std::uint32_t field_set(std::uint32_t word, std::uint32_t lsb, std::uint32_t mask,
                                  std::uint32_t value) {
  return (word & ~(mask << lsb)) | ((value & mask) << lsb);
}

}  // namespace trnsim::regs
#endif  // TRNSIM_REGS_REGMAP_TYPES_
"""


def cpp_str(s):
    return json.dumps(s, ensure_ascii=True)


def cpp_header(blk, errs):
    B = blk.upper
    n = Names("C++ header", errs)
    for fixed in ("ADDR_BITS", "NUM_REGS", "kBlockName", "kRegisters", "kLayouts", "find_register",
                  "detail"):
        n(fixed, "")
    guard = f"TRNSIM_REGS_{B}_REGS_HPP_"
    L = [f"// Generated by {GENERATOR} from {blk.source}. Do not edit: edit the JSON source."]
    L += wrap_comment(f"{blk.name}: {blk.description}", "// ")
    L += [
        "//",
        "// Constants (<REG>_OFFSET, <REG>_RESET, <REG>_<FIELD>_LSB/_WIDTH/_MASK/_RESET),",
        "// enum classes, and kRegisters: a table from which a C++ model builds a register",
        f"// file that behaves like the RTL {blk.name}_csr.",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <cstddef>",
        "#include <cstdint>",
        "#include <string_view>",
        "",
        CPP_COMMON,
        f"namespace trnsim::regs::{blk.name} {{",
        "",
        f"inline constexpr std::string_view kBlockName = {cpp_str(blk.name)};",
    ]
    if blk.registers:
        L.append(f"inline constexpr std::uint32_t ADDR_BITS = {blk.addr_bits};")
    L.append(f"inline constexpr std::size_t NUM_REGS = {len(blk.registers)};")
    sw_map = {"rw": "RW", "wo": "WO", "ro": "RO", "w1c": "W1C"}
    for r in blk.registers:
        R = r.name
        L += ["", f"// {r.name}: {r.description}"]
        L.append(f"inline constexpr std::uint32_t {n(R + '_OFFSET', r.where)} = {r.offset:#04x};")
        L.append(f"inline constexpr std::uint32_t {n(R + '_RESET', r.where)} = {r.reset:#010x};")
        for f in r.fields:
            F = f"{R}_{f.name}"
            L.append(f"inline constexpr std::uint32_t {n(F + '_LSB', f.where)} = {f.lsb};")
            L.append(f"inline constexpr std::uint32_t {n(F + '_WIDTH', f.where)} = {f.width};")
            L.append(f"inline constexpr std::uint32_t {n(F + '_MASK', f.where)} = {f.mask:#x};")
            if f.reset is not None:
                L.append(f"inline constexpr std::uint32_t {n(F + '_RESET', f.where)} = {f.reset:#x};")
    for e in blk.enums.values():
        L += [""] + wrap_comment(f"{e.name}: {e.description}", "// ")
        L.append(f"enum class {n(e.cpp_name, e.where)} : std::uint32_t {{")
        for vname, value, vdesc, _ in e.values:
            L.append(f"  {vname} = {value:#x},  // {vdesc}")
        L.append("};")
    for lay in blk.layouts:
        P = lay.name.upper()
        L += [""] + wrap_comment(f"Layout {lay.name} (in memory, {lay.size} bytes): "
                                 f"{lay.description}", "// ")
        L.append(f"inline constexpr std::uint32_t {n(P + '_SIZE', lay.where)} = {lay.size};")
        for w in lay.words:
            W = f"{P}_{w.name}"
            L.append(f"inline constexpr std::uint32_t {n(W + '_OFFSET', w.where)} = {w.offset:#04x};")
            for f in w.fields:
                F = f"{W}_{f.name}"
                L.append(f"inline constexpr std::uint32_t {n(F + '_LSB', f.where)} = {f.lsb};")
                L.append(f"inline constexpr std::uint32_t {n(F + '_WIDTH', f.where)} = {f.width};")
                L.append(f"inline constexpr std::uint32_t {n(F + '_MASK', f.where)} = {f.mask:#x};")

    # Tables
    L += ["", "namespace detail {",
          "// {name, lsb, width, mask, sw, hw, reset, enum_name, description}"]
    for r in blk.registers:
        L.append(f"inline constexpr FieldDesc kReg_{r.name}_Fields[] = {{")
        for f in r.fields:
            L.append(f"    {{{cpp_str(f.name)}, {f.lsb}, {f.width}, {f.mask:#x}, SwAccess::{sw_map[f.sw]}, "
                     f"HwAccess::{f.hw.upper()}, {f.reset or 0:#x}, {cpp_str(f.enum or '')},")
            L.append(f"     {cpp_str(f.description)}}},")
        L.append("};")
    for lay in blk.layouts:
        for w in lay.words:
            L.append(f"inline constexpr LayoutFieldDesc kLayout_{lay.name}_{w.name}_Fields[] = {{")
            for f in w.fields:
                L.append(f"    {{{cpp_str(f.name)}, {f.lsb}, {f.width}, {f.mask:#x}, "
                         f"{cpp_str(f.enum or '')}, {cpp_str(f.description)}}},")
            L.append("};")
        L.append(f"inline constexpr LayoutWordDesc kLayout_{lay.name}_Words[] = {{")
        for w in lay.words:
            L.append(f"    {{{cpp_str(w.name)}, {w.offset:#04x}, detail::kLayout_{lay.name}_{w.name}_Fields, "
                     f"{len(w.fields)}, {cpp_str(w.description)}}},")
        L.append("};")
    L += ["}  // namespace detail"]
    # A block without registers has no register table (a zero-length array is ill-formed).
    if blk.registers:
        L.append("")
        L += cpp_register_table(blk)
    if blk.layouts:
        L.append("")
        L.append("// In-memory structures.")
        L.append("inline constexpr LayoutDesc kLayouts[] = {")
        for lay in blk.layouts:
            L.append(f"    {{{cpp_str(lay.name)}, {lay.size}, detail::kLayout_{lay.name}_Words, "
                     f"{len(lay.words)}, {cpp_str(lay.description)}}},")
        L.append("};")
    if blk.registers:
        L += [
            "",
            "// The register at a byte offset, or nullptr (not a register, or misaligned).",
            "constexpr const RegisterDesc* find_register(std::uint32_t offset) {",
            "  for (const RegisterDesc& r : kRegisters) {",
            "    if (r.offset == offset) return &r;",
            "  }",
            "  return nullptr;",
            "}",
        ]
    L += [
        "",
        f"}}  // namespace trnsim::regs::{blk.name}",
        "",
        f"#endif  // {guard}",
        "",
    ]
    return "\n".join(L)


def cpp_register_table(blk):
    sw_map = {"rw": "RW", "wo": "WO", "ro": "RO", "w1c": "W1C"}
    L = []
    L.append("// Every register, sorted by offset: {name, offset, reset, rw_mask, wo_mask, w1c_mask,")
    L.append("// hw_in_mask, const_mask, fields, num_fields, description}.")
    L.append("inline constexpr RegisterDesc kRegisters[] = {")
    for r in blk.registers:
        def m(pred):
            return f"{r.mask_of(pred):#010x}"
        L.append(f"    {{{cpp_str(r.name)}, {r.offset:#04x}, {r.reset:#010x}, "
                 f"{m(lambda f: f.sw == 'rw')}, {m(lambda f: f.sw == 'wo')}, "
                 f"{m(lambda f: f.sw == 'w1c')}, {m(lambda f: f.sw == 'ro' and f.hw == 'in')}, "
                 f"{m(lambda f: f.sw == 'ro' and f.hw == 'const')},")
        L.append(f"     detail::kReg_{r.name}_Fields, {len(r.fields)}, {cpp_str(r.description)}}},")
    L.append("};")
    return L


def md_cell(s):
    return s.replace("|", "\\|")


def markdown(blk, errs):
    del errs
    L = [f"<!-- Generated by {GENERATOR} from {blk.source}. Do not edit: edit the JSON source "
         f"and regenerate (see docs/regmap.md). -->",
         "",
         f"# {blk.name} registers" if blk.registers else f"# {blk.name}: enums and layouts",
         "",
         blk.description]
    if not blk.registers:
        L += ["", "This block has no registers: only enums and in-memory layouts."]
    else:
        L += ["",
         f"Register bus: {blk.addr_bits}-bit byte addresses, 32-bit registers. An access to an "
         f"offset that is not listed, or to an address that is not a multiple of 4, returns an "
         f"error (AXI SLVERR) and changes nothing.",
         "",
         "Access types: **rw** read/write; **wo** write-only (reads 0, hardware sees a one-cycle "
         "pulse); **ro** read-only (hw *in*: driven by hardware; hw *const*: reads the reset "
         "value); **w1c** write 1 to clear (hardware sets; a set in the same cycle as a clear "
         "wins). Byte strobes apply: only the enabled bytes are written. Reset *hw*: the value "
         "is the hardware input's.",
         "",
         "## Summary",
         "",
         "| Offset | Name | Reset | Description |",
         "|---|---|---|---|"]
    for r in blk.registers:
        L.append(f"| 0x{r.offset:02X} | [{r.name}](#{r.name.lower()}) | 0x{r.reset:08X} | "
                 f"{md_cell(r.description)} |")
    if blk.registers:
        L += ["", "## Registers"]
    for r in blk.registers:
        L += ["", f"### {r.name}", "",
              f"Offset 0x{r.offset:02X}, reset 0x{r.reset:08X}. {md_cell(r.description)}", "",
              "| Bits | Field | Access | Reset | Description |",
              "|---|---|---|---|---|"]
        for f in sorted(r.fields, key=lambda f: -f.lsb):
            access = f.sw if f.sw not in ("ro",) else f"ro ({f.hw})"
            reset = "hw" if f.reset is None else f"0x{f.reset:X}"
            desc = md_cell(f.description)
            if f.enum:
                desc += f" Values: [{f.enum}](#enum-{f.enum})."
            L.append(f"| {f.bits_str} | {f.name} | {access} | {reset} | {desc} |")
    if blk.enums:
        L += ["", "## Enums"]
        for e in blk.enums.values():
            L += ["", f"### Enum {e.name}", "", md_cell(e.description), "",
                  "| Value | Name | Description |", "|---|---|---|"]
            for vname, value, vdesc, _ in e.values:
                L.append(f"| {value} | {vname} | {md_cell(vdesc)} |")
    if blk.layouts:
        L += ["", "## Memory layouts"]
        for lay in blk.layouts:
            L += ["", f"### Layout {lay.name}", "",
                  f"{lay.size} bytes, little-endian 32-bit words. {md_cell(lay.description)}"]
            for w in lay.words:
                L += ["", f"Word {w.name}, byte offset 0x{w.offset:02X}: {md_cell(w.description)}", "",
                      "| Bits | Field | Description |", "|---|---|---|"]
                for f in sorted(w.fields, key=lambda f: -f.lsb):
                    desc = md_cell(f.description)
                    if f.enum:
                        desc += f" Values: [{f.enum}](#enum-{f.enum})."
                    L.append(f"| {f.bits_str} | {f.name} | {desc} |")
    L.append("")
    return "\n".join(L)


def render(blk, errs, docs_only):
    """{file name: content} of every output (or of the docs copy only)."""
    b = blk.name
    md = markdown(blk, errs)
    if docs_only:
        outputs = {f"{b}.md": md}
    else:
        outputs = {
            f"{b}_reg_pkg.sv": sv_pkg(blk, errs),
            # No register file for a block without registers (see obsolete_outputs).
            **({f"{b}_csr.sv": sv_csr(blk, errs)} if blk.registers else {}),
            f"{b}_regs.h": c_header(blk, errs),
            f"{b}_regs.hpp": cpp_header(blk, errs),
            f"{b}_regs.md": md,
            # The shared types alone, for code that works on any block's table
            # (e.g. systemc/common/reg_file.h); identical for every block.
            "regmap_types.hpp": (f"// Generated by {GENERATOR}. Do not edit.\n"
                                 "// Types shared by every generated <block>_regs.hpp.\n"
                                 "#include <cstddef>\n#include <cstdint>\n"
                                 "#include <string_view>\n\n" + CPP_COMMON),
        }
    errs.raise_if_any()
    return outputs


# ---------------------------------------------------------------------------
# Writing and checking
# ---------------------------------------------------------------------------

def obsolete_outputs(blk, docs_only):
    """Outputs the source no longer produces (a stale register file of a block
    whose registers were removed); write_outputs deletes them."""
    return [] if docs_only or blk.registers else [f"{blk.name}_csr.sv"]


def write_outputs(outputs, out_dir, obsolete=()):
    os.makedirs(out_dir, exist_ok=True)
    for name in obsolete:
        try:
            os.unlink(os.path.join(out_dir, name))
        except FileNotFoundError:
            pass
    staged = []
    try:
        for name, text in outputs.items():
            dest = os.path.join(out_dir, name)
            try:
                with open(dest, encoding="utf-8", newline="") as fh:
                    if fh.read() == text:
                        continue
            except OSError:
                pass
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            staged.append((tmp, dest))
        for tmp, dest in staged:
            os.replace(tmp, dest)
        staged = []
    finally:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def check_outputs(outputs, out_dir, source, docs_only):
    differs = False
    for name, text in outputs.items():
        dest = os.path.join(out_dir, name)
        try:
            with open(dest, encoding="utf-8", newline="") as fh:
                old = fh.read()
        except OSError:
            print(f"regmap: {dest} is missing", file=sys.stderr)
            differs = True
            continue
        if old != text:
            differs = True
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=dest, tofile=f"{dest} (from {source})"))
            print(f"regmap: {dest} is out of date", file=sys.stderr)
    if differs:
        cmd = f"python3 scripts/regmap.py {source} --out-dir {out_dir}" + (" --docs" if docs_only else "")
        print(f"regmap: regenerate with: {cmd}", file=sys.stderr)
    return differs


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate the SV package and register file, C/C++ headers and Markdown "
                    "of one block from its JSON register map (format: docs/regmap.md).")
    ap.add_argument("source", help="register-map JSON file, e.g. rtl/regs/tensor.json")
    dest = ap.add_mutually_exclusive_group(required=True)
    dest.add_argument("--out-dir", metavar="DIR", help="write the outputs into DIR")
    dest.add_argument("--check", metavar="DIR",
                      help="compare what would be written with the files in DIR; "
                           "print a diff and exit 3 if they differ")
    ap.add_argument("--docs", action="store_true",
                    help="only the Markdown, named <block>.md (the committed copy in "
                         "docs/registers/)")
    args = ap.parse_args(argv)

    try:
        blk, errs = parse_block(args.source)
        outputs = render(blk, errs, args.docs)
    except SourceError as e:
        for m in e.messages:
            print(f"error: {m}", file=sys.stderr)
        print(f"regmap: {len(e.messages)} error(s) in {args.source}; nothing written",
              file=sys.stderr)
        return 1
    try:
        if args.check:
            return 3 if check_outputs(outputs, args.check, args.source, args.docs) else 0
        write_outputs(outputs, args.out_dir, obsolete_outputs(blk, args.docs))
    except OSError as e:
        print(f"regmap: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
