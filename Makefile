# campaign - PGXS build.  `make test` and `make demo` are the README's two commands.

EXTENSION   = campaign
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" campaign.control)
MODULE_big  = campaign

CORE_SRCS   = $(filter-out src/core/test/%,$(wildcard src/core/*.c))
GLUE_SRCS   = $(wildcard src/pg/*.c)
OBJS        = $(CORE_SRCS:.c=.o) $(GLUE_SRCS:.c=.o)

# The install script, in dependency order: one fragment per capability, next to its glue.
SQL_PARTS   = src/pg/campaign.sql src/pg/model.sql src/pg/train.sql src/pg/progress.sql src/pg/predict.sql \
              src/pg/explain.sql src/pg/evaluate.sql src/pg/segment.sql src/pg/rollup.sql src/pg/bandit.sql \
              src/pg/walk.sql src/pg/surprise.sql
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql

REGRESS      = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=postgis --load-extension=$(EXTENSION)

# Isolation tests (PostgreSQL's isolation tester): specs in sql/isolation/, expected output in
# expected/ next to pg_regress's.  Not PGXS's ISOLATION variable: pg_isolation_regress reads
# <inputdir>/specs/, and PGXS would also run them from installcheck (the regress step).
ISOLATION_TESTS = $(sort $(basename $(notdir $(wildcard sql/isolation/*.spec))))

# The build is reproducible wherever the checkout is (no absolute path in the objects), so a
# user without write access to PostgreSQL's directories can tell that the installed campaign.so
# is the one their checkout builds (src/tools/common.sh, installed_is_current).
PG_CFLAGS   = -Wall -Wextra -Werror -ffile-prefix-map=$(CURDIR)=.
# PostgreSQL's own headers trip -Wextra (unused parameters in inline functions): read them as
# system headers, so the warnings that remain are ours.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)
SHLIB_LINK  = -lm -lpthread
EXTRA_CLEAN = results regression.diffs regression.out src/core/test/bin src/core/test/bin-san src/core/test/bin-tsan

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else
# No server headers yet: `make test`, `make demo` and `make bench` install them first.
all install installcheck:
	@echo "pg_config not found: run 'make test' (it installs the packages) or set PG_CONFIG" >&2
	@exit 1
endif

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) campaign.control
	cat $(SQL_PARTS) > $@

$(OBJS): $(wildcard src/core/*.h) $(wildcard src/pg/*.h)

# The core's functions are internal to campaign.so: hidden, so calls between them and from the
# glue are direct rather than through the PLT (cm_bins_code once per cell read, for one).
$(CORE_SRCS:.c=.o): CFLAGS += -fvisibility=hidden

# The turnout-surprise dynamic program is a loop the compiler vectorizes only when asked at -O2
# (2x faster final function, same results: no reassociation).
src/core/surprise.o: CFLAGS += -ftree-vectorize

# ---- unit tests of the Postgres-free core (no pg_config includes) -------------------------
UNIT_CC      ?= cc
UNIT_CFLAGS  ?= -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -Werror -Isrc/core
# SANITIZE=1: ASan and UBSan; SANITIZE=thread: TSan (unit-threads)
UNIT_BIN     = src/core/test/bin$(if $(SANITIZE),-$(if $(filter thread,$(SANITIZE)),tsan,san))
comma        := ,
UNIT_SAN     = $(if $(SANITIZE),$(if $(filter thread,$(SANITIZE)),-fsanitize=thread,-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=all))
UNIT_TESTS   = $(patsubst src/core/test/%.c,$(UNIT_BIN)/%,$(wildcard src/core/test/test_*.c))

$(UNIT_BIN)/%: src/core/test/%.c $(CORE_SRCS) $(wildcard src/core/*.h) $(wildcard src/core/test/*.h)
	@mkdir -p $(UNIT_BIN)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_SAN) -o $@ $< $(CORE_SRCS) -lcmocka -lm -lpthread

# The tests of the code that runs threads (the worker pool, GBT training) under
# ThreadSanitizer: a data race fails them.
TSAN_TESTS   = test_pool test_gbt

.PHONY: unit-threads
unit-threads:
	@TSAN_OPTIONS=halt_on_error=1 $(MAKE) -s SANITIZE=thread \
	  UNIT_TESTS="$(TSAN_TESTS:%=src/core/test/bin-tsan/%)" unit

# `make test` runs this against its cluster (PGHOST/PGPORT); the input directory is a pair of
# links because pg_isolation_regress wants specs/ and expected/ side by side.
.PHONY: isolationcheck
isolationcheck:
	@rm -rf results/isolation && mkdir -p results/isolation/input
	@ln -s $(CURDIR)/sql/isolation results/isolation/input/specs
	@ln -s $(CURDIR)/expected results/isolation/input/expected
	@$(pgxsdir)/src/test/isolation/pg_isolation_regress --inputdir=results/isolation/input \
	  --outputdir=results/isolation --bindir='$(bindir)' --dbname=campaign_isolation \
	  --load-extension=postgis --load-extension=$(EXTENSION) $(ISOLATION_TESTS) \
	  || { cat results/isolation/regression.diffs; exit 1; }

.PHONY: unit test demo bench
unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test:
	bash src/tools/test.sh

demo:
	bash src/tools/demo.sh

bench:
	bash src/tools/bench.sh

# ---- fuzzing (src/fuzz/): libFuzzer targets with clang, and a corpus replay driver --------
FUZZ_TARGETS = $(patsubst src/fuzz/%.c,src/fuzz/bin/%,$(wildcard src/fuzz/fuzz_*.c))
FUZZ_SAN     = -fsanitize=address$(comma)undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

src/fuzz/bin/%: src/fuzz/%.c src/fuzz/fuzz_input.h $(CORE_SRCS) $(wildcard src/core/*.h)
	@mkdir -p src/fuzz/bin
	clang -g -O1 -Isrc/core -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(CORE_SRCS) -lm -lpthread

src/fuzz/bin/replay_%: src/fuzz/%.c src/fuzz/fuzz_input.h src/fuzz/replay.c $(CORE_SRCS) $(wildcard src/core/*.h)
	@mkdir -p src/fuzz/bin
	$(UNIT_CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 -Isrc/core $(FUZZ_SAN) -o $@ $< src/fuzz/replay.c $(CORE_SRCS) -lm -lpthread

.PHONY: fuzz fuzz-replay stress
fuzz: $(FUZZ_TARGETS)

# Replays every committed corpus file through its target (gcc + ASan/UBSan, no clang needed).
fuzz-replay: $(patsubst src/fuzz/bin/%,src/fuzz/bin/replay_%,$(FUZZ_TARGETS))
	@set -e; for t in $^; do name=$${t##*/replay_}; echo "== $$name"; $$t src/fuzz/corpus/$$name/*; done

stress:
	bash src/tools/stress.sh
