# Issue 9 scenario 11: at the end futari-audit verify passes on the log all the agent scenarios
# wrote, and the month's report lists the sticks, the exports with their approvers, the
# refusals and the gap, and the uploads scenario 10 (20) denied and allowed. report.html is
# copied out as an artefact.
# e2e-timeout: 300
. "$E2E_SRCDIR/guest/agent.sh"
[ -f "$FE/.ready" ] && ls "$FE_LOG"/egress-*.jsonl >/dev/null 2>&1 ||
	fail "no agent log in this boot: run it after the other agent scenarios (11-20)"
out=$("$AUDIT" verify --host-key "$FE_ETC/host.pub" "$FE_LOG" 2>&1) ||
	out=$("$AUDIT" verify "$FE_LOG" 2>&1) || fail "futari-audit verify fails: $out"
note "$out"
month=$(date -u +%Y-%m)
R=$E2E_ARTIFACTS/report
"$AUDIT" report --month "$month" --lang en --media "$FE_ETC/media.conf" --out "$R" "$FE_LOG" \
	>"$E2E_SCRATCH/report.out" 2>&1 || fail "futari-audit report failed: $(cat "$E2E_SCRATCH/report.out")"
ls "$R" >&2
h=$R/report.html
[ -s "$h" ] || fail "no report.html"
for want in FUT-AGENT-0001 FUT-AGENT-0002 CITY-USB-0001 CITY-USB-0002 FUT-STRANGER-9 \
	hanako "alice (TEST ONLY)" "carol (TEST ONLY)" "dave (TEST ONLY)"; do
	# (approvers are shown as people, "name (staff id)", since issue 15)
	grep -F "$want" "$h" >/dev/null || fail "report.html does not mention $want"
done
grep -F "?:?" "$h" >/dev/null && fail "report.html lists a medium without identity (?:?)"
grep -iE "refus" "$h" >/dev/null || fail "report.html lists no refusals"
grep -iE "gap" "$h" >/dev/null || fail "report.html shows no gap"
# Scenario 20 skips when the guest has no ext4; when it ran, its decisions are in the report.
if fe_log_has '"event":"upload.denied"' tender-42-bid.txt >/dev/null; then
	ups=$(awk '/<h2>6\. Uploads/,/<h2>7\./' "$h" | sed 's/<tr/\n<tr/g' | grep -F tender-42-bid.txt |
		grep -F /usr/bin/curl) || fail "report.html's uploads section has no curl row for tender-42-bid.txt"
	for want in "hanako.*<td>denied</td>" "hanako.*<td>allowed</td>" "dave.*<td>denied</td>"; do
		echo "$ups" | grep -E "$want" >/dev/null ||
			fail "report.html's uploads section has no row matching '$want' for tender-42-bid.txt"
	done
else
	note "no upload decisions in the log (20-agent-upload-control did not run)"
fi
cp "$FE_LOG"/egress-*.jsonl "$E2E_ARTIFACTS/"
