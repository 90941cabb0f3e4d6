#!/usr/bin/env python3
"""A stand-in for a Django manage.py: shows the environment an admin process gets."""
import os
import sys

command = sys.argv[1] if len(sys.argv) > 1 else "help"
if command == "migrate":
    print(f"migrating {os.environ['DATABASE_URL']} ({os.environ.get('APPENV_ENV', 'no environment')})")
elif command == "shell":
    print(f"blog shell, DEBUG={os.environ.get('DEBUG')}; type Python, end with Ctrl-D")
    exec(sys.stdin.read())
else:
    print("usage: manage.py migrate|shell")
