# The two commands a newcomer needs: `make run` (the console; a simulated demo fleet when no aircraft
# is configured) and `make test` (the whole suite). Both install missing system packages first.
.PHONY: run test deps sim bench bench-console soak lint

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

# Frames per second, CPU and memory of the console under Xvfb, idle and with 100 aircraft.
bench-console: deps
	$(CARGO) build --release -p kestrel --bin kestrel
	$(CARGO) build --release -p kestrel-sim
	scripts/bench-console.sh target/release/kestrel 20

# Eight simulated hours of a 20-aircraft shift at 20x (about 24 minutes); prints its figures.
soak: deps
	KESTREL_SOAK_SECS=1440 KESTREL_SOAK_SPEEDUP=20 $(CARGO) test --test soak -- --nocapture

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
