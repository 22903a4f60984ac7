"""The benchmark suite behind ``make bench`` (tools/bench.sh): see docs/performance.md."""
