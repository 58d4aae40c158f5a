#!/usr/bin/env python3
# TEST ONLY stand-in for futarid's event subscription (docs/agent-api-events.md), for
# tests/gui/notify.sh: binds SOCKET (SOCK_SEQPACKET), accepts one client, checks that it
# sends {"command": "subscribe"}, answers like the agent, sends every line of EVENTS as one
# packet (garbage included; a line "@SLEEP SECONDS" waits instead), then closes. With
# --refuse it refuses the subscription.
import json
import socket
import sys
import time

refuse = "--refuse" in sys.argv
args = [a for a in sys.argv[1:] if a != "--refuse"]
path, events, ready = args
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(1)
open(ready, "w").write("ready\n")
s.settimeout(30)
c, _ = s.accept()
hello = json.loads(c.recv(65536))
if hello.get("command") != "subscribe":
    sys.exit("fake-agent: expected a subscribe command, got %r" % hello)
if refuse:
    c.send(b'{"ok":false,"error":"unknown command \\"subscribe\\"","code":"invalid"}')
else:
    c.send(b'{"ok":true,"result":{"subscribed":true}}')
    with open(events, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if line.startswith(b"@SLEEP "):
                time.sleep(float(line[7:]))
                continue
            if line == b"@OVERSIZED":
                line = b'{"event":{"event":"export.written","pad":"' + b"x" * 70000 + b'"}}'
            c.send(line)
c.close()
