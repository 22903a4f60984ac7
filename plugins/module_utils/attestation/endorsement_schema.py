# -*- coding: utf-8 -*-
# Copyright (c) confidential.tdx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The message types of Google's launch endorsement, built at run time with the protobuf runtime.

Google publishes the schema as ``proto/endorsement.proto`` (package
``cloud_vmm_proto``) in github.com/google/gce-tcb-verifier. We describe
it here field by field in a ``FileDescriptorProto`` instead of shipping a
protoc-generated module: no generated code to vendor, no protoc at build
time, and the runtime (installed with google-cloud-compute) does all the
wire decoding. The names and field numbers below are the facts that must
match Google's file; ``tests/unit/.../test_endorsement_real.py`` holds
them to a real endorsement when one is at hand.

Only what a verifier reads is described: an unknown field a later schema
adds is kept by the runtime as an unknown field, not an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PACKAGE = "cloud_vmm_proto"
FILE_NAME = "confidential_tdx/gce_endorsement.proto"

_TYPES = {
    "uint32": 13, "uint64": 4, "bytes": 12, "bool": 8, "message": 11,
}
_OPTIONAL, _REPEATED = 1, 3

# (message, [(field name, number, type, label, message type or None)]), from Google's endorsement.proto.
_MESSAGES = (
    ("VMLaunchEndorsement", [
        ("serialized_uefi_golden", 1, "bytes", _OPTIONAL, None),  # the signed bytes: a VMGoldenMeasurement
        ("signature", 2, "bytes", _OPTIONAL, None),
    ]),
    ("VMGoldenMeasurement", [
        ("timestamp", 1, "message", _OPTIONAL, ".google.protobuf.Timestamp"),
        ("cl_spec", 2, "uint64", _OPTIONAL, None),  # the changelist the firmware was built from
        ("commit", 3, "bytes", _OPTIONAL, None),
        ("cert", 4, "bytes", _OPTIONAL, None),  # DER of the signing key's certificate
        ("digest", 5, "bytes", _OPTIONAL, None),  # SHA-384 of the firmware binary
        ("ca_bundle", 6, "bytes", _OPTIONAL, None),  # PEM, root first, the last one signed cert
        ("sev_snp", 7, "message", _OPTIONAL, ".cloud_vmm_proto.VMSevSnp"),
        ("tdx", 8, "message", _OPTIONAL, ".cloud_vmm_proto.VMTdx"),
    ]),
    # Only named so that field 7 parses as a message; its map and ids are not read.
    ("VMSevSnp", [
        ("svn", 1, "uint32", _OPTIONAL, None),
    ]),
    ("VMTdx", [
        ("svn", 1, "uint32", _OPTIONAL, None),
        ("measurements", 2, "message", _REPEATED, ".cloud_vmm_proto.VMTdx.Measurement"),
    ]),
)
_NESTED = {
    "VMTdx": ("Measurement", [
        ("ram_gib", 1, "uint32", _OPTIONAL, None),
        ("early_accept", 2, "bool", _OPTIONAL, None),
        ("mrtd", 3, "bytes", _OPTIONAL, None),  # 48 bytes: the MRTD of a TD launched so
    ]),
}

_classes = None


def _add_fields(message, fields):
    for name, number, kind, label, type_name in fields:
        field = message.field.add(name=name, number=number, type=_TYPES[kind], label=label)
        if type_name:
            field.type_name = type_name


def file_descriptor_proto():
    """The FileDescriptorProto of the endorsement schema (proto3, as Google's file)."""
    from google.protobuf import descriptor_pb2  # pylint: disable=import-outside-toplevel  # only when verifying

    proto = descriptor_pb2.FileDescriptorProto(name=FILE_NAME, package=PACKAGE, syntax="proto3")
    proto.dependency.append("google/protobuf/timestamp.proto")
    for name, fields in _MESSAGES:
        message = proto.message_type.add(name=name)
        _add_fields(message, fields)
        if name in _NESTED:
            nested_name, nested_fields = _NESTED[name]
            _add_fields(message.nested_type.add(name=nested_name), nested_fields)
    return proto


def message_classes():
    """{name: message class} for VMLaunchEndorsement, VMGoldenMeasurement and VMTdx, built once per process.

    A pool of our own, so that a generated copy of the same schema loaded
    by some other library cannot clash with ours in the default pool.
    """
    global _classes  # pylint: disable=global-statement  # one schema per process
    if _classes is None:
        # pylint: disable=import-outside-toplevel  # protobuf is only needed when an endorsement is read
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

        pool = descriptor_pool.DescriptorPool()
        timestamp_file = descriptor_pb2.FileDescriptorProto()
        timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp_file)
        pool.Add(timestamp_file)
        pool.Add(file_descriptor_proto())
        _classes = dict((name, message_factory.GetMessageClass(pool.FindMessageTypeByName(PACKAGE + "." + name)))
                        for name in ("VMLaunchEndorsement", "VMGoldenMeasurement", "VMTdx"))
    return _classes
