# The benchmark: DIRECT, a bare httputil.ReverseProxy and lifeline, about
# ten minutes; it rewrites bench/out/ and the results in docs/BENCHMARKS.md.
# `make bench BENCHFLAGS=-quick` is a short check that leaves the docs alone.
.PHONY: bench
bench:
	go run ./bench $(if $(BENCHFLAGS),$(BENCHFLAGS),-docs docs/BENCHMARKS.md)
