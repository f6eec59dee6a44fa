# trainctl: the commands a person types. Each target installs missing Debian
# packages itself when run as root (scripts/deps.sh), then builds with meson.
BUILD ?= build
WERROR ?= true
MESON_OPTS ?=
TRAINCTL = $(BUILD)/src/trainctl

.PHONY: all build test demo install deps clean

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
	python3 tests/run.py $(BUILD)

demo:
	@scripts/deps.sh demo
	@$(MAKE) --no-print-directory $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null
	@scripts/demo.sh $(TRAINCTL)

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD)

# Fuzzing (docs/hardening.md): every libFuzzer target for FUZZ_SECONDS each, in build-fuzz.
FUZZ_SECONDS ?= 600
.PHONY: fuzz
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)
