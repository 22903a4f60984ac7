"""TDREPORTs and quotes for decoders: a distinct value in every field, filler for a signature.

Every field's default is derived from its name, so a decoder that reads a
field from the wrong offset gets another field's value and the test sees it.
Each builder returns the evidence and the hex of every field it wrote (the
TD attributes aside: a number, given by the caller), so a test compares
what the decoder read with what was written. Nothing here is signed: for
quotes that verify, see quote.build_quote.
"""

import hashlib

from . import layout
from .layout import DEBUG, INTEL_QE_VENDOR_ID, SEPT_VE_DISABLE  # noqa: F401  (tests take them from here)
from .quote import TdBody


def field_value(name, size):
    """A distinct, recognisable default value for a field."""
    digest = b""
    counter = 0
    while len(digest) < size:
        digest += hashlib.sha384(("%s/%d" % (name, counter)).encode()).digest()
        counter += 1
    return digest[:size]


def signature_data(length=1200):
    return field_value("signature", length)


def _header(version, tee_type):
    return layout.quote_header(version, user_data=field_value("user_data", 20), tee_type=tee_type)


def td_body(td_attributes=SEPT_VE_DISABLE, tdx15=False, **values):
    """(584- or 648-byte TD quote body, dict of the hex values written)."""
    names = layout.TD10_FIELDS + (layout.TD15_FIELDS if tdx15 else ())
    written = {name: values.pop(name, field_value(name, size)) for name, size in names if name != "td_attributes"}
    if values:
        raise TypeError("not a TD body field: %s" % ", ".join(sorted(values)))
    body = TdBody(td_attributes=td_attributes, **written)
    return body.to_bytes(tdx15=tdx15), {name: getattr(body, name).hex() for name in written}


def quote_v4(signature=None, tee_type=layout.TEE_TYPE_TDX, version=4, **body_values):
    """(quote v4 bytes, dict of the hex body values written); ``version`` may be any number, laid out as v4."""
    body, expected = td_body(**body_values)
    signature = signature_data() if signature is None else signature
    return layout.with_signature_data(_header(version, tee_type) + body, signature), expected


def quote_v5(body_type=layout.BODY_TD15, body_size=None, signature=None, tee_type=layout.TEE_TYPE_TDX,
             **body_values):
    """(quote v5 bytes with a TD 1.0 (type 2) or 1.5 (type 3) body, dict of the hex body values).

    ``body_type`` and ``body_size`` may be any numbers: the descriptor says
    them, the body is TD 1.5 for type 3 and TD 1.0 otherwise.
    """
    body, expected = td_body(tdx15=(body_type == layout.BODY_TD15), **body_values)
    body_size = len(body) if body_size is None else body_size
    signature = signature_data() if signature is None else signature
    signed = _header(5, tee_type) + layout.body_descriptor(body_type, body_size) + body
    return layout.with_signature_data(signed, signature), expected


def tdreport(td_attributes=SEPT_VE_DISABLE, report_type=0x81, subtype=0, version=1, **values):
    """(1024-byte TDREPORT, dict of the hex values written)."""
    unknown = set(values) - set(layout.TDREPORT_FIELDS)
    if unknown:
        raise TypeError("not a TDREPORT field: %s" % ", ".join(sorted(unknown)))
    written = {name: values.get(name, field_value(name, size)) for name, (_, size) in layout.TDREPORT_FIELDS.items()}
    report = layout.tdreport(written, td_attributes, report_type=report_type, subtype=subtype, version=version)
    return report, {name: value.hex() for name, value in written.items()}

