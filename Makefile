# The two commands of the README. Each installs what it needs first (tools/setup.sh).
.PHONY: run test bench setup

setup:
	@tools/setup.sh

run: setup
	@tools/run.sh

test:
	@tools/setup.sh --tests
	@tools/test.sh

bench:
	@tools/setup.sh --tests
	@tools/bench.sh
