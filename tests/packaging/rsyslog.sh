#!/bin/sh
# The rsyslog snippet of docs/deployment.md is valid rsyslog configuration.
. "$top_srcdir/tests/integration/lib.sh"
command -v rsyslogd >/dev/null 2>&1 || skip "needs rsyslogd (package rsyslog)"
# rsyslog's $IncludeConfig takes no quoting: a copy under TEST_TMP, whatever the checkout path.
mkdir -p "$TEST_TMP/inc" && cp "$top_srcdir"/packaging/rsyslog/*.conf "$TEST_TMP/inc/"
printf 'module(load="imuxsock")\n$IncludeConfig %s/inc/*.conf\n' "$TEST_TMP" >"$TEST_TMP/main.conf"
out=$(rsyslogd -N1 -f "$TEST_TMP/main.conf" 2>&1) || fail "rsyslogd rejects packaging/rsyslog: $out"
printf '%s\n' "$out" | grep -qi 'error' && fail "rsyslogd reports: $out"
# A broken copy must be caught (so the check above can fail).
sed 's/template="FutariRecord"/template="NoSuchTemplate"/' "$top_srcdir/packaging/rsyslog/30-futari.conf" >"$TEST_TMP/broken.conf"
printf 'module(load="imuxsock")\n$IncludeConfig %s/broken.conf\n' "$TEST_TMP" >"$TEST_TMP/main2.conf"
rsyslogd -N1 -f "$TEST_TMP/main2.conf" >/dev/null 2>&1 && fail "rsyslogd accepted a snippet naming an unknown template"
echo "ok: rsyslog snippet validates"
