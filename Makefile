# The two commands a newcomer needs: `make run` (the console; a simulated demo fleet when no aircraft
# is configured) and `make test` (the whole suite). Both install missing system packages first.
.PHONY: run test deps sim bench lint

CARGO ?= cargo

deps:
	@scripts/install-deps.sh

run: deps
	$(CARGO) run --bin kestrel --

test: deps
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

sim: deps
	$(CARGO) run -p kestrel-sim --

bench: deps
	$(CARGO) bench

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
