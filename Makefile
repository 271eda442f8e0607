# Thin wrapper over CMake + CTest.  `make help` lists the targets.
JOBS     ?= $(shell nproc)
BUILD    ?= build
PREFIX   ?= /usr/local
CMAKE    := cmake
CONFIGS  := gcc clang asan

.PHONY: all deps build run test test-gcc test-clang test-asan bench stress fuzz install clean help

all: build

help:
	@echo "make deps     install the Debian packages sva needs (apt-get, as root)"
	@echo "make run      release build, then 'sva run' (the default scenario)"
	@echo "make test     gcc and clang builds, every test, then all again under ASan+UBSan"
	@echo "make bench    release build, then every benchmark under bench/"
	@echo "make stress   10,000 torture seeds with the invariant checker (SEEDS=N to change)"
	@echo "make fuzz     ASan+UBSan build, then each libFuzzer target for FUZZ_TIME=$(FUZZ_TIME) s"
	@echo "make install  install sva, its man page, libsva and the examples under PREFIX=$(PREFIX)"
	@echo "make clean    remove $(BUILD)/"

deps:
	@bash scripts/deps.sh

# $(call configure,dir,compiler,extra cmake args)
define configure
	@$(CMAKE) -S . -B $(BUILD)/$(1) -DCMAKE_C_COMPILER=$(2) $(3) >/dev/null
endef

build: deps
	$(call configure,release,gcc,-DCMAKE_BUILD_TYPE=Release -DSVA_CHECK_DEFAULT=OFF)
	@$(CMAKE) --build $(BUILD)/release -j $(JOBS)

run: build
	$(BUILD)/release/tools/sva run

test-gcc: deps
	$(call configure,gcc,gcc,-DCMAKE_BUILD_TYPE=Release)
	@$(CMAKE) --build $(BUILD)/gcc -j $(JOBS)
	cd $(BUILD)/gcc && ctest --output-on-failure -j $(JOBS)

test-clang: deps
	$(call configure,clang,clang,-DCMAKE_BUILD_TYPE=Release)
	@$(CMAKE) --build $(BUILD)/clang -j $(JOBS)
	cd $(BUILD)/clang && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	$(call configure,asan,clang,-DCMAKE_BUILD_TYPE=Debug -DSVA_SANITIZE=ON -DSVA_BUILD_BENCH=OFF -DSVA_FUZZ=ON)
	@$(CMAKE) --build $(BUILD)/asan -j $(JOBS)
	cd $(BUILD)/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

test: test-gcc test-clang test-asan
	@echo "make test: gcc, clang and ASan+UBSan suites passed"

SEEDS ?= 10000
stress: deps
	$(call configure,gcc,gcc,-DCMAKE_BUILD_TYPE=Release)
	@$(CMAKE) --build $(BUILD)/gcc -j $(JOBS) --target sva
	$(BUILD)/gcc/tools/sva torture --seeds $(SEEDS) --jobs $(JOBS)

# Each fuzzer in turn on a scratch copy of its seed corpus (tests/fuzz/);
# crashes are saved under $(BUILD)/asan/tests/fuzz/artifacts/<target>/.
FUZZ_TIME ?= 600
fuzz: deps
	$(call configure,asan,clang,-DCMAKE_BUILD_TYPE=Debug -DSVA_SANITIZE=ON -DSVA_BUILD_BENCH=OFF -DSVA_FUZZ=ON)
	@$(CMAKE) --build $(BUILD)/asan -j $(JOBS)
	@for f in $(BUILD)/asan/tests/fuzz/fuzz_*; do \
		[ -x "$$f" ] || continue; t=$${f##*/fuzz_}; echo "== fuzz $$t for $(FUZZ_TIME) s"; \
		bash tests/fuzz/run_fuzzer.sh $$f tests/fuzz/corpus/$$t $(FUZZ_TIME) \
			$(BUILD)/asan/tests/fuzz/artifacts/$$t || exit 1; \
	done

bench: build
	@for b in $(BUILD)/release/bench/bench_*; do echo "== $$b"; $$b || exit 1; done

install: build
	$(CMAKE) --install $(BUILD)/release --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
