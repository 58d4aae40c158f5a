#!/bin/sh
# Desktop integration files (packaging/): the launcher and the metainfo pass the
# freedesktop validators; the MIME XML makes *.futari-request (and a file that starts with
# the armour line) application/x-futari-request, which the launcher opens; the
# file-manager action runs `futari export FILE… --to DEVICE --reason TEXT`.
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

P="$top_srcdir/packaging"
B="$top_builddir/packaging"
for t in desktop-file-validate appstreamcli xmllint update-mime-database gio; do
	command -v $t >/dev/null 2>&1 || skip "$t is not installed (packaging/test-deps.txt)"
done
T=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$T"' EXIT

desktop-file-validate "$P/io.github.futari.Approver.desktop" || fail "desktop-file-validate"
desktop-file-validate "$P/futari-notify.desktop" || fail "desktop-file-validate (autostart)"
grep -q '^Exec=futari-notify$' "$P/futari-notify.desktop" || fail "autostart runs something else"
appstreamcli validate --no-net "$P/io.github.futari.Approver.metainfo.xml" ||
	fail "appstreamcli validate"
xmllint --noout "$P/io.github.futari.Approver.svg" || fail "the icon is not well-formed XML"
grep -q '^MimeType=application/x-futari-request;$' "$P/io.github.futari.Approver.desktop" ||
	fail "the launcher does not open requests"
grep -q '^Exec=futari-approver %F$' "$P/io.github.futari.Approver.desktop" ||
	fail "the launcher does not pass the files"

# A private MIME database built from our XML alone.
xmllint --noout "$P/futari-mime.xml" || fail "MIME XML is not well-formed"
mkdir -p "$T/data/mime/packages" || fail "mkdir"
cp "$P/futari-mime.xml" "$T/data/mime/packages/futari.xml" || fail "cp"
cp /usr/share/mime/packages/freedesktop.org.xml "$T/data/mime/packages/" 2>/dev/null
update-mime-database "$T/data/mime" || fail "update-mime-database refused the XML"
type_of() {
	XDG_DATA_HOME="$T/data" XDG_DATA_DIRS="$T/none" \
		gio info -a standard::content-type "$1" | sed -n 's/^ *standard::content-type: //p'
}
printf -- '-----BEGIN FUTARI REQUEST-----\nversion: 1\n' >"$T/a.futari-request"
printf -- '-----BEGIN FUTARI APPROVAL-----\nversion: 1\n' >"$T/b.futari-approval"
printf -- '-----BEGIN FUTARI REQUEST-----\nversion: 1\n' >"$T/request-without-suffix"
printf 'just text\n' >"$T/plain.futari-nothing"
[ "$(type_of "$T/a.futari-request")" = application/x-futari-request ] ||
	fail "*.futari-request is $(type_of "$T/a.futari-request")"
[ "$(type_of "$T/b.futari-approval")" = application/x-futari-approval ] ||
	fail "*.futari-approval is $(type_of "$T/b.futari-approval")"
[ "$(type_of "$T/request-without-suffix")" = application/x-futari-request ] ||
	fail "the armour magic is not recognised: $(type_of "$T/request-without-suffix")"
case "$(type_of "$T/plain.futari-nothing")" in
application/x-futari-*) fail "a plain file was taken for a futari file" ;;
esac

# The file-manager action, with a stand-in futari that records its arguments, answering
# on the terminal (no display).
S="$B/futari-export-to-usb"
[ -x "$S" ] || fail "$S not built"
cat >"$T/futari" <<'STUB'
#!/bin/sh
if [ "$1" = devices ]; then echo "TEST ONLY stick  label TESTSTICK"; exit 0; fi
for a in "$@"; do printf '%s\n' "$a"; done >"$(dirname "$0")/args"
echo "exported (TEST ONLY stand-in)"
STUB
chmod +x "$T/futari"
: >"$T/one file.txt"
: >"$T/two.csv"
printf 'TESTSTICK\nmeeting handout\n' |
	env -u DISPLAY -u WAYLAND_DISPLAY FUTARI="$T/futari" \
		"$S" "$T/one file.txt" "$T/two.csv" >"$T/out" 2>&1 || fail "export action failed: $(cat "$T/out")"
printf '%s\n' export "$T/one file.txt" "$T/two.csv" --to TESTSTICK --reason "meeting handout" >"$T/want"
cmp -s "$T/args" "$T/want" || fail "export action ran: $(cat "$T/args")"
# no reason: refused before futari runs
rm -f "$T/args"
printf 'TESTSTICK\n\n' | env -u DISPLAY -u WAYLAND_DISPLAY FUTARI="$T/futari" \
	"$S" "$T/two.csv" >"$T/out" 2>&1 && fail "export without a reason was not refused"
[ ! -e "$T/args" ] || fail "futari ran without a reason"
grep -q "reason is required" "$T/out" || fail "no message for a missing reason"
# a directory: refused
env -u DISPLAY -u WAYLAND_DISPLAY FUTARI="$T/futari" "$S" "$T" </dev/null >"$T/out" 2>&1 &&
	fail "a directory was accepted"
exit 0
