# libFuzzer targets: make fuzz (see tests/fuzz/README)
