import time

# Bounded on purpose: at most 300 children that each exit after 2 s, so the
# unsandboxed run shows the escape without hurting the machine.
children = 0
failure = None
for _ in range(300):
    try:
        pid = os.fork()
    except OSError as exc:
        failure = exc.strerror
        break
    if pid == 0:
        time.sleep(2)
        os._exit(0)
    children += 1
report(children=children, failure=failure)
for _ in range(children):
    os.wait()
