#!/usr/bin/python3
"""For e2e scenario 22 (issue 14, round 17): read FILE, then exec PROGRAM ARGS... from a
second thread (not the process's leader), with FILE's content in place of the argument "@"."""
import os
import sys
import threading

data = open(sys.argv[1], "rb").read().decode(errors="replace")
argv = [data if a == "@" else a for a in sys.argv[2:]]
threading.Thread(target=lambda: os.execv(argv[0], argv)).start()
threading.Event().wait(30)
sys.exit(3)
