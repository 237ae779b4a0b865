#!/bin/bash
# Sealed runs, item 3: inside a run, /proc shows the run's own processes
# only; no host process's cmdline, environ or status is readable.
. tests/integration/lib.sh
. tests/integration/run-lib.sh

# A host process with a secret on its command line and in its environment,
# as a service started with a password would have them.
suffix=$$-$RANDOM
secret=boxed-secret-$suffix
as_other env "SECRET_ENV=$secret" "$PY" -I -S -c 'import time; time.sleep(30)' "$secret" &
victim_shell=$!
for _ in $(seq 50); do
	victim=$(pgrep -u "$BOXED_OTHER" -f -- "$secret" | head -n 1)
	[ -n "$victim" ] && break
	sleep 0.05
done
check_match "a host process holds a secret in its cmdline" '^[0-9]+$' "$victim"

# The probe builds the secret from its parts: the run's own command line
# holds the code, and must not be what is found.
out=$(probe "
import os
secret = ('%s-%s' % ('boxed-secret', '$suffix')).encode()
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
print('pids', pids == [1, os.getpid()])
for what in ('cmdline', 'environ', 'status'):
	try:
		data = open('/proc/$victim/' + what, 'rb').read()
		print(what, 'SECRET' if secret in data else 'read')
	except OSError as e:
		print(what, e.strerror)
found = []
for p in os.listdir('/proc'):
	if p.isdigit():
		for what in ('cmdline', 'environ'):
			try:
				if secret in open('/proc/%s/%s' % (p, what), 'rb').read():
					found.append(p)
			except OSError:
				pass
print('found', found)")
check_match "/proc lists the run's init and its target alone" '^pids True$' "$out"
check_match "the host process's cmdline is not there" '^cmdline No such file or directory$' "$out"
check_match "the host process's environ is not there" '^environ No such file or directory$' "$out"
check_match "the host process's status is not there" '^status No such file or directory$' "$out"
check_match "no process the run can see holds the secret" '^found \[\]$' "$out"

# The run's own init: visible as pid 1, but not readable in what matters.
out=$(probe "
import os
for what in ('environ', 'mem'):
	try:
		open('/proc/1/' + what, 'rb').read(1); print(what, 'READ')
	except OSError as e:
		print(what, e.strerror)")
check_eq "the run's init (boxed's) has its environ and memory closed to the run" \
	"environ Permission denied
mem Permission denied" "$out"

kill "$victim" 2>/dev/null
wait "$victim_shell" 2>/dev/null
finish
