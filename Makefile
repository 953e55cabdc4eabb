# A thin wrapper over CMake: make, make test, make demo, make bench,
# make install (DESTDIR, PREFIX), make asan-test, make format-check.
BUILD ?= build
ASAN_BUILD ?= build-asan
PREFIX ?= /usr/local
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# Extra ctest arguments for make test / asan-test, e.g. CTEST_FLAGS='-E package_deb'.
CTEST_FLAGS ?=

.PHONY: all deps configure test unit-test asan-test demo bench install clean format-check fuzz fuzz-short package

CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	-DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

all: configure
	cmake --build $(BUILD) -j $(JOBS)

# Configure when the command differs from the one that configured
# $(BUILD) last (kept in $(BUILD)/.configured): `make test` after a plain
# `make` adds -DCADENCE_WERROR=ON, so it configures again and builds with
# -Werror. (CMake keeps a cached option until told otherwise.)
configure:
	@if [ "$$(cat $(BUILD)/.configured 2>/dev/null)" != '$(CONFIGURE)' ]; then \
		echo '$(CONFIGURE)'; \
		$(CONFIGURE) && echo '$(CONFIGURE)' >$(BUILD)/.configured; \
	fi

deps:
	packaging/install-deps

# make test: dependencies, build, every suite (unit, integration, e2e).
test: deps
	$(MAKE) all CMAKE_FLAGS="$(CMAKE_FLAGS) -DCADENCE_WERROR=ON"
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

# The suites again, built with AddressSanitizer and UBSan.
asan-test: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCADENCE_ASAN=ON -DCADENCE_WERROR=ON -DCADENCE_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE noasan $(CTEST_FLAGS)

demo: deps all
	tests/e2e/demo.sh $(BUILD)

bench: all
	cmake --build $(BUILD) --target bench

# Short bounded libFuzzer runs (CI): the classifier, the record codec, the
# CSV reader and the template parser (fuzz/run-short).
fuzz-short:
	fuzz/run-short

fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCADENCE_FUZZ=ON -DCADENCE_TESTS=OFF -DCADENCE_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

package: all
	packaging/build-deb $(BUILD)

# Compares clang-format's output with each file (clang-format 14's
# --dry-run also reports replacements that change nothing).
# It also refuses a G_DEFINE_QUARK whose bare-word name clang-format has
# spaced apart (spaces around its dashes).
format-check:
	@bad=0; for f in $$(git ls-files '*.c' '*.h'); do \
		clang-format "$$f" | cmp -s - "$$f" || { echo "not formatted: $$f"; bad=1; }; \
	done; \
	if git grep -nE 'G_DEFINE_QUARK\([^,]* - ' -- '*.c' '*.h'; then \
		echo "a quark name spaced apart: write g_quark_from_static_string(\"...\")"; bad=1; \
	fi; exit $$bad

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
