# trainctl: the commands a person types. Each target installs missing Debian
# packages itself when run as root (scripts/deps.sh), then builds with meson.
BUILD ?= build
WERROR ?= true
MESON_OPTS ?=
TRAINCTL = $(BUILD)/src/trainctl
# make test also builds and runs the whole suite under AddressSanitizer and UBSan with
# clang (docs/hardening.md, "Sanitizers"), with every fuzz target run for 30 s there ("Fuzzing");
# SANITIZE=no leaves that build out.
SANITIZE ?= yes
ASAN_BUILD ?= build-asan
ASAN_MESON_OPTS = -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true -Doptimization=1 \
	-Dfuzz=true -Dfuzz_smoke_seconds=30
# make lint: the tools and how many files they check at once (docs/hardening.md, "Static analysis")
CLANG_TIDY ?= clang-tidy
CPPCHECK ?= cppcheck
LINT_JOBS ?= $(shell nproc)
LINT_ANALYZER ?= no

.PHONY: all build test asan-build lint demo install deps clean

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=$(WERROR) $(MESON_OPTS)

build:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory $(BUILD)/build.ninja
	ninja -C $(BUILD)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BUILD)/build.ninja
	ninja -C $(BUILD)
ifeq ($(SANITIZE),yes)
	@$(MAKE) --no-print-directory asan-build
	python3 tests/run.py $(BUILD) asan=$(ASAN_BUILD)
else
	python3 tests/run.py $(BUILD)
endif

# The sanitized build: set up with clang, reconfigured when ASAN_MESON_OPTS changes.
asan-build:
	@opts="$(ASAN_MESON_OPTS)"; \
	if [ ! -f $(ASAN_BUILD)/build.ninja ]; then \
		CC=clang meson setup $(ASAN_BUILD) $$opts || exit 1; \
	elif [ "$$(cat $(ASAN_BUILD)/.make-opts 2>/dev/null)" != "$$opts" ]; then \
		meson configure $(ASAN_BUILD) $$opts || exit 1; \
	fi; \
	echo "$$opts" > $(ASAN_BUILD)/.make-opts
	ninja -C $(ASAN_BUILD)

# cppcheck and clang-tidy over every C file of the tree, with build/'s compile commands;
# any finding fails (scripts/lint.sh)
lint:
	@scripts/deps.sh lint
	@$(MAKE) --no-print-directory $(BUILD)/build.ninja
	ninja -C $(BUILD)
	CLANG_TIDY=$(CLANG_TIDY) CPPCHECK=$(CPPCHECK) LINT_ANALYZER=$(LINT_ANALYZER) \
		scripts/lint.sh $(BUILD) $(LINT_JOBS)

demo:
	@scripts/deps.sh demo
	@$(MAKE) --no-print-directory $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null
	@scripts/demo.sh $(TRAINCTL)

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# Fuzzing (docs/hardening.md): every libFuzzer target for FUZZ_SECONDS each, in build-fuzz.
FUZZ_SECONDS ?= 600
.PHONY: fuzz
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)
