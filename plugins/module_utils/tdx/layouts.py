# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Binary layouts of the TDREPORT and of TDX quotes v4 and v5, as data.

Offsets come from Intel's DCAP headers (sgx_report2.h, sgx_quote_4.h,
sgx_quote_5.h) and the Linux uapi header include/uapi/linux/tdx-guest.h.
Each field is ``(key, offset, size, kind)``; the decoder walks these tables
and never hard-codes an offset itself. ``kind`` says how the bytes become a
result value:

- ``hex``: the raw bytes as lowercase hex, in the order they are stored;
- ``u8``/``u16``: a little-endian unsigned integer;
- ``u32hex``/``u64hex``: a little-endian integer shown as a fixed-width hex
  number (so TD attributes read ``0000000010000000`` for SEPT_VE_DISABLE and
  the TEE type ``00000081``, as the kernel and Intel's documents print them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


# TDREPORT_STRUCT: 1024 bytes, returned by TDG.MR.REPORT through the
# TDX_CMD_GET_REPORT0 ioctl.
TDREPORT_SIZE = 1024
TDREPORT_TYPE_TDX = 0x81
TDREPORT_FIELDS = (
    ("report_type", 0, 1, "u8"),
    ("report_subtype", 1, 1, "u8"),
    ("report_version", 2, 1, "u8"),
    ("cpusvn", 16, 16, "hex"),
    ("tee_tcb_info_hash", 32, 48, "hex"),
    ("tee_info_hash", 80, 48, "hex"),
    ("report_data", 128, 64, "hex"),
    ("mac", 224, 32, "hex"),
    # TEE_TCB_INFO (239 bytes from offset 256)
    ("tee_tcb_info_valid", 256, 8, "hex"),
    ("tee_tcb_svn", 264, 16, "hex"),
    ("mrseam", 280, 48, "hex"),
    ("mrsignerseam", 328, 48, "hex"),
    ("seam_attributes", 376, 8, "hex"),
    ("tee_tcb_svn2", 384, 16, "hex"),
    # TDINFO (from offset 512)
    ("td_attributes", 512, 8, "u64hex"),
    ("xfam", 520, 8, "hex"),
    ("mrtd", 528, 48, "hex"),
    ("mrconfigid", 576, 48, "hex"),
    ("mrowner", 624, 48, "hex"),
    ("mrownerconfig", 672, 48, "hex"),
    ("rtmr0", 720, 48, "hex"),
    ("rtmr1", 768, 48, "hex"),
    ("rtmr2", 816, 48, "hex"),
    ("rtmr3", 864, 48, "hex"),
    ("servtd_hash", 912, 48, "hex"),
)

# struct tdx_report_req { __u8 reportdata[64]; __u8 tdreport[1024]; }
REPORT_DATA_SIZE = 64
TDX_REPORT_REQ_SIZE = REPORT_DATA_SIZE + TDREPORT_SIZE
# _IOWR('T', 1, struct tdx_report_req): dir 3 << 30 | size 1088 << 16 | 'T' << 8 | 1
TDX_CMD_GET_REPORT0 = 0xC4405401

# Quote header: 48 bytes, shared by versions 4 and 5.
QUOTE_HEADER_SIZE = 48
QUOTE_VERSIONS = (4, 5)
TEE_TYPE_TDX = 0x00000081
TEE_TYPE_NAMES = {0x00000000: "SGX", 0x00000081: "TDX"}
QUOTE_HEADER_FIELDS = (
    ("version", 0, 2, "u16"),
    ("att_key_type", 2, 2, "u16"),
    ("tee_type", 4, 4, "u32hex"),
    ("qe_vendor_id", 12, 16, "hex"),
    ("user_data", 28, 20, "hex"),
)

# TD quote body, offsets relative to the start of the body. TDX 1.0 bodies
# are 584 bytes; TDX 1.5 bodies append TEE_TCB_SVN2 and MRSERVICETD.
TD_BODY_10_FIELDS = (
    ("tee_tcb_svn", 0, 16, "hex"),
    ("mrseam", 16, 48, "hex"),
    ("mrsignerseam", 64, 48, "hex"),
    ("seam_attributes", 112, 8, "hex"),
    ("td_attributes", 120, 8, "u64hex"),
    ("xfam", 128, 8, "hex"),
    ("mrtd", 136, 48, "hex"),
    ("mrconfigid", 184, 48, "hex"),
    ("mrowner", 232, 48, "hex"),
    ("mrownerconfig", 280, 48, "hex"),
    ("rtmr0", 328, 48, "hex"),
    ("rtmr1", 376, 48, "hex"),
    ("rtmr2", 424, 48, "hex"),
    ("rtmr3", 472, 48, "hex"),
    ("report_data", 520, 64, "hex"),
)
TD_BODY_15_FIELDS = TD_BODY_10_FIELDS + (
    ("tee_tcb_svn2", 584, 16, "hex"),
    ("mrservicetd", 600, 48, "hex"),
)
TD_BODY_10_SIZE = 584
TD_BODY_15_SIZE = 648

# Quote v4: the TDX 1.0 body follows the header directly.
QUOTE_V4_BODY_OFFSET = QUOTE_HEADER_SIZE

# Quote v5: a body descriptor (type u16, size u32) sits between header and body.
QUOTE_V5_BODY_TYPE_OFFSET = 48
QUOTE_V5_BODY_SIZE_OFFSET = 50
QUOTE_V5_BODY_OFFSET = 54
# body type -> (name, body size, field table); type 1 is an SGX enclave report.
QUOTE_V5_BODY_TYPES = {
    2: ("TDX 1.0", TD_BODY_10_SIZE, TD_BODY_10_FIELDS),
    3: ("TDX 1.5", TD_BODY_15_SIZE, TD_BODY_15_FIELDS),
}
QUOTE_V5_FOREIGN_BODY_TYPES = {1: "an SGX enclave report body"}

# After the body: u32 length of the signature data, then the signature data.
SIGNATURE_LENGTH_SIZE = 4

# Keys whose values the decoder gathers into the ``rtmr`` list.
RTMR_KEYS = ("rtmr0", "rtmr1", "rtmr2", "rtmr3")
