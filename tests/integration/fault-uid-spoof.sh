#!/bin/sh
# The caller's identity comes only from SO_PEERCRED (docs/agent-api.md, "Who is calling"),
# never from the message (issue 10, threat model 3.2 "claims to be someone else"). As an
# unprivileged user B (uid 65533), every command of the table sent with an identity field
# ("uid", "user", "login", "requester", "peer", "pid") in its arguments or next to them is
# refused with one line naming that field or saying the command takes no such argument;
# "uid": 0 does not open the root-only command. Afterwards the agent still answers B as B:
# user A's (65534) request is not in B's list, B cannot redeem A's approval (while A can),
# B cannot label A's file, B's own export request names B, and every record the egress log
# holds for B's actions carries B's uid, never the one B claimed.
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv setfattr getfattr
APPROVE="$top_builddir/approver/futari-approve"
[ -x "$APPROVE" ] || skip "futari-approve is not built"
agent_setup
user_home
# Many refusals from one user in a few seconds: the rate limit is not what is tested here.
printf '[limits]\nrequests-per-minute = 100000\n' >>"$ETC/agent.conf"
register_sticks alpha
make_stick alpha
dev=$STICK

# TEST ONLY keys: one approver (as in agent-redeem.sh).
approver_keys

start_agent
wait_ro "$dev" || fail "the stick is not read-only"
mnt="$TEST_TMP/mnt"
mkdir -p "$mnt"
mount "$dev" "$mnt" 2>/dev/null || fail "cannot mount the stick"
defer "umount $mnt 2>/dev/null"
L="$TEST_TMP/log"
B=65533
as_b() { setpriv --reuid=$B --regid=$B --clear-groups env FUTARI_SOCKET="$SOCK" "$@"; }
probe_b() { as_b "$PROBE" "$SOCK" "$@"; }

# User A (65534) asks to export a Class II file: a pending request, and its approval.
public_file "$HOME_U/bid.txt" 2000 bidtxt
setfattr -n trusted.futari.class -v II "$HOME_U/bid.txt"
as_user "$FUTARI" export "$HOME_U/bid.txt" --to alpha --reason "tender 42" >"$TEST_TMP/out" 2>&1 ||
	fail "A's Class II export failed: $(cat "$TEST_TMP/out")"
REQ="$HOME_U/bid.txt.futari-request"
[ -f "$REQ" ] || fail "no request file: $(cat "$TEST_TMP/out")"
req_id=$(ls "$TEST_TMP/state/pending" | sed -n 's/\.pending$//p')
[ "$(echo "$req_id" | wc -w)" = 1 ] || fail "expected one pending request: $req_id"
"$APPROVE" sign "$REQ" --key "$W/keys/alice.key" --cert "$W/alice.cert" \
	--passphrase-file "$W/alice.pass" --root "$W/org/org.pub" --out "$TEST_TMP/ok.futari-approval" \
	--allow-root >>"$W/approve.log" 2>&1 || fail "sign failed: $(tail -3 "$W/approve.log")"
chmod 0644 "$TEST_TMP/ok.futari-approval"
# The approval as a JSON string, for messages built by hand.
grep -q '["\\]' "$TEST_TMP/ok.futari-approval" && fail "the approval holds quotes or backslashes"
approval=$(awk 'BEGIN { ORS = ""; print "\"" } { print $0 "\\n" } END { print "\"" }' \
	"$TEST_TMP/ok.futari-approval")
# A file of A's that B can read (Class III, no label), and one of B's own.
public_file "$HOME_U/minutes.txt" 500 minutes
HOME_B="$TEST_TMP/home-b"
mkdir -p "$HOME_B"
public_file "$HOME_B/notes.txt" 500 notes
chown -R $B:$B "$HOME_B"

# spoofed EXPECT FIELD [--fd FILE] MSG: B sends MSG; the reply must be one refusal line
# matching EXPECT. FIELD only names the case in a failure.
sent=0
spoofed() {
	exp=$1 field=$2
	shift 2
	out=$(probe_b "$@") || fail "the agent dropped B's connection ($field): $*"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "not one line ($field): $out"
	printf '%s\n' "$out" | grep -q '^{"ok":false,"error":"[^"]*' ||
		fail "accepted with $field: $* -> $out"
	printf '%s\n' "$out" | grep -q -- "$exp" || fail "unexpected refusal with $field: $* -> $out"
	sent=$((sent + 1))
}
export_args='"name":"notes.txt","to":"alpha","reason":"r"'
upload_args='"name":"notes.txt","to":"files.example.org","reason":"r"'
n_fields=0
for f in '"uid":0' '"uid":65534' '"user":"root"' '"login":"nobody"' '"requester":"nobody"' \
	'"peer":0' '"pid":1'; do
	name=$(echo "$f" | sed 's/^"\([a-z]*\)".*/\1/')
	n_fields=$((n_fields + 1))
	# In the arguments: each command refuses what it does not take.
	spoofed "status takes no arguments" "$f" "{\"command\":\"status\",\"args\":{$f}}"
	spoofed "devices takes no arguments" "$f" "{\"command\":\"devices\",\"args\":{$f}}"
	spoofed "requests takes no arguments" "$f" "{\"command\":\"requests\",\"args\":{$f}}"
	spoofed "subscribe takes no arguments" "$f" "{\"command\":\"subscribe\",\"args\":{$f}}"
	spoofed "classify takes no arguments" "$f" --fd "$HOME_B/notes.txt" \
		"{\"command\":\"classify\",\"args\":{$f}}"
	spoofed "label takes the open file and one argument" "$f" --fd "$HOME_U/minutes.txt" \
		"{\"command\":\"label\",\"args\":{\"class\":\"II\",$f}}"
	spoofed "unknown argument '$name'" "$f" --fd "$HOME_B/notes.txt" \
		"{\"command\":\"export\",\"args\":{$export_args,$f}}"
	spoofed "unknown argument '$name'" "$f" --fd "$HOME_B/notes.txt" \
		"{\"command\":\"upload-request\",\"args\":{$upload_args,$f}}"
	spoofed "redeem takes one argument" "$f" \
		"{\"command\":\"redeem\",\"args\":{\"approvals\":[$approval],$f}}"
	spoofed "for the administrator (root) only" "$f" "{\"command\":\"rescan\",\"args\":{$f}}"
	# Next to the arguments: the message itself has no such field.
	spoofed "unknown field '$name'" "$f" "{\"command\":\"status\",$f}"
	spoofed "unknown field '$name'" "$f" "{\"command\":\"requests\",\"args\":{},$f}"
	spoofed "unknown field '$name'" "$f" "{\"command\":\"redeem\",\"args\":{\"approvals\":[$approval]},$f}"
	spoofed "unknown field '$name'" "$f" --fd "$HOME_B/notes.txt" \
		"{\"command\":\"export\",\"args\":{$export_args},$f}"
	spoofed "unknown field '$name'" "$f" --fd "$HOME_U/minutes.txt" \
		"{\"command\":\"label\",\"args\":{\"class\":\"II\"},$f}"
	# "uid": 0 is not root.
	spoofed "for the administrator (root) only" "$f" "{\"command\":\"rescan\",$f}"
done
echo "B's identity fields refused: $sent messages"
# The broker logs the refusals it makes (export.refused for export and upload-request,
# approval.refused for redeem); dispatch refuses unknown fields before any of them.
kill -0 "$AGENT_PID" || fail "the agent died"
[ ! -e "$HOME_B/notes.txt.futari-request" ] || fail "a refused export made a request"
[ -z "$(getfattr -n trusted.futari.class --only-values "$HOME_U/minutes.txt" 2>/dev/null)" ] ||
	fail "B's refused label changed A's file"

# The agent answers B as B.
out=$(probe_b '{"command":"status"}')
echo "$out" | grep -q '"uid":65533,' || fail "B's status does not name B: $out"
echo "$out" | grep -q '"pending_requests":0,' || fail "B's status counts A's request: $out"
out=$(as_user "$PROBE" "$SOCK" '{"command":"status"}')
echo "$out" | grep -q '"uid":65534,' || fail "A's status does not name A: $out"
echo "$out" | grep -q '"pending_requests":1,' || fail "A's status lacks A's request: $out"
out=$(probe_b '{"command":"requests"}')
[ "$out" = '{"ok":true,"result":{"requests":[]}}' ] || fail "B sees requests that are not B's: $out"
as_user "$PROBE" "$SOCK" '{"command":"requests"}' | grep -q "\"id\":\"$req_id\"" ||
	fail "A does not see A's own request"
# B cannot redeem A's approval, with or without naming A.
out=$(as_b "$FUTARI" redeem "$TEST_TMP/ok.futari-approval" 2>&1) && fail "B redeemed A's request: $out"
echo "$out" | grep -q "only the person who made the request" || fail "B's redeem refused for another reason: $out"
grep -q '^state=pending' "$TEST_TMP/state/pending/$req_id.pending" || fail "A's request is no longer pending"
[ -z "$(ls -A "$mnt")" ] || [ "$(ls -A "$mnt")" = lost+found ] || fail "something reached the stick"
# B cannot label A's file (B can read it, does not own it).
out=$(as_b "$FUTARI" label "$HOME_U/minutes.txt" II 2>&1) && fail "B labelled A's file: $out"
[ -z "$(getfattr -n trusted.futari.class --only-values "$HOME_U/minutes.txt" 2>/dev/null)" ] ||
	fail "B's label reached A's file"
# B's own request is B's: it names B, and A does not see it.
public_file "$HOME_B/plan.txt" 800 plan
chown $B:$B "$HOME_B/plan.txt"
setfattr -n trusted.futari.class -v II "$HOME_B/plan.txt"
as_b "$FUTARI" export "$HOME_B/plan.txt" --to alpha --reason "B's own" >"$TEST_TMP/out" 2>&1 ||
	fail "B's Class II export failed: $(cat "$TEST_TMP/out")"
grep -q "^uid: $B\$" "$HOME_B/plan.txt.futari-request" ||
	fail "B's request does not name B: $(cat "$HOME_B/plan.txt.futari-request")"
[ "$(as_user "$PROBE" "$SOCK" '{"command":"requests"}' | grep -o '"id":' | wc -l)" = 1 ] ||
	fail "A sees B's request"
# A can redeem the approval B could not use: it was valid, B was not its requester.
out=$(as_user "$FUTARI" redeem "$TEST_TMP/ok.futari-approval" 2>&1) || fail "A's redeem refused: $out"
[ -f "$mnt/bid.txt" ] || fail "A's approved export is not on the stick: $out"
stop_agent

# The log: B's actions carry B's uid, A's carry A's, and no record names uid 0.
rec() { grep "\"event\":\"$1\"" "$L"/egress-*.jsonl | grep -c "\"subject\":{\"uid\":$2[,}]"; }
grep -q '"subject":{"uid":0[,}]' "$L"/egress-*.jsonl &&
	fail "a record names uid 0: $(grep '"subject":{"uid":0[,}]' "$L"/egress-*.jsonl | head -1)"
n=$(rec export.refused $B)
[ "$n" = $((2 * n_fields)) ] ||
	fail "$n export.refused records for B's $((2 * n_fields)) refused export and upload-request messages"
[ "$(rec export.refused 65534)" = 0 ] || fail "B's refused exports were logged as A's"
n=$(rec approval.refused $B)
[ "$n" = $((n_fields + 1)) ] || fail "$n approval.refused records for B's $((n_fields + 1)) refused redeems"
[ "$(rec approval.refused 65534)" = 0 ] || fail "B's refused redeem was logged as A's"
[ "$(rec label.changed $B)" -ge 1 ] || fail "B's refused label is not logged as B's"
[ "$(rec label.changed 65534)" = 0 ] || fail "B's label was logged as A's"
[ "$(rec export.requested $B)" = 1 ] && [ "$(rec export.requested 65534)" = 1 ] ||
	fail "export.requested records do not name their requesters"
[ "$(rec redeem.accepted 65534)" = 1 ] && [ "$(rec redeem.accepted $B)" = 0 ] ||
	fail "redeem.accepted does not name A alone"
"$top_builddir/approver/futari-audit" verify "$L" >"$TEST_TMP/verify.out" 2>&1 ||
	fail "futari-audit verify: $(tail -3 "$TEST_TMP/verify.out")"
echo "ok: identity fields in messages refused; B is answered and logged as B"
exit 0
