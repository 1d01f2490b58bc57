import socket

try:
    socket.create_connection(("127.0.0.1", TARGETS["port"]), timeout=2).close()
    report(connected=True, error=None)
except OSError as exc:
    report(connected=False, error=exc.errno)
