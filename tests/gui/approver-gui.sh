#!/bin/sh
# futari-approver under Xvfb on a private session bus: the GTest program test-approver,
# once in English and once in Japanese (LANGUAGE=ja with the catalogue built from
# po/ja.po), saving screenshots of each page to screenshots/*-en.png and *-ja.png.
skip() { echo "SKIP: $*" >&2; exit 77; }

command -v xvfb-run >/dev/null 2>&1 || skip "xvfb-run is not installed (package xvfb)"
command -v dbus-run-session >/dev/null 2>&1 || skip "dbus-run-session is not installed (package dbus)"
command -v msgfmt >/dev/null 2>&1 || skip "msgfmt is not installed (package gettext)"
T="$abs_builddir/test-approver"
[ -x "$T" ] || { echo "FAIL: $T not built" >&2; exit 1; }

shots="$abs_builddir/screenshots"
loc="$abs_builddir/locale"
rm -rf "$shots" "$loc"
mkdir -p "$shots" "$loc/ja/LC_MESSAGES" || exit 1
msgfmt -o "$loc/ja/LC_MESSAGES/futari.mo" "$top_srcdir/po/ja.po" || exit 1

# Screenshots need xwd and ImageMagick; without them the tests still run.
FUT_TEST_CONVERT=
if command -v xwd >/dev/null 2>&1; then
	for c in convert-im6.q16 convert-im7.q16 /usr/bin/convert magick; do
		if command -v "$c" >/dev/null 2>&1; then FUT_TEST_CONVERT=$c; break; fi
	done
fi
[ -n "$FUT_TEST_CONVERT" ] || echo "# no xwd or ImageMagick: no screenshots" >&2
export FUT_TEST_CONVERT

# Can a display start here at all?
xvfb-run -a -s "-screen 0 1280x1024x24" true >/dev/null 2>&1 ||
	skip "Xvfb cannot start here"

# GTK, fontconfig and GDBus keep process-lifetime allocations that LeakSanitizer reports
# (the sanitizer build in .ci/run): leak checking stays on for every other suite, off for
# these processes; ASan and UBSan still abort on any memory error here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# The cairo renderer gives the same pixels on every machine; no accessibility bus here.
export GSK_RENDERER=cairo GDK_BACKEND=x11 GTK_A11Y=none NO_AT_BRIDGE=1
# GTK's file chooser keeps its own settings in GSettings: in memory here, so no dconf
# service is started on the private bus (one moving part fewer under the test) and nothing
# is written to root's own dconf database.
export GSETTINGS_BACKEND=memory
export FUT_TEST_SCREENSHOT_DIR="$shots" FUT_TEST_LOCALEDIR="$loc"

# A run that fails says how it ended (an exit status, or the signal that ended it) and what
# Xvfb printed, so a death without a TAP line is not silent.
run() { # LANG-TAG ARGS...
	lang=$1
	shift
	echo "# futari-approver tests ($lang)"
	xlog="$abs_builddir/xvfb-$lang.log"
	: >"$xlog"
	FUT_TEST_LANG=$lang xvfb-run -a -e "$xlog" -s "-screen 0 1280x1024x24" \
		dbus-run-session -- "$T" "$@"
	st=$?
	[ $st -eq 0 ] && return 0
	if [ $st -gt 128 ]; then
		echo "# the $lang run ended by signal $((st - 128)) ($(kill -l $((st - 128)) 2>/dev/null))" >&2
	else
		echo "# the $lang run exited $st" >&2
	fi
	[ -s "$xlog" ] && sed 's/^/# Xvfb: /' "$xlog" | tail -20 >&2
	return 1
}

rc=0
# futari-approver itself: --key and --cert are remembered in the user's config dir (the
# window then stays open until the timeout ends it).
A="$top_builddir/approver/futari-approver"
cfg=$(mktemp -d) || exit 1
XDG_CONFIG_HOME="$cfg" timeout 5 xvfb-run -a -s "-screen 0 1280x1024x24" \
	dbus-run-session -- "$A" --allow-root --key /TEST-ONLY/alice.key \
	--cert /TEST-ONLY/alice.futari-certificate /TEST-ONLY/none.futari-request >/dev/null 2>&1
if ! grep -qx 'key=/TEST-ONLY/alice.key' "$cfg/futari/approver.conf" ||
	! grep -qx 'certificate=/TEST-ONLY/alice.futari-certificate' "$cfg/futari/approver.conf"; then
	echo "FAIL: --key/--cert not remembered" >&2
	rc=1
fi
rm -rf "$cfg"
run en || rc=1
LANGUAGE=ja run ja -p /approver/review -p /approver/tampered -p /approver/self-approval \
	-p /approver/content -p /approver/evidence || rc=1
ls "$shots"
exit $rc
