#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# "Export to USB with futari": the file-manager action. Runs
#   futari export FILE… --to DEVICE --reason TEXT
# for the selected files, asking for the device and the reason (zenity when it is there,
# the terminal otherwise), and shows what futari answered. It decides nothing itself: the
# agent classifies the files, writes Class III at once, and saves a request for a Class I
# or II file, which a supervisor must approve first.
# Nautilus passes the selection as arguments (and in NAUTILUS_SCRIPT_SELECTED_FILE_PATHS);
# Nemo and Dolphin pass %F.
TEXTDOMAIN=futari
TEXTDOMAINDIR=@localedir@
export TEXTDOMAIN TEXTDOMAINDIR
if command -v gettext.sh >/dev/null 2>&1; then
	. gettext.sh
else
	gettext() { printf '%s' "$1"; }
fi
FUTARI=${FUTARI:-@bindir@/futari}
[ -x "$FUTARI" ] || FUTARI=futari
title=$(gettext "Export to USB with futari")

have_zenity() { [ -n "$DISPLAY$WAYLAND_DISPLAY" ] && command -v zenity >/dev/null 2>&1; }
# Pango markup: the text shown comes from file names and device strings.
markup() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }
say() { # KIND TEXT (KIND: info or error)
	if have_zenity; then
		zenity --"$1" --title="$title" --no-wrap --text="$(printf '%s' "$2" | markup)"
	else
		printf '%s\n' "$2" >&2
	fi
}
ask() { # PROMPT
	if have_zenity; then
		zenity --entry --title="$title" --width=520 --text="$(printf '%s' "$1" | markup)"
	else
		printf '%s\n> ' "$1" >&2
		IFS= read -r answer && printf '%s' "$answer"
	fi
}

if [ $# -eq 0 ] && [ -n "$NAUTILUS_SCRIPT_SELECTED_FILE_PATHS" ]; then
	# one path per line; no file name with a newline gets through this way
	old_ifs=$IFS
	IFS='
'
	set -- $NAUTILUS_SCRIPT_SELECTED_FILE_PATHS
	IFS=$old_ifs
fi
if [ $# -eq 0 ]; then
	say error "$(gettext "Select one or more files to export first.")"
	exit 2
fi
for f in "$@"; do
	if [ ! -f "$f" ]; then
		say error "$(printf "$(gettext "Only files can be exported: %s")" "$f")"
		exit 1
	fi
done

devices=$("$FUTARI" devices 2>&1 | head -n 20)
device=$(ask "$(printf "$(gettext "Which USB storage device? Give its label, serial number or mount point.\n\nConnected now:\n%s")" "$devices")") || exit 1
[ -n "$device" ] || exit 1
reason=$(ask "$(gettext "Why do these files need to leave this PC? Your supervisor and the log see this reason.")") || exit 1
if [ -z "$reason" ]; then
	say error "$(gettext "A reason is required.")"
	exit 1
fi

out=$("$FUTARI" export "$@" --to "$device" --reason "$reason" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	say info "$out"
else
	say error "$out"
fi
exit $rc
