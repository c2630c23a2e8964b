#!/usr/bin/env bash
# checkouts.sh - `make test` step "checkouts" (root only): the README's two commands work from a
# checkout anywhere, in any locale, as root or not, and leave nothing behind in the temporary
# directory, pass or fail.  Each case runs on a copy of this checkout, with TMPDIR pointing at
# an empty directory of its own that must be empty again afterwards:
#   1. a copy under a mode-700 root directory (like a clone in /root, which the postgres user
#      cannot enter) with LANG=en_US.UTF-8 not generated: `make demo` passes, with no
#      permission or locale warning;
#   2. the same copy with LANG unset: `make test` of the fixtures and dashboards step passes
#      (fixtures.sql used to be handed to psql by a relative path);
#   3. the same copy with a server that cannot start: `make demo` fails and leaves nothing;
#   4. a user without root, in a home of mode 700: a change this user's build does not have
#      installed is refused with the exact command to run as root; without it, `make demo`
#      passes on root's installation.
# Expects the extension installed and the install lock held by the caller (test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/tools/common.sh

passed=0
fail() { echo "checkouts: FAILED: $*" >&2; exit 1; }
ok() { echo "checkouts: $*"; passed=$((passed + 1)); }
[ "$(id -u)" -eq 0 ] || { echo "checkouts: skipped (needs root to make the directories and user)"; exit 0; }

# A locale this machine does not have: en_US.UTF-8 on a minimal Debian, else a made-up one.
missing_locale=en_US.UTF-8
locale -a 2>/dev/null | grep -qix 'en_US.utf8' && missing_locale=xx_XX.UTF-8

# The checkout's files, as a clone has them (tracked, and new files not ignored).
copy_checkout() {
  mkdir -p "$1"
  git ls-files -z -co --exclude-standard | tar -cf - --null -T - | tar -xf - -C "$1"
}

# run_case NAME EXPECT(pass|fail) USER DIR ENV... -- COMMAND: runs it in DIR as USER (root or
# another) with a private TMPDIR; checks the exit status, the warnings and the leftovers.
run_case() {
  local name=$1 expect=$2 user=$3 dir=$4 out tmp status=0
  shift 4
  make_temp tmp -d
  chmod 1777 "$tmp"
  make_temp out
  # the caller holds the install lock: the installed files cannot change under this case
  local env=(HOME="$(eval echo "~$user")" PATH="$PATH" TMPDIR="$tmp" PG_CONFIG="$PG_CONFIG"
             CAMPAIGN_INSTALL_LOCKED=1)
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  runuser -u "$user" -- env -i "${env[@]}" bash -c 'cd "$1" && shift && "$@"' _ "$dir" "$@" \
    >"$out" 2>&1 || status=$?
  if [ "$expect" = pass ] && [ $status -ne 0 ]; then tail -40 "$out"; fail "$name: exit $status"; fi
  if [ "$expect" = fail ] && [ $status -eq 0 ]; then tail -40 "$out"; fail "$name: passed, should fail"; fi
  if grep -iE "permission denied|could not change directory|setting locale failed|invalid locale|cannot set LC_" "$out"; then
    fail "$name: printed the warnings above"
  fi
  if [ -n "$(ls -A "$tmp")" ]; then ls -la "$tmp"; fail "$name: left files in its temporary directory"; fi
  CASE_OUTPUT=$out
}

make_temp rootlike -d
chmod 700 "$rootlike"
copy_checkout "$rootlike/campaign"

run_case "root, unreadable parent, $missing_locale" pass root "$rootlike/campaign" \
  LANG="$missing_locale" -- make demo
ok "make demo from a checkout under a mode-700 directory with LANG=$missing_locale"

run_case "root, unreadable parent, LANG unset" pass root "$rootlike/campaign" \
  TEST_STEPS=dashboards -- make test
grep -q "^tests: [1-9][0-9]* passed, 0 failed" "$CASE_OUTPUT" || fail "make test printed no passing tests line"
ok "make test (fixtures, dashboards) from a checkout under a mode-700 directory, LANG unset"

run_case "root, server cannot start" fail root "$rootlike/campaign" \
  LANG=C.UTF-8 EXTRA_SERVER_OPTS="-c campaign_no_such_setting=1" -- make demo
ok "make demo whose server cannot start fails and leaves nothing behind"

# A user of our own, removed on exit; its home is mode 700 like any other.
user=campaign-checkouts
userdel "$user" >/dev/null 2>&1 || true
make_temp home -d
useradd --no-create-home --home-dir "$home" --shell /bin/bash "$user"
trap 'userdel "$user" >/dev/null 2>&1 || true; cleanup' EXIT
copy_checkout "$home/campaign"
chown -R "$user": "$home"
chmod 700 "$home"

control=$home/campaign/campaign.control
size=$(stat -c %s "$control")
echo "# a change of this user's" >>"$control"
run_case "non-root, extension not installed" fail "$user" "$home/campaign" LANG=C.UTF-8 -- make demo
grep -qF "make -C $home/campaign PG_CONFIG=$PG_CONFIG install" "$CASE_OUTPUT" ||
  { cat "$CASE_OUTPUT"; fail "non-root: the command to run as root was not printed"; }
truncate -s "$size" "$control"
ok "as another user, a build that is not installed is refused with the command to run as root"

run_case "non-root, in its home" pass "$user" "$home/campaign" LANG="$missing_locale" -- make demo
ok "make demo as another user from a checkout in its mode-700 home"

echo "checkouts: $passed passed, 0 failed"
