# SPDX-License-Identifier: Apache-2.0
# libconsent — the two commands a new user needs:
#   make demo   install what is missing, build, simulate a contact-centre day, print the report
#   make test   build and run every test (ctest for C++, pytest for Python)
# Also: make build | bench | install PREFIX=... | asan | tsan | fuzz | stress | clean

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON     ?= /usr/bin/python3
DB         ?= ./consent-data
CMAKE_ARGS ?=
# Warnings are errors in CI.
ifneq ($(CI),)
WERROR := ON
else
WERROR ?= OFF
endif

# Debian/Ubuntu packages the build, tests and demo need. Only absent ones are installed.
PACKAGES := build-essential cmake ninja-build pkg-config \
            librocksdb-dev libprotobuf-dev protobuf-compiler libsodium-dev libboost-dev \
            pybind11-dev doctest-dev python3-dev python3-pytest python3-pandas \
            python3-matplotlib python3-protobuf python3-setuptools python3-venv python3-pip \
            python3-hypothesis mypy-protobuf python3-mypy \
            libcli11-dev help2man nats-server libnats-dev
# Only `make fuzz` needs these (libFuzzer comes with clang).
FUZZ_PACKAGES := clang-14
FUZZ_SECONDS ?= 60
STRESS_ROUNDS ?= 200
STRESS_WRITERS ?= 4

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps install-packages configure build test test-cpp test-python demo bench install \
        asan tsan fuzz stress clean

all: build

deps:
	@$(MAKE) --no-print-directory install-packages INSTALL_PACKAGES="$(PACKAGES)"

install-packages:
	@missing=""; for p in $(INSTALL_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DLIBCONSENT_WERROR=$(WERROR) -DPython3_EXECUTABLE=$(PYTHON) $(CMAKE_ARGS)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-python BUILD=$(BUILD)

# The Python suite imports the package CMake assembled in $(BUILD)/python; it also checks that
# `pip install .` works in a fresh venv (reusing $(BUILD), see setup.py).
test-python:
	@[ -d $(BUILD)/python/libconsent ] || { echo "test-python: no Python package in $(BUILD)/python (build with LIBCONSENT_BUILD_PYTHON=ON)" >&2; exit 1; }
	PYTHONPATH=$(CURDIR)/$(BUILD)/python CONSENT_BUILD_DIR=$(CURDIR)/$(BUILD) \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/python

demo: build
	$(BUILD)/tools/consentctl/consentctl --db $(DB) demo

bench: deps
	cmake -S . -B $(BUILD)-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIBCONSENT_BUILD_TESTS=OFF \
	  -DLIBCONSENT_BUILD_PYTHON=ON -DPython3_EXECUTABLE=$(PYTHON) -DLIBCONSENT_BUILD_EXAMPLES=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD)-bench -j $(JOBS)
	@for b in $(BUILD)-bench/bench/bench_*; do [ -x "$$b" ] && { echo "== $$b"; "$$b" || exit 1; }; done
	@for b in bench/bench_python*.py; do echo "== $$b"; PYTHONPATH=$(CURDIR)/$(BUILD)-bench/python $(PYTHON) "$$b" || exit 1; done
	@d=$$(mktemp -d) && echo "== consentctl demo --calls 200000 (a day at scale, fresh store)" && \
	  $(BUILD)-bench/tools/consentctl/consentctl --db $$d/store demo --calls 200000 > $$d/demo.out; \
	  s=$$?; tail -n 3 $$d/demo.out; rm -rf $$d; exit $$s

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Sanitizer builds of the C++ suite: ASan+UBSan, and TSan for the threaded paths.
asan: deps
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLIBCONSENT_SANITIZE=address \
	  -DLIBCONSENT_BUILD_PYTHON=OFF -DLIBCONSENT_BUILD_BENCH=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# TSan runs the threaded paths: concurrent appends and group commit, subscriptions, live
# projections under concurrent gate readers, concurrent Ledgers. Other tests are left out on
# purpose: forked children (crash test, CLI tests) are not supported by TSan after threads exist,
# and Debian's libprotobuf/librocksdb are not instrumented, so inline protobuf map code compiled
# with TSan disagrees with the library's (a crash in single-threaded JSON checks).
TSAN_TESTS ?= oncurren|ubscri|hreads|Gate decisions from many|Ledgers|group commit|live|Live|retries|interleav

tsan: deps
	cmake -S . -B $(BUILD)-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIBCONSENT_SANITIZE=thread \
	  -DLIBCONSENT_BUILD_PYTHON=OFF -DLIBCONSENT_BUILD_BENCH=OFF -DLIBCONSENT_BUILD_EXAMPLES=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD)-tsan -j $(JOBS)
	cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure -j $(JOBS) -R "$(TSAN_TESTS)"

# libFuzzer targets (tests/fuzz) with ASan+UBSan, built by clang-14 in $(BUILD)-fuzz, each run
# for FUZZ_SECONDS from its committed corpus. New inputs go to $(BUILD)-fuzz/corpus/<target>;
# a crash input is written to $(BUILD)-fuzz/crash-* (add it to tests/fuzz/corpus/<target>/ to
# keep it as a test).
FUZZ_TARGETS := fuzz_import_line fuzz_event_record

fuzz: deps
	@$(MAKE) --no-print-directory install-packages INSTALL_PACKAGES="$(FUZZ_PACKAGES)"
	cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" -DLIBCONSENT_SANITIZE=address -DLIBCONSENT_FUZZ=ON \
	  -DLIBCONSENT_BUILD_PYTHON=OFF -DLIBCONSENT_BUILD_BENCH=OFF -DLIBCONSENT_BUILD_EXAMPLES=OFF \
	  -DLIBCONSENT_INSTALL=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  echo "== $$t for $(FUZZ_SECONDS) s"; mkdir -p $(BUILD)-fuzz/corpus/$$t; \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=0 \
	  $(BUILD)-fuzz/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	    -artifact_prefix=$(BUILD)-fuzz/ $(BUILD)-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# SIGKILL rounds of a child whose syncing writer threads append batches; after every kill the
# store must hold every acknowledged event, no partial batch and a valid chain.
stress: build
	CONSENT_STRESS_ROUNDS=$(STRESS_ROUNDS) CONSENT_STRESS_WRITERS=$(STRESS_WRITERS) \
	  $(BUILD)/tests/consent_tests -tc='Acknowledged appends survive SIGKILL*'

clean:
	rm -rf $(BUILD) $(BUILD)-bench $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz
