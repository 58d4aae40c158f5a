#!/bin/sh
# futari-approve from scripts, as a security manager and two supervisors would use it:
# keygen -> certify -> revoke -> show -> sign -> redeem; self-approval, tampering, wrong
# passphrase and usage errors refused with the documented exit codes. Needs no root (as
# root it passes --allow-root, and checks that root is refused without it).
. "$top_srcdir/tests/integration/lib.sh"

A="$top_builddir/approver/futari-approve"
H="$top_builddir/tests/integration/protocol-helper"
[ -x "$A" ] || fail "futari-approve not built"
[ -x "$H" ] || fail "protocol-helper not built"
R=""
if [ "$(id -u)" -eq 0 ]; then
	R=--allow-root
	"$A" keygen --name x --out "$TEST_TMP/x" --passphrase-file /dev/null 2>"$TEST_TMP/err"
	[ $? -eq 1 ] || fail "root without --allow-root was not refused"
	grep -q "refusing to run as root" "$TEST_TMP/err" || fail "root refusal message"
fi
cd "$TEST_TMP" || fail "no tmp"

# expect CODE CMD...: run, check the exit code, keep stdout/stderr in out/err
expect() {
	want=$1
	shift
	"$@" >out 2>err
	got=$?
	[ "$got" -eq "$want" ] || { cat err >&2; fail "exit $got (want $want): $*"; }
}

echo 'TEST ONLY root passphrase' >root.pass
echo 'TEST ONLY alice passphrase' >alice.pass
echo 'TEST ONLY bob passphrase' >bob.pass
echo 'TEST ONLY carol passphrase' >carol.pass

# help and usage
expect 0 "$A" --help
grep -q keygen out || fail "--help lists no commands"
for c in keygen certify revoke show sign reject; do
	expect 0 "$A" $c --help
	grep -q "Usage:" out || fail "$c --help"
done
expect 2 "$A"
expect 2 "$A" frobnicate
expect 2 "$A" sign $R
expect 2 "$A" keygen --name 'a/b' --out k $R
expect 2 "$A" certify --root-key x --key y --id S --name N --login l --role r --classes IV $R

# the security manager makes the root key, the approvers their keys
expect 0 "$A" certify --init-root org --passphrase-file root.pass $R
[ "$(stat -c %a org/org.key)" = 600 ] || fail "root key file mode"
for p in alice bob carol; do
	expect 0 "$A" keygen --name $p --out keys --passphrase-file $p.pass $R
done
expect 1 "$A" keygen --name alice --out keys --passphrase-file alice.pass $R
grep -q "already exists" err || fail "keygen overwrite not refused"
echo short >short.pass
expect 1 "$A" keygen --name short --out keys --passphrase-file short.pass $R

certify() { # name id classes role
	expect 0 "$A" certify --root-key org/org.key --passphrase-file root.pass $R \
		--key keys/$1.pub --id $2 --name "$1 (TEST ONLY)" --login $1 --login $1.adm \
		--role $4 --classes $3 --valid-for 30d --out $1.cert
}
certify alice S1001 II info-manager
certify bob S1002 II info-manager
certify carol S1003 I,II security-manager
expect 0 "$A" show $R --root org/org.pub alice.cert
grep -q "signed by the organisation root key" out || fail "certificate root check"
expect 0 "$A" revoke --root-key org/org.key --passphrase-file root.pass --out crl1 $R
expect 0 "$A" show $R --root org/org.pub --json crl1
grep -q '"sequence" : 1' out || fail "first revocation list"

# bob asks for a Class II export
expect 0 "$H" request --requester bob --class II --out req.futari-request \
	--file "$(printf 'evil\033[2Jname\342\200\256gpj.exe')"
expect 0 "$A" show $R req.futari-request
grep -q "bob (uid 1001)" out || fail "show: requester"
grep -q "signature valid" out || fail "show: host signature"
grep -q 'evil\\x1b\[2Jname\\u{202E}gpj.exe' out || fail "show: file name not escaped"
if LC_ALL=C grep -q "$(printf '\033')" out; then fail "show printed a raw escape"; fi
expect 0 "$A" show $R --json req.futari-request
grep -q '"requester" : "bob"' out || fail "show --json"

# Issue 19: the file itself, checked against the request's size and SHA-256.
grep -q '"state" : "not-seen"' out || fail "show --json: content not reported as not seen"
expect 0 "$A" show $R req.futari-request
grep -q "Content: *not seen: no file beside the request" out || fail "show: content not seen"
printf 'TEST ONLY content' >good.bin
printf 'TEST ONLY c0ntent' >bad.bin
printf 'TEST ONLY content, and more' >long.bin
expect 0 "$A" show $R req.futari-request --file good.bin
grep -q "Content: *good.bin matches the request" out || fail "show --file: match not shown"
for f in bad.bin long.bin; do
	expect 1 "$A" show $R req.futari-request --file $f
	grep -q "$f does NOT match the request: do not approve" out || fail "show --file $f"
done
expect 1 "$A" show $R --json req.futari-request --file bad.bin
grep -q '"state" : "differs"' out || fail "show --json: mismatch"
ln -s good.bin link.bin
expect 1 "$A" show $R req.futari-request --file link.bin
grep -q "symbolic link" err || fail "show --file followed a symbolic link"
expect 1 "$A" show $R req.futari-request --file .
grep -q "not a regular file" err || fail "show --file on a folder"
expect 1 "$A" show $R req.futari-request --file no-such-file
[ "$(wc -l <err)" -eq 1 ] || fail "a missing --file: not one line: $(cat err)"
expect 2 "$A" show $R --file good.bin alice.cert
# Beside the request: the copy 'futari export --with-copy' leaves there.
cp bad.bin req.futari-copy
expect 1 "$A" show $R req.futari-request
grep -q "req.futari-copy does NOT match" out || fail "show: the copy beside the request"
cp good.bin req.futari-copy
expect 0 "$A" show $R req.futari-request
grep -q "req.futari-copy matches the request" out || fail "show: the copy beside the request"

# a tampered request is refused by show and sign
sed 's/^reason: .*/reason: something else/' req.futari-request >tampered.futari-request
expect 1 "$A" show $R tampered.futari-request
grep -q "do not approve" err || fail "tampered request shown without warning"

# bob cannot approve his own request
expect 1 "$A" sign req.futari-request --key keys/bob.key --cert bob.cert \
	--passphrase-file bob.pass --root org/org.pub $R
grep -q "cannot approve your own request" err || fail "self-approval message"
[ ! -e req.S1002.futari-approval ] || fail "self-approval written"

# wrong passphrase, wrong key for the certificate
expect 1 "$A" sign req.futari-request --key keys/alice.key --cert alice.cert \
	--passphrase-file carol.pass --root org/org.pub $R
grep -q "wrong passphrase" err || fail "wrong passphrase message"
expect 1 "$A" sign req.futari-request --key keys/carol.key --cert alice.cert \
	--passphrase-file carol.pass --root org/org.pub $R
grep -q "does not belong" err || fail "key/cert mismatch message"

# alice approves, asking for too long: capped at the Class II maximum; her certificate is
# found beside her key, where keygen told her to keep it
expect 2 "$A" sign req.futari-request --key keys/alice.key --passphrase-file alice.pass $R
grep -q "no keys/alice.futari-certificate beside the key" err || fail "missing --cert message"
cp alice.cert keys/alice.futari-certificate
expect 1 "$A" sign req.futari-request --key keys/alice.key --file bad.bin \
	--passphrase-file alice.pass --root org/org.pub $R
grep -q "does NOT match the request: do not approve" err || fail "sign --file: mismatch signed"
[ ! -e req.S1001.futari-approval ] || fail "an approval for a file that does not match"
expect 0 "$A" sign req.futari-request --key keys/alice.key --file good.bin \
	--passphrase-file alice.pass --root org/org.pub --valid-for 48h --comment "OK 承認" $R
grep -q "^content-checked: yes$" req.S1001.futari-approval || fail "content-checked: yes not recorded"
grep -q "Content checked: good.bin matches" err || fail "sign --file: not said"
grep -q "capped at 1d" err || fail "validity not capped"
[ -f req.S1001.futari-approval ] || fail "approval not beside the request"
expect 0 "$A" show $R --root org/org.pub req.S1001.futari-approval
grep -q "Approval (signature valid)" out || fail "show approval"
grep -q "Content seen: *yes: the approver checked" out || fail "show approval: content-checked"
expect 1 "$A" sign req.futari-request --key keys/alice.key --cert alice.cert \
	--passphrase-file alice.pass --root org/org.pub $R
grep -q "exists" err || fail "second approval overwrote the first"

# the agent's redeem check accepts it, and refuses it without a revocation list
expect 0 "$H" redeem --root org/org.pub --crl crl1 req.futari-request req.S1001.futari-approval
grep -q "^accepted" out || fail "redeem did not accept"
expect 1 "$H" redeem --root org/org.pub req.futari-request req.S1001.futari-approval
grep -q "^no-revocation-list" out || fail "redeem without a revocation list"

# revoking alice's certificate makes her approval worthless
serial=$(grep '^serial: ' alice.cert | cut -d' ' -f2)
expect 0 "$A" revoke "$serial" --previous crl1 --root-key org/org.key \
	--passphrase-file root.pass --out crl2 $R
expect 0 "$A" show $R --root org/org.pub crl2
grep -q "$serial" out || fail "serial not in the new list"
expect 1 "$H" redeem --root org/org.pub --crl crl2 req.futari-request req.S1001.futari-approval
grep -q "^certificate-revoked" out || fail "revoked approval accepted"
# and futari-approve no longer signs with it (every agent would refuse what it signs)
expect 1 "$A" sign req.futari-request --key keys/alice.key --cert alice.cert \
	--passphrase-file alice.pass --root org/org.pub --revocations crl2 --out again $R
grep -q "certificate $serial is revoked" err || fail "signed with a revoked certificate"
[ ! -e again ] || fail "a revoked certificate signed"
expect 1 "$A" reject req.futari-request --key keys/alice.key --cert alice.cert \
	--passphrase-file alice.pass --root org/org.pub --revocations crl2 --out again $R
grep -q "is revoked" err || fail "rejected with a revoked certificate"
printf 'not a revocation list\n' >garbage.crl
expect 1 "$A" sign req.futari-request --key keys/alice.key --cert alice.cert \
	--passphrase-file alice.pass --root org/org.pub --revocations garbage.crl --out again $R
[ "$(wc -l <err)" -eq 1 ] || fail "garbage revocation list: not one line: $(cat err)"
# a list not signed by the organisation root proves nothing
expect 0 "$A" certify --init-root foreign --passphrase-file root.pass $R
expect 0 "$A" revoke "$serial" --root-key foreign/org.key --passphrase-file root.pass \
	--out crl-other $R
expect 1 "$A" sign req.futari-request --key keys/alice.key --cert alice.cert \
	--passphrase-file alice.pass --root org/org.pub --revocations crl-other --out again $R
if grep -q "is revoked" err; then fail "a foreign revocation list was believed"; fi
[ ! -e again ] || fail "signed against a foreign revocation list"
expect 2 "$A" revoke nothex --root-key org/org.key $R

# Class I: alice may not; carol's rejection is a refusal
expect 0 "$H" request --requester bob --class I --out req1.futari-request
expect 1 "$A" sign req1.futari-request --key keys/alice.key --cert alice.cert \
	--passphrase-file alice.pass --root org/org.pub $R
grep -q "does not allow you to approve Class I" err || fail "class check"
expect 0 "$A" reject req1.futari-request --key keys/carol.key --cert carol.cert \
	--passphrase-file carol.pass --root org/org.pub --comment "no" $R
grep -q "^content-checked: no$" req1.S1003.futari-approval || fail "content-checked: no not recorded"
grep -q "Content not checked" err || fail "reject without --file: not said"
expect 1 "$H" redeem --root org/org.pub --crl crl1 req1.futari-request req1.S1003.futari-approval
grep -q "^rejected" out || fail "rejection not refused"

# a certificate from another organisation
expect 0 "$A" certify --init-root other --passphrase-file root.pass $R
expect 1 "$A" show $R --root other/org.pub alice.cert
grep -q "another root" err || fail "other root not named"

# One person, one certificate (issue 16 item 2): certify keeps org/issued-certificates and
# refuses a second certificate to a login, staff id (any case) or key that already has one.
[ "$(stat -c %a org/issued-certificates)" = 600 ] || fail "issued-certificates mode"
bob_serial=$(grep '^serial: ' bob.cert | cut -d' ' -f2)
carol_serial=$(grep '^serial: ' carol.cert | cut -d' ' -f2)
grep -q "^$bob_serial active " org/issued-certificates || fail "bob not recorded"
grep -q "^$serial revoked " org/issued-certificates || fail "alice not marked revoked"
expect 0 "$A" keygen --name bob2 --out keys --passphrase-file bob.pass $R
again() { # code id login key [extra...]
	code=$1 id=$2 login=$3 key=$4
	shift 4
	rm -f bob2.cert
	expect "$code" "$A" certify --root-key org/org.key --passphrase-file root.pass $R \
		--key "keys/$key.pub" --id "$id" --name "Bob again (TEST ONLY)" --login "$login" \
		--role info-manager --classes II --valid-for 30d --out bob2.cert "$@"
	if [ "$code" -ne 0 ]; then
		[ ! -e bob2.cert ] || fail "a refused certificate was written ($id $login)"
		[ "$code" -ne 1 ] || [ "$(wc -l <err)" -eq 1 ] || fail "not one line: $(cat err)"
	fi
}
again 1 S9002 bob bob2
grep -q "S1002 already holds certificate $bob_serial (the new one would share the login)" err ||
	fail "same login: $(cat err)"
grep -q -- "--replaces $bob_serial" err || fail "no hint of --replaces: $(cat err)"
again 1 s1002 bobby bob2
grep -q "share the staff id" err || fail "staff id in other case: $(cat err)"
again 1 S9003 robert bob
grep -q "share the key" err || fail "same key: $(cat err)"
again 1 S9002 BOB.ADM bob2
grep -q "share the login" err || fail "login in other case: $(cat err)"
again 2 S1002 bob bob2 --replaces nothex
again 1 S1002 bob bob2 --replaces 0000000000000000
grep -q "no such certificate" err || fail "unknown --replaces: $(cat err)"
again 1 S1002 bob bob2 --replaces "$carol_serial"
grep -q "shares no staff id, login or key" err || fail "--replaces another person: $(cat err)"
# a garbage record refuses everything, naming the line
cp org/issued-certificates garbage.rec
echo "$bob_serial active garbage" >>garbage.rec
again 1 S7777 zed bob2 --issued garbage.rec
grep -q "line $(wc -l <garbage.rec):" err || fail "garbage record: $(cat err)"
# re-issue: the old certificate is marked replaced and goes on the next list
again 0 S1002 bob bob2 --replaces "$bob_serial"
grep -q "^$bob_serial replaced " org/issued-certificates || fail "old bob not marked replaced"
again 1 S1002 bob bob --replaces "$bob_serial"
grep -q "already replaced or revoked" err || fail "replaced twice: $(cat err)"
expect 0 "$A" revoke --previous crl2 --root-key org/org.key --passphrase-file root.pass \
	--out crl3 $R
grep -q "Added 1 replaced" err || fail "revoke did not take the replaced certificate: $(cat err)"
grep -q "^revoked: $bob_serial" crl3 || fail "replaced certificate not on the list"
grep -q "^revoked: $serial" crl3 || fail "the earlier revocation was lost"
exit 0
