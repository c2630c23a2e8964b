# campaign - PGXS build.  `make test` and `make demo` are the README's two commands.

EXTENSION   = campaign
EXTVERSION  = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" campaign.control)
MODULE_big  = campaign

CORE_SRCS   = $(filter-out src/core/test/%,$(wildcard src/core/*.c))
GLUE_SRCS   = $(wildcard src/pg/*.c)
OBJS        = $(CORE_SRCS:.c=.o) $(GLUE_SRCS:.c=.o)

# The install script, in dependency order: one fragment per capability, next to its glue.
SQL_PARTS   = src/pg/campaign.sql src/pg/model.sql src/pg/train.sql src/pg/predict.sql src/pg/walk.sql
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql

REGRESS      = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=postgis --load-extension=$(EXTENSION)

# -Wno-unused-parameter: PostgreSQL's own headers (bufpage.h) trip it; the core is built without it in `make unit`.
PG_CFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter
SHLIB_LINK  = -lm
EXTRA_CLEAN = results regression.diffs regression.out src/core/test/bin

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) campaign.control
	cat $(SQL_PARTS) > $@

$(OBJS): $(wildcard src/core/*.h) src/pg/campaign.h

# ---- unit tests of the Postgres-free core (no pg_config includes) -------------------------
UNIT_CC      ?= cc
UNIT_CFLAGS  ?= -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -Werror -Isrc/core
UNIT_BIN     = src/core/test/bin$(if $(SANITIZE),-san)
comma        := ,
UNIT_SAN     = $(if $(SANITIZE),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
UNIT_TESTS   = $(patsubst src/core/test/%.c,$(UNIT_BIN)/%,$(wildcard src/core/test/test_*.c))

$(UNIT_BIN)/%: src/core/test/%.c $(CORE_SRCS) $(wildcard src/core/*.h) src/core/test/harness.h
	@mkdir -p $(UNIT_BIN)
	$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_SAN) -o $@ $< $(CORE_SRCS) -lcmocka -lm -lpthread

.PHONY: unit test demo bench
unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test:
	bash src/tools/test.sh

demo:
	bash src/tools/demo.sh

bench:
	bash src/tools/bench.sh
