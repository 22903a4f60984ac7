"""The few DER encodings Intel's SGX PCK extension needs.

Hand-written on purpose: ``cryptography`` takes a custom extension only as
ready-made DER (``x509.UnrecognizedExtension``), and its declarative
``hazmat.asn1`` module has no way to say Intel's ``SEQUENCE OF SEQUENCE
{ OID, ANY }``, where each value has its own type (INTEGER, OCTET STRING,
ENUMERATED, BOOLEAN, a nested SEQUENCE). Encoding, not parsing: the tests
read the result back with ``cryptography`` and with dcap-qvl.
"""


def _length(size):
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, value):
    return bytes([tag]) + _length(len(value)) + value


def sequence(*items):
    return tlv(0x30, b"".join(items))


def octet_string(value):
    return tlv(0x04, bytes(value))


def boolean(value):
    return tlv(0x01, b"\xff" if value else b"\x00")


def _twos_complement(value):
    # Minimal big-endian two's complement, as DER requires (255 -> 00 FF).
    return value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)


def integer(value):
    return tlv(0x02, _twos_complement(value))


def enumerated(value):
    return tlv(0x0A, _twos_complement(value))


def oid(dotted):
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(0x06, bytes(body))
