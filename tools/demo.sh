#!/bin/sh
# make demo: placeholder until the emulator and modules land (see issue 7).
set -eu
echo "confidential.tdx demo: nothing to run yet" >&2
exit 1
