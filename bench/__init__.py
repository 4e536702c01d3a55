"""Benchmarks: figures, not pass/fail (`make bench`). Each prints one summary line and writes JSON
to var/bench/."""
