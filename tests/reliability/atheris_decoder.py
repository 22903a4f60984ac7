"""Coverage-guided fuzzing of the TDX decoder with atheris (libFuzzer), run by test_decoder_atheris.py.

    python tests/reliability/atheris_decoder.py CORPUS_DIR -runs=20000

Every input goes to each decoder entry point; only TdxDecodeError (and
ValueError from parse_report_data, its documented error) may come out.
Anything else is a finding: libFuzzer stops, prints the input and exits
non-zero.
"""

import sys

import atheris

with atheris.instrument_imports(include=["ansible_collections.confidential.tdx"]):
    from ansible_collections.confidential.tdx.plugins.module_utils.tdx.decoder import (
        decode_quote,
        decode_quote_base64,
        decode_tdreport,
        parse_report_data,
    )
    from ansible_collections.confidential.tdx.plugins.module_utils.tdx.errors import TdxDecodeError


def one_input(data):
    for decoder in (decode_quote, decode_tdreport):
        try:
            decoder(data)
        except TdxDecodeError:
            pass
    text = data.decode("latin-1")
    try:
        decode_quote_base64(text)
    except TdxDecodeError:
        pass
    try:
        parse_report_data(text)
    except ValueError:
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
